"""Reported barriers: the feedback mechanism of the accessibility statement (§ 4 HVBIT).

A resident tells what could not be used and where, optionally with an e-mail address for
the answer. The report lands in the planners' queue and is answered there; the resident
reads the answer under a private status link, as with an idea. Reports are never public.
The address follows the ideas' privacy rules: optional, shown to no one but planners,
deleted when the retention time after the answer is over (``privacy purge-contacts``).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from measures.domain import times
from measures.domain.errors import Conflict, InvalidFields
from measures.domain.ideas import EMAIL_MAX, INVALID_EMAIL, new_status_token, valid_email
from measures.domain.messages import Message
from measures.domain.texts import form_text
from measures.domain.vocabulary import N_

DESCRIPTION_MAX = 2000
WHERE_MAX = 300
ANSWER_MAX = 2000

OPEN = "offen"
ANSWERED = "beantwortet"
STATES = {OPEN: N_("offen"), ANSWERED: N_("beantwortet")}


class InvalidReport(InvalidFields):
    """Every problem of a report or an answer, by field; nothing of it is stored."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(
            errors, N_("Die Meldung wurde nicht angenommen: %(problems)s"), "invalid_report"
        )
        self.errors = errors


@dataclass(frozen=True)
class BarrierReport:
    id: str
    created_at: datetime
    description: str
    # The page or content the barrier is in, in the resident's words (optional).
    where: str = ""
    state: str = OPEN
    answer: str = ""
    answered_at: datetime | None = None
    answered_by: str = ""
    # The slug of the Quartier it was sent from ("" until stored).
    quartier: str = ""


@dataclass(frozen=True)
class NewReport:
    report: BarrierReport
    email: str
    status_token: str


def validate_report(data: Mapping[str, Any], now: datetime | None = None) -> NewReport:
    """Check a resident's report; return what to store, or raise InvalidReport."""
    errors: dict[str, str] = {}
    description, problem = form_text(
        data.get("description"),
        Message(N_("Die Beschreibung")),
        Message(N_("Bitte beschreiben Sie die Barriere.")),
        DESCRIPTION_MAX,
        required=True,
    )
    if problem:
        errors["description"] = problem
    where, problem = form_text(
        data.get("where"), Message(N_("Die Angabe zur Seite")), None, WHERE_MAX, False
    )
    if problem:
        errors["where"] = problem
    email, problem = form_text(
        data.get("email"), Message(N_("Die E-Mail-Adresse")), None, EMAIL_MAX, False
    )
    if problem:
        errors["email"] = problem
    elif email and not valid_email(email):
        errors["email"] = Message(INVALID_EMAIL)
    if errors:
        raise InvalidReport(errors)
    report = BarrierReport(
        id=secrets.token_hex(6),
        created_at=now or times.now(),
        description=description,
        where=where,
    )
    return NewReport(report=report, email=email, status_token=new_status_token())


def validate_answer(text: Any) -> str:
    """The planners' answer, which the resident will read."""
    answer, problem = form_text(
        text,
        Message(N_("Die Antwort")),
        Message(N_("Bitte schreiben Sie eine Antwort.")),
        ANSWER_MAX,
        required=True,
    )
    if problem:
        raise InvalidReport({"answer": problem})
    return answer


def check_answerable(state: str) -> None:
    """A report is answered once; a second answer (two planners, a second click) is a 409."""
    if state == ANSWERED:
        raise Conflict(Message(N_("Diese Meldung ist schon beantwortet.")))
