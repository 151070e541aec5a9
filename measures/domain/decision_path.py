"""A measure's decision path as records: its steps, their order, and the status they give.

A step is one dated event on the way of a measure through the programme — presented in
the Stadtteilbeirat, recommended by it, resolved by the Stadtverordnetenversammlung,
implemented, completed (the facts' path: Beirat → Stadtparlament → Umsetzung). It names
the body (``BODIES``), the measure's status after it (``STATUSES``: the outcome), a
reference (Vorlage or Drucksache number), a link to the minutes, a note and PDF files.

The measure's ``status`` and ``timeline`` are *derived* from its steps and written only
with them (``measures/storage/decision_path.py``): the status shown anywhere is the last
step's, so a status that contradicts its path cannot be stored. A measure without steps
is an idea ("idee").

Steps keep the order of their dates; a step from a seed file or an import may carry no
date (no source dates it) and then keeps its place after the step before it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date as Date
from datetime import datetime

from measures.domain.errors import InvalidFields
from measures.domain.messages import Message
from measures.domain.model import TimelineStep
from measures.domain.texts import form_text
from measures.domain.vocabulary import BODIES, DEFAULT_BODIES, N_, STATUSES

# What status a measure without steps has.
INITIAL_STATUS = "idee"

# Where a step came from: a seed file or GIS import ("file"), or a planner's hand. A
# reloaded file replaces the steps it made, as long as no planner has added or changed one.
FROM_FILE = "file"
BY_PLANNER = "planner"

REFERENCE_MAX = 200
NOTE_MAX = 2000
URL_MAX = 500
FILENAME_MAX = 120
# Attachments: PDF only, at most this many bytes each, at most this many per step.
PDF_MAX_BYTES = 20 * 1024 * 1024
FILES_PER_STEP = 10

_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")
_URL = re.compile(r"^https?://[^\s/]+\.[^\s]+$")

DATE_INVALID = N_("Bitte ein Datum wie 2025-03-14 angeben (oder nur Jahr und Monat: 2025-03).")
BODY_INVALID = N_("Bitte wählen Sie ein Gremium aus der Liste.")
STATUS_INVALID = N_("Bitte wählen Sie ein Ergebnis aus der Liste.")
URL_INVALID = N_("Der Link zum Sitzungsprotokoll muss mit http:// oder https:// beginnen.")
NOT_A_PDF = N_("Nur PDF-Dateien können angehängt werden. Diese Datei ist kein PDF.")
PDF_TOO_LARGE = N_("Die PDF-Datei ist größer als 20 MB. Bitte eine kleinere Datei wählen.")
PDF_EMPTY = N_("Die Datei ist leer.")
TOO_MANY_FILES = N_("An diesem Schritt hängen schon 10 Dateien; mehr sind nicht möglich.")


class InvalidStep(InvalidFields):
    """Every problem of a submitted step or attachment, by field; nothing is stored."""

    def __init__(self, errors: Mapping[str, str]):
        super().__init__(
            errors, N_("Der Schritt wurde nicht gespeichert: %(problems)s"), "invalid_step"
        )


@dataclass(frozen=True)
class StepFile:
    """A PDF attached to a step: stored under ``key`` (never a name a person chose)."""

    id: int
    step_id: int
    key: str
    filename: str
    size: int
    created_at: datetime | None = None


@dataclass(frozen=True)
class StepInput:
    """What a planner enters for a step, checked."""

    date: str
    body: str
    status: str
    reference: str = ""
    minutes_url: str = ""
    note: str = ""


@dataclass(frozen=True)
class Step:
    id: int
    measure_id: str
    position: int
    date: str
    body: str
    status: str
    reference: str = ""
    minutes_url: str = ""
    note: str = ""
    origin: str = BY_PLANNER
    files: tuple[StepFile, ...] = field(default_factory=tuple)
    updated_at: datetime | None = None
    updated_by: str = ""


def is_step_date(text: str) -> bool:
    """``2020``, ``2020-09`` or ``2020-09-15``, and a real day of the calendar."""
    if not _DATE.match(text):
        return False
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 3:
        try:
            Date(*parts)
        except ValueError:
            return False
    return True


def validate_step(form: Mapping[str, str]) -> StepInput:
    """A planner's step from a form, or ``InvalidStep`` with a German message per field."""
    errors: dict[str, str] = {}

    def text(name: str, noun: str, maximum: int) -> str:
        value, problem = form_text(form.get(name), Message(noun), None, maximum, required=False)
        if problem:
            errors[name] = problem
        return value

    date = text("date", N_("Das Datum"), 10)
    if "date" not in errors and not is_step_date(date):
        errors["date"] = DATE_INVALID
    body = text("body", N_("Das Gremium"), 40)
    if "body" not in errors and body not in BODIES:
        errors["body"] = BODY_INVALID
    status = text("status", N_("Das Ergebnis"), 40)
    if "status" not in errors and status not in STATUSES:
        errors["status"] = STATUS_INVALID
    reference = text("reference", N_("Das Aktenzeichen"), REFERENCE_MAX)
    minutes_url = text("minutes_url", N_("Der Link zum Sitzungsprotokoll"), URL_MAX)
    if "minutes_url" not in errors and minutes_url and not _URL.match(minutes_url):
        errors["minutes_url"] = URL_INVALID
    note = text("note", N_("Die Notiz"), NOTE_MAX)
    if errors:
        raise InvalidStep(errors)
    return StepInput(date, body, status, reference, minutes_url, note)


