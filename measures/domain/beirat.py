"""Sessions of the Stadtteilbeirat: their agenda, and the outcome of each item.

The Stadtteilbeirat (§ 72 HGO) advises the Magistrat: planned measures are presented in it
and put to its vote before they go to the Stadtparlament. A session has a date, a place
and an agenda of items in order — a measure, a resident's idea, or another topic — and,
once held, an outcome per item with the votes if they were counted.

Recording the outcome of a measure also records its step on the decision path
(``measures/domain/decision_path.py``): ``step_for`` says which step, and why
"vertagt" and "zur Kenntnis" may leave the status as it was.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from measures.domain.decision_path import INITIAL_STATUS, StepInput
from measures.domain.errors import InvalidFields
from measures.domain.texts import form_text
from measures.domain.vocabulary import N_

OUTCOMES = ("empfohlen", "nicht_empfohlen", "vertagt", "zur_kenntnis")  # per agenda item
ITEM_KINDS = ("measure", "idea", "topic")

OUTCOME_LABELS: dict[str, str] = {
    "empfohlen": N_("empfohlen"),
    "nicht_empfohlen": N_("nicht empfohlen"),
    "vertagt": N_("vertagt"),
    "zur_kenntnis": N_("zur Kenntnis genommen"),
}
KIND_LABELS: dict[str, str] = {
    "measure": N_("Maßnahme"),
    "idea": N_("Idee"),
    "topic": N_("Thema"),
}

# Where the sessions take place and how their times are entered and shown.
TIMEZONE = ZoneInfo("Europe/Berlin")
BODY = "stadtteilbeirat"

TITLE_MAX = 200
PLACE_MAX = 200
ADDRESS_MAX = 300
TOPIC_TEXT_MAX = 2000
# Room left in the step's note (2,000) for the outcome and the votes before it.
NOTE_MAX = 1800
VOTES_MAX = 999

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

DATE_INVALID = N_("Bitte ein Datum wie 2026-12-10 angeben.")
TIME_INVALID = N_("Bitte eine Uhrzeit wie 18:00 angeben.")
END_BEFORE_START = N_("Das Ende muss nach dem Beginn liegen.")
OUTCOME_INVALID = N_("Bitte wählen Sie ein Ergebnis aus der Liste.")
VOTES_INVALID = N_("Bitte eine ganze Zahl von 0 bis 999 angeben oder das Feld leer lassen.")
TITLE_MISSING = N_("Bitte einen Titel angeben.")
MISSING = {
    "title": TITLE_MISSING,
    "date": N_("Bitte das Datum der Sitzung angeben."),
    "start": N_("Bitte den Beginn der Sitzung angeben."),
    "place": N_("Bitte den Ort der Sitzung angeben."),
}
CHOICE_MISSING = N_("Bitte wählen Sie einen Eintrag aus der Liste.")


class InvalidBeiratInput(InvalidFields):
    """Every problem of a submitted session, item or outcome, by field; nothing is stored."""

    def __init__(self, errors: Mapping[str, str]):
        super().__init__(
            errors, N_("Es wurde nichts gespeichert: %(problems)s"), "invalid_beirat_input"
        )


@dataclasses.dataclass(frozen=True)
class AgendaItem:
    id: int
    position: int  # 1, 2, 3 … the order on the agenda; the number on the map
    kind: str  # one of ITEM_KINDS
    ref: str | None  # the measure's or idea's id; None for a topic
    title: str  # a topic's own title; for a measure/idea its title when read
    text: str  # a topic's text ("" for measures/ideas: their own description is used)
    outcome: str | None  # one of OUTCOMES, None until recorded
    votes_yes: int | None
    votes_no: int | None
    votes_abstain: int | None
    note: str
    # The decision-path step the outcome made (measures only), changed when re-recorded.
    step_id: int | None = None

    @property
    def has_votes(self) -> bool:
        return any(v is not None for v in (self.votes_yes, self.votes_no, self.votes_abstain))


def session_day(starts_at: datetime.datetime) -> str:
    """The day (ISO date) in Europe/Berlin of a session starting at ``starts_at``."""
    return starts_at.astimezone(TIMEZONE).date().isoformat()


@dataclasses.dataclass(frozen=True)
class Session:
    id: int
    quartier: str  # the Quartier's slug
    title: str  # e.g. "Sitzung des Stadtteilbeirats Dalheim"
    starts_at: datetime.datetime  # timezone-aware (UTC in storage, shown in Europe/Berlin)
    ends_at: datetime.datetime | None
    place: str  # e.g. "Kinder- und Familienzentrum"
    address: str  # e.g. "Berliner Ring 39, 35576 Wetzlar"
    public: bool
    items: tuple[AgendaItem, ...]  # in position order

    @property
    def held(self) -> bool:
        """The session has begun (its start is in the past)."""
        return self.starts_at <= datetime.datetime.now(datetime.UTC)

    @property
    def local_start(self) -> datetime.datetime:
        return self.starts_at.astimezone(TIMEZONE)

    @property
    def day(self) -> str:
        """The session's day as the Quartier counts it (ISO date), as messages carry it."""
        return session_day(self.starts_at)

    @property
    def local_end(self) -> datetime.datetime | None:
        return self.ends_at.astimezone(TIMEZONE) if self.ends_at else None

    def item(self, item_id: int) -> AgendaItem | None:
        return next((i for i in self.items if i.id == item_id), None)


