"""Residents' ideas: validating a submission, and the secrets that identify one.

The rules here are the only ones: the HTML form, the JSON API and the map's form all
call ``validate_submission``, so a rule cannot differ between them. Messages are German
and name the field, because they are shown to the resident who must correct it.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shapely.geometry import Point

from measures.domain import times
from measures.domain.errors import InvalidFields
from measures.domain.layers import LAYERS
from measures.domain.messages import Message
from measures.domain.model import Idea, IdeaContact
from measures.domain.texts import form_text
from measures.domain.vocabulary import CATEGORIES, N_

# As the idea's record declares them.
TITLE_MAX = LAYERS["ideas"].field("title").max_length
DESCRIPTION_MAX = LAYERS["ideas"].field("description").max_length
NAME_MAX = 80
EMAIL_MAX = 254
REASON_MAX = 1000

# Deliberately loose: one @, something on both sides, a dot in the domain, no spaces.
# Stricter patterns refuse real addresses. Refused besides: the characters that separate
# or quote addresses in a mail header (",;<>\"()[]\\"), so that one typed address is
# never read as two when a message is sent to it.
_EMAIL = re.compile(r'[^@\s,;<>"()\[\]\\]+@[^@\s,;<>"()\[\]\\]+\.[^@\s,;<>"()\[\]\\]+')


def valid_email(address: str) -> bool:
    return _EMAIL.fullmatch(address) is not None


class InvalidSubmission(InvalidFields):
    """Every problem of a submission, by field; nothing of it is stored."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(
            errors, N_("Die Idee wurde nicht angenommen: %(problems)s"), "invalid_submission"
        )


@dataclass(frozen=True)
class Submission:
    idea: Idea
    contact: IdeaContact
    status_token: str


def new_idea_id() -> str:
    """A short public id that does not reveal how many ideas there are."""
    return secrets.token_hex(6)


def new_status_token() -> str:
    """The secret of the private status link; only its hash is stored."""
    return secrets.token_urlsafe(24)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# field → (the field as a sentence's subject, what to ask for when it is missing)
_WORDING = {
    "title": (Message(N_("Der Titel")), Message(N_("Bitte geben Sie einen Titel an."))),
    "description": (
        Message(N_("Die Beschreibung")),
        Message(N_("Bitte beschreiben Sie Ihre Idee.")),
    ),
    "author_name": (Message(N_("Der Name")), None),
    "email": (Message(N_("Die E-Mail-Adresse")), None),
    "reason": (Message(N_("Die Begründung")), Message(N_("Bitte geben Sie eine Begründung an."))),
}
INVALID_EMAIL = N_("Die E-Mail-Adresse ist nicht gültig (Beispiel: name@beispiel.de).")
CONSENT_MISSING = Message(N_("Bitte stimmen Sie der Datenschutzerklärung zu."))
LOCATION_MISSING = Message(
    N_("Bitte setzen Sie einen Punkt auf der Karte (Länge und Breite fehlen).")
)


def missing_messages() -> dict[str, Message]:
    """What ``validate_submission`` says of each required field left empty, by field: the
    map's form says the same before it sends anything."""
    return {
        "title": _WORDING["title"][1],
        "description": _WORDING["description"][1],
        "consent": CONSENT_MISSING,
        "location": LOCATION_MISSING,
    }


def _text(data: Mapping[str, Any], field: str, maximum: int, required: bool, errors: dict) -> str:
    noun, missing = _WORDING[field]
    value, problem = form_text(data.get(field), noun, missing, maximum, required)
    if problem:
        errors[field] = problem
    return value


def _coordinate(data: Mapping[str, Any], field: str, low: float, high: float, errors: dict):
    value = data.get(field)
    if isinstance(value, str):
        try:
            value = float(value.strip().replace(",", "."))
        except ValueError:
            value = None
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 1000:
        # Python's ints have no limit; one this large is no coordinate and no float.
        value = math.inf
    # bool is an int in Python, but true is no coordinate.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        errors["location"] = LOCATION_MISSING
        return None
    if not low <= value <= high:
        errors["location"] = Message(
            N_("Der Punkt hat keine gültigen Koordinaten (Länge/Breite in Grad).")
        )
        return None
    return float(value)


def validate_submission(
    data: Mapping[str, Any],
    distance_outside_m: Callable[[Point], float | None],
    tolerance_m: float,
    now: datetime | None = None,
    *,
    quartier: str = "",
    quartier_name: str = "",
) -> Submission:
    """Check a resident's idea and return the records to store, or raise InvalidSubmission.

    ``data`` holds ``title``, ``description``, ``category``, ``lon``, ``lat`` and the
    optional ``author_name`` and ``email``, and ``consent``. ``distance_outside_m`` tells
    how far a point lies outside the Quartier ``quartier`` (the storage computes it),
    whose name the message about a point outside gives.
    """
    errors: dict[str, str] = {}
    title = _text(data, "title", TITLE_MAX, True, errors)
    description = _text(data, "description", DESCRIPTION_MAX, True, errors)
    author_name = _text(data, "author_name", NAME_MAX, False, errors)
    email = _text(data, "email", EMAIL_MAX, False, errors)
    if email and "email" not in errors and not valid_email(email):
        errors["email"] = Message(INVALID_EMAIL)
    category = data.get("category")
    # An object or a list from JSON cannot even be looked up.
    if not isinstance(category, str) or category not in CATEGORIES:
        errors["category"] = Message(N_("Bitte wählen Sie ein Handlungsfeld aus der Liste."))
    if data.get("consent") not in (True, "true", "on", "1", "yes"):
        errors["consent"] = CONSENT_MISSING
    lon = _coordinate(data, "lon", -180, 180, errors)
    lat = _coordinate(data, "lat", -90, 90, errors) if lon is not None else None
    point = Point(lon, lat) if lon is not None and lat is not None else None
    if point is not None:
        outside = distance_outside_m(point)
        if outside is None or outside > tolerance_m:
            if quartier_name:
                errors["location"] = Message(
                    N_(
                        "Der Punkt liegt außerhalb des Quartiers %(quartier)s. Bitte wählen Sie "
                        "einen Ort innerhalb der gestrichelten Grenze."
                    ),
                    quartier=quartier_name,
                )
            else:
                errors["location"] = Message(
                    N_(
                        "Der Punkt liegt außerhalb des Quartiers. Bitte wählen Sie einen Ort "
                        "innerhalb der gestrichelten Grenze."
                    )
                )
    if errors:
        raise InvalidSubmission(errors)
    idea_id = new_idea_id()
    token = new_status_token()
    idea = Idea(
        id=idea_id,
        quartier=quartier,
        title=title,
        description=description,
        category=category,
        geometry=point,
        created_at=now or times.now(),
        moderation_state="pending",
    )
    return Submission(
        idea=idea,
        contact=IdeaContact(idea_id=idea_id, author_name=author_name, email=email),
        status_token=token,
    )


def validate_reason(reason: Any, required: bool = True) -> str:
    """A planner's reason for a decision, which the author will read."""
    errors: dict[str, str] = {}
    text = _text({"reason": reason}, "reason", REASON_MAX, required, errors)
    if errors:
        raise InvalidSubmission(errors)
    return text


def validate_edit(data: Mapping[str, Any]) -> tuple[str, str]:
    """A planner's corrected title and description (e.g. personal data removed)."""
    errors: dict[str, str] = {}
    title = _text(data, "title", TITLE_MAX, True, errors)
    description = _text(data, "description", DESCRIPTION_MAX, True, errors)
    if errors:
        raise InvalidSubmission(errors)
    return title, description