def check_pdf(data: bytes) -> None:
    """Raise ``InvalidStep`` unless ``data`` is a PDF of at most 20 MB.

    By content, not by name or the browser's type: a PDF starts with ``%PDF-`` (within
    its first KiB, ISO 32000-1 § 7.5.2 allows bytes before it) and ends with ``%%EOF``
    near its end.
    """
    if not data:
        raise InvalidStep({"file": PDF_EMPTY})
    if len(data) > PDF_MAX_BYTES:
        raise InvalidStep({"file": PDF_TOO_LARGE})
    if b"%PDF-" not in data[:1024] or b"%%EOF" not in data[-2048:]:
        raise InvalidStep({"file": NOT_A_PDF})


def safe_filename(name: str | None) -> str:
    """A download name made of the uploaded one: ASCII letters, digits, ``-_.``, ending
    in ``.pdf`` — nothing that could break a header or name a path."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    base = re.sub(r"\.pdf$", "", base, flags=re.IGNORECASE)
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip("-._")[: FILENAME_MAX - 4]
    return f"{base or 'dokument'}.pdf"


def ordered(steps: Iterable[Step]) -> list[Step]:
    """Steps by date; an undated step stays after the one before it (by position)."""
    by_position = sorted(steps, key=lambda s: s.position)
    keyed, last = [], ""
    for step in by_position:
        last = step.date or last
        keyed.append((last, step))
    return [step for _, step in sorted(keyed, key=lambda pair: pair[0])]


def status_of(steps: Sequence[Step]) -> str:
    """The status the steps (in order) give: the last one's, or ``idee`` without steps."""
    return steps[-1].status if steps else INITIAL_STATUS


def timeline_of(steps: Sequence[Step]) -> tuple[TimelineStep, ...]:
    """The public summary of the steps (in order), as the measure's ``timeline``."""
    return tuple(
        TimelineStep(status=s.status, date=s.date, note=s.note, body=s.body, reference=s.reference)
        for s in steps
    )


def from_timeline(timeline: Sequence[TimelineStep], status: str) -> tuple[StepInput, ...]:
    """The steps a seed file or import names: its timeline, each step with its body (or
    the usual body of its status); a measure with a status other than ``idee`` and no
    timeline gets one undated step of that status."""
    if not timeline:
        if status == INITIAL_STATUS:
            return ()
        return (StepInput("", DEFAULT_BODIES[status], status),)
    return tuple(
        StepInput(s.date, s.body or DEFAULT_BODIES[s.status], s.status, s.reference, "", s.note)
        for s in timeline
    )


def contradiction(status: str, timeline: Sequence[TimelineStep]) -> str | None:
    """A German message when a file's ``status`` is not its timeline's last status."""
    if not timeline or timeline[-1].status == status:
        return None
    last = timeline[-1]
    return (
        f"'{status}' widerspricht dem Verlauf: dessen letzter Schritt "
        f"({last.date or 'ohne Datum'}) ist '{last.status}'. Der Status einer Maßnahme ist "
        f"der ihres letzten Schritts: bitte den fehlenden Schritt im Verlauf ergänzen oder "
        f"den Status berichtigen."
    )