@dataclasses.dataclass(frozen=True)
class SessionInput:
    """What a planner enters for a session, checked; times in UTC."""

    title: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime | None
    place: str
    address: str
    public: bool


@dataclasses.dataclass(frozen=True)
class OutcomeInput:
    outcome: str
    votes_yes: int | None
    votes_no: int | None
    votes_abstain: int | None
    note: str


def _local(day: str, time: str) -> datetime.datetime:
    """A day and time in Wetzlar as UTC (the zone says whether summer time applies)."""
    naive = datetime.datetime.fromisoformat(f"{day}T{time}")
    return naive.replace(tzinfo=TIMEZONE).astimezone(datetime.UTC)


def _is_day(text: str) -> bool:
    if not _DAY.match(text):
        return False
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def validate_session(form: Mapping[str, str]) -> SessionInput:
    """A planner's session from a form, or ``InvalidBeiratInput`` with a message per field.

    ``date`` (YYYY-MM-DD), ``start`` and optional ``end`` (HH:MM) are local times in
    Wetzlar; ``public`` is "ja" for a session open to the public.
    """
    errors: dict[str, str] = {}

    def text(name: str, noun: str, maximum: int, required: bool) -> str:
        missing = MISSING.get(name, "")
        value, problem = form_text(form.get(name), noun, missing, maximum, required=required)
        if problem:
            errors[name] = problem
        return value

    title = text("title", "Der Titel", TITLE_MAX, True)
    day = text("date", "Das Datum", 10, True)
    if "date" not in errors and not _is_day(day):
        errors["date"] = DATE_INVALID
    start = text("start", "Der Beginn", 5, True)
    if "start" not in errors and not _TIME.match(start):
        errors["start"] = TIME_INVALID
    end = text("end", "Das Ende", 5, False)
    if "end" not in errors and end and not _TIME.match(end):
        errors["end"] = TIME_INVALID
    place = text("place", "Der Ort", PLACE_MAX, True)
    address = text("address", "Die Adresse", ADDRESS_MAX, False)
    starts_at = ends_at = None
    if not {"date", "start", "end"} & errors.keys():
        starts_at = _local(day, start)
        if end:
            ends_at = _local(day, end)
            if ends_at <= starts_at:
                errors["end"] = END_BEFORE_START
    if errors:
        raise InvalidBeiratInput(errors)
    return SessionInput(title, starts_at, ends_at, place, address, form.get("public") == "ja")


def validate_topic(form: Mapping[str, str]) -> tuple[str, str]:
    """A topic's title and text from a form."""
    errors: dict[str, str] = {}
    title, problem = form_text(
        form.get("title"), "Der Titel", TITLE_MISSING, TITLE_MAX, required=True
    )
    if problem:
        errors["title"] = problem
    text, problem = form_text(form.get("text"), "Der Text", "", TOPIC_TEXT_MAX, required=False)
    if problem:
        errors["text"] = problem
    if errors:
        raise InvalidBeiratInput(errors)
    return title, text


