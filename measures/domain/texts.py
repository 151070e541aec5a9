"""What a text typed by a person may hold: one rule for ideas, planners' texts and imports.

Removed without a word: the bidi controls, embeddings, overrides and isolates (U+202A to
U+202E, U+2066 to U+2069). They are invisible and can make a text read otherwise than it
is stored (a right-to-left override turns "gpj.exe" into what looks like "exe.jpg");
messengers and word processors put isolates around names, so refusing them would turn
away residents who only pasted their text. Right-to-left writing itself needs none of
them: Arabic and Hebrew letters carry their direction, and the marks U+200E, U+200F and
U+061C, which reorder nothing beyond a neighbouring character, are kept.

Refused, with a sentence saying so: control characters other than tab and line breaks
(PostgreSQL cannot even store NUL), and lone UTF-16 surrogates, which are no characters
at all. Only a broken program sends one (JSON ``"\\ud800"``); a form's undecodable
bytes arrive as U+FFFD.
"""

from __future__ import annotations

import re

_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATES = re.compile("[\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """What makes ``value`` unusable, as the end of a sentence about it; None if nothing."""
    if _SURROGATES.search(value):
        return "enthält ungültige Zeichen (keine Schriftzeichen)."
    if _CONTROLS.search(value):
        return "enthält unzulässige Steuerzeichen."
    return None


def clean_text(value: str) -> str:
    """``value`` without bidi controls and without white space around it."""
    return _BIDI_CONTROLS.sub("", value).strip()
