"""What a text typed by a person may hold: one rule for ideas, planners' texts and imports.

Removed without a word: the bidi controls, embeddings, overrides and isolates (U+202A to
U+202E, U+2066 to U+2069). They are invisible and can make a text read otherwise than it
is stored (a right-to-left override turns "gpj.exe" into what looks like "exe.jpg");
messengers and word processors put isolates around names, so refusing them would turn
away residents who only pasted their text. Right-to-left writing itself needs none of
them: Arabic and Hebrew letters carry their direction, and the marks U+200E, U+200F and
U+061C, which reorder nothing beyond a neighbouring character, are kept.

Refused, with a sentence saying so: control characters other than tab and line breaks
(PostgreSQL cannot even store NUL), lone UTF-16 surrogates and Unicode's noncharacters
(U+FDD0 to U+FDEF, and U+FFFE and U+FFFF of every plane), which are no characters at all.
XML cannot hold U+FFFE and U+FFFF, so one of them would make the KML export unreadable.
Only a broken program sends one (JSON ``"\\ud800"``); a form's undecodable bytes arrive
as U+FFFD.
"""

from __future__ import annotations

import re
from typing import Any

from measures.domain.messages import Message
from measures.domain.vocabulary import N_

_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATES = re.compile("[\ud800-\udfff]")
_NONCHARACTERS = re.compile(
    "[\ufdd0-\ufdef"
    + "".join(
        f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17)
    )
    + "]"
)


INVALID_CHARACTERS = N_("enthält ungültige Zeichen (keine Schriftzeichen).")
CONTROL_CHARACTERS = N_("enthält unzulässige Steuerzeichen.")


def text_problem(value: str) -> Message | None:
    """What makes ``value`` unusable, as the end of a sentence about it; None if nothing."""
    if _SURROGATES.search(value) or _NONCHARACTERS.search(value):
        return Message(INVALID_CHARACTERS)
    if _CONTROLS.search(value):
        return Message(CONTROL_CHARACTERS)
    return None


def clean_text(value: str) -> str:
    """``value`` without bidi controls and without white space around it."""
    return _BIDI_CONTROLS.sub("", value).strip()


def form_text(
    value: Any, noun: Message, missing: Message | None, maximum: int, required: bool
) -> tuple[str, Message | None]:
    """A text field of a form or JSON body, cleaned, and what is wrong with it (or None).

    ``noun`` names the field as a sentence's subject ("Der Titel"), ``missing`` asks for
    it when it is required and empty. Messages are German and translatable
    (``Message``): a resident reads them.
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        return "", Message(N_("%(noun)s muss ein Text sein."), noun=noun)
    if _SURROGATES.search(value) or _NONCHARACTERS.search(value):
        return "", Message(
            N_("%(noun)s enthält ungültige Zeichen (keine Schriftzeichen)."), noun=noun
        )
    if _CONTROLS.search(value):
        return "", Message(N_("%(noun)s enthält unzulässige Steuerzeichen."), noun=noun)
    value = clean_text(value)
    if required and not value:
        return value, missing
    if len(value) > maximum:
        return value, Message(
            N_("%(noun)s darf höchstens %(maximum)s Zeichen lang sein (jetzt %(length)s)."),
            noun=noun,
            maximum=maximum,
            length=len(value),
        )
    return value, None