def _votes(value: str | None) -> int | None:
    """A vote count from a form: empty is "not counted"; ValueError for anything else."""
    text = (value or "").strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or int(text) > VOTES_MAX:
        raise ValueError(text)
    return int(text)


def validate_outcome(form: Mapping[str, str]) -> OutcomeInput:
    """An item's outcome from a form: the result, the votes if counted, a note."""
    errors: dict[str, str] = {}
    outcome = (form.get("outcome") or "").strip()
    if outcome not in OUTCOMES:
        errors["outcome"] = OUTCOME_INVALID
    votes: dict[str, int | None] = {}
    for name in ("votes_yes", "votes_no", "votes_abstain"):
        try:
            votes[name] = _votes(form.get(name))
        except ValueError:
            errors[name] = VOTES_INVALID
    note, problem = form_text(form.get("note"), "Die Notiz", "", NOTE_MAX, required=False)
    if problem:
        errors["note"] = problem
    if errors:
        raise InvalidBeiratInput(errors)
    return OutcomeInput(
        outcome, votes["votes_yes"], votes["votes_no"], votes["votes_abstain"], note
    )


# The statuses a Beirat's recommendation may still change: the path up to the Beirat, and
# a measure set aside that the Beirat takes up again.
BEFORE_PARLIAMENT = frozenset(
    {INITIAL_STATUS, "im_beirat_vorgestellt", "vom_beirat_empfohlen", "zurueckgestellt"}
)


def step_status(outcome: str, status_before: str) -> str:
    """The measure's status after the Beirat's outcome, given its status before.

    - "empfohlen": the Beirat recommends it → "vom_beirat_empfohlen".
    - "nicht empfohlen": the Beirat only advises (§ 72 HGO) and cannot reject a measure;
      without its recommendation the measure does not go on to the Stadtparlament for now:
      it is set aside ("zurueckgestellt"). Dropping it for good ("abgelehnt") is a step of
      its own, for the body that decides it.
    - "vertagt": the Beirat has decided nothing yet; the measure stays where it was, and the
      step records that it was on the agenda and put off.
    - "zur Kenntnis genommen": the Beirat heard a report. A measure still at the start of
      its path ("idee") has now been presented in the Beirat ("im_beirat_vorgestellt");
      one further along (in the works, completed) keeps its status — a report on its
      progress must not set it back.

    A recommendation either way moves only a measure that has not yet gone past the
    Beirat: one the Stadtparlament resolved, in the works, completed or rejected keeps its
    status (the Beirat advising on, say, an extension does not undo a resolution).
    """
    if outcome in ("empfohlen", "nicht_empfohlen") and status_before in BEFORE_PARLIAMENT:
        return "vom_beirat_empfohlen" if outcome == "empfohlen" else "zurueckgestellt"
    if outcome == "zur_kenntnis" and status_before == INITIAL_STATUS:
        return "im_beirat_vorgestellt"
    return status_before


def votes_text(item: AgendaItem | OutcomeInput) -> str:
    """The votes as the minutes write them (German, as the data's texts), or ""."""
    counts = (item.votes_yes, item.votes_no, item.votes_abstain)
    if all(c is None for c in counts):
        return ""
    shown = ["–" if c is None else str(c) for c in counts]
    return f"ja {shown[0]}, nein {shown[1]}, Enthaltung {shown[2]}"


def step_for(session: Session, position: int, given: OutcomeInput, status_before: str) -> StepInput:
    """The decision-path step of a measure's outcome: the day of the session, the
    Stadtteilbeirat, the status the outcome gives, the session and item as reference,
    and the outcome with its votes and note as the step's public note."""
    day = session.day
    reference = f"Sitzung des Stadtteilbeirats vom {session.local_start:%d.%m.%Y}, TOP {position}"
    summary = f"Stadtteilbeirat: {OUTCOME_LABELS[given.outcome]}"
    votes = votes_text(given)
    if votes:
        summary += f" ({votes})"
    note = f"{summary}. {given.note}".strip() if given.note else f"{summary}."
    return StepInput(
        day, BODY, step_status(given.outcome, status_before), reference[:200], "", note
    )
