"""Photos of ideas and measures: what a photo is, the rules for its alt text, who sees it.

A photo belongs to one idea or one measure. It is shown to the public only while that
idea is public (``PUBLIC_STATES``) and only once it is released: a photo added to an idea
that still waits for its check is moderated with the idea (the planner sees it when
deciding), so it is released at once; a photo added to an idea that is public already
waits for a planner's release. Planners' photos are released when they add them.
The image itself is checked and re-encoded in ``measures.domain.images``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from measures.domain.errors import UserError
from measures.domain.messages import Message
from measures.domain.texts import form_text
from measures.domain.vocabulary import N_

ALT_TEXT_MAX = 300
# How many photos one idea or measure may have.
PHOTOS_PER_RECORD = 10

PENDING = "pending"
RELEASED = "released"
STATES = {PENDING: N_("wartet auf Freigabe"), RELEASED: N_("freigegeben")}

# The sizes kept of every photo: the longest side in pixels (never enlarged).
VARIANTS = {"gross": 1600, "klein": 400}

ALT_TEXT_MISSING = N_(
    "Bitte beschreiben Sie kurz, was auf dem Foto zu sehen ist (für Menschen, die es "
    "nicht sehen können)."
)
TOO_MANY = N_("Zu dieser Idee oder Maßnahme gibt es schon 10 Fotos; mehr sind nicht möglich.")


class InvalidPhoto(UserError):
    """A photo or its alt text that cannot be taken; nothing of it is stored."""

    def __init__(self, message: str, field: str = "photo"):
        super().__init__(message, code="invalid_photo", parameter=field, fields={field: message})
        self.errors = {field: message}


@dataclass(frozen=True)
class Photo:
    id: str
    alt_text: str
    state: str
    created_at: datetime
    # "resident", or the planner's name.
    added_by: str
    width: int
    height: int
    idea_id: str | None = None
    measure_id: str | None = None

    def key(self, variant: str) -> str:
        """Where the variant's file lies in the photo storage: random, never a user's name."""
        return variant_key(self.id, variant)

    def size(self, variant: str) -> tuple[int, int]:
        """Width and height of a variant (``width``/``height`` are the largest one's)."""
        scale = min(1.0, VARIANTS[variant] / max(self.width, self.height, 1))
        return max(1, round(self.width * scale)), max(1, round(self.height * scale))

    @property
    def keys(self) -> list[str]:
        return [self.key(variant) for variant in VARIANTS]


def variant_key(photo_id: str, variant: str) -> str:
    return f"{photo_id}/{variant}.webp"


def new_photo_id() -> str:
    """A random id (128 bits): it names the files, so nobody can guess another's."""
    return secrets.token_urlsafe(16)


def validate_alt_text(data: Mapping[str, Any]) -> str:
    """The alt text of a photo form, cleaned; InvalidPhoto when it is missing or unusable."""
    text, problem = form_text(
        data.get("alt_text"),
        Message(N_("Die Bildbeschreibung")),
        Message(ALT_TEXT_MISSING),
        ALT_TEXT_MAX,
        True,
    )
    if problem:
        raise InvalidPhoto(problem, "alt_text")
    return text


def state_for_new(added_by_planner: bool, idea_state: str | None, public: Iterable[str]) -> str:
    """The state of a new photo: a resident's photo on a public idea waits for a planner."""
    if added_by_planner or idea_state is None or idea_state not in set(public):
        return RELEASED
    return PENDING
