"""E-mail notifications: who may be written to, about what, and when to try again.

A resident asks for news of an idea or a measure by giving an address (with their idea,
or with "Benachrichtigen"). Nothing but the request to confirm is sent before the
address is confirmed (double opt-in). What a message tells is decided here as a kind
and a payload of plain values; the web layer renders it in the subscriber's language
when it is sent, so that storage and domain need no templates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from measures.domain.comments import SHOWN, Comment
from measures.domain.errors import Conflict, UserError
from measures.domain.ideas import EMAIL_MAX, valid_email
from measures.domain.model import Idea, Measure
from measures.domain.texts import clean_text, text_problem
from measures.domain.vocabulary import N_

# The kinds of message, each with its templates under templates/mail/.
CONFIRM = "confirm"
DECISION = "decision"
MEASURE_STATUS = "measure_status"
# A shown comment that answers: the planners' answer, or a resident's reply.
ANSWER = "answer"
REPLY = "reply"
# For the author only, who asked to hear back: the Stadtteilbeirat's outcome on their
# idea, and the planners' answer to their reported barrier.
BEIRAT_OUTCOME = "beirat_outcome"
BARRIER_ANSWER = "barrier_answer"
KINDS = (CONFIRM, DECISION, MEASURE_STATUS, ANSWER, REPLY, BEIRAT_OUTCOME, BARRIER_ANSWER)

# The languages a message can be written in (the site's); anything else becomes German.
LANGUAGES = ("de", "en")

INVALID_EMAIL = N_("Die E-Mail-Adresse ist nicht gültig (Beispiel: name@beispiel.de).")
MISSING_EMAIL = N_("Bitte geben Sie eine E-Mail-Adresse an.")
BAD_LINK = N_(
    "Dieser Link ist ungültig oder unvollständig. Bitte öffnen Sie ihn genau so, wie er in "
    "der E-Mail steht."
)
USED_CONFIRMATION = N_("Diese Anmeldung ist schon bestätigt; der Link gilt nur einmal.")
GONE_SUBSCRIPTION = N_(
    "Diese Benachrichtigung gibt es nicht mehr: Sie ist schon abgemeldet, oder die Idee "
    "oder Maßnahme wurde gelöscht."
)

EXPIRED_SUBSCRIPTION = N_(
    "Diese Anmeldung ist abgelaufen: Sie wurde nicht rechtzeitig bestätigt, oder die "
    "Entscheidung liegt länger zurück, als wir Adressen aufbewahren. Ihre Adresse ist "
    "gelöscht; es wird nichts an sie geschickt."
)


class InvalidAddress(UserError):
    def __init__(self, message: str):
        super().__init__(
            message, code="invalid_email", parameter="email", fields={"email": message}
        )


class BadLink(UserError):
    def __init__(self):
        super().__init__(BAD_LINK, code="bad_link")


class UsedLink(Conflict):
    pass


class GoneSubscription(UserError):
    def __init__(self):
        super().__init__(GONE_SUBSCRIPTION, status=410, code="gone")


class ExpiredSubscription(UserError):
    """A confirmation that came after the retention rules would have deleted the
    subscription (``MailRepository.confirm``)."""

    def __init__(self):
        super().__init__(EXPIRED_SUBSCRIPTION, status=410, code="expired")


def validate_address(value: Any) -> str:
    """The address a resident typed, trimmed; InvalidAddress with a German message."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidAddress(MISSING_EMAIL)
    if text_problem(value):
        raise InvalidAddress(INVALID_EMAIL)
    address = clean_text(value)
    if len(address) > EMAIL_MAX or not valid_email(address):
        raise InvalidAddress(INVALID_EMAIL)
    return address


def language_of(value: str | None) -> str:
    return value if value in LANGUAGES else LANGUAGES[0]


@dataclass(frozen=True)
class Notice:
    """One message to the confirmed subscribers of an idea, a measure or a barrier report."""

    kind: str
    payload: dict


def decision_notice(idea: Idea, action: str, changes: dict) -> Notice | None:
    """What the subscribers of an idea hear of a planner's action, if anything.

    Approval, rejection (a duplicate is one) and the measure made of it are news; a
    corrected text is not, and a deletion is told to nobody (the message would carry the
    deleted text; the subscriptions go with it). The reason is for the author: the
    templates show it to the author's subscription, not to someone following the idea.
    """
    if action not in ("approved", "rejected", "duplicate", "converted"):
        return None
    return Notice(
        DECISION,
        {
            "idea_id": idea.id,
            "title": idea.title,
            "action": action,
            "reason": changes.get("moderation_reason", "") or "",
            "measure_id": changes.get("measure_id"),
        },
    )


def status_notice(old: Measure, new: Measure) -> Notice | None:
    """A measure's step along its decision path, when its status changed."""
    if old.status == new.status:
        return None
    note = ""
    for step in new.timeline or ():
        if step.status == new.status:
            note = step.note or ""
    return Notice(
        MEASURE_STATUS,
        {
            "measure_id": new.id,
            "title": new.title,
            "old_status": old.status,
            "status": new.status,
            "note": note,
        },
    )


def comment_notice(comment: Comment, title: str) -> Notice | None:
    """News of a shown comment for those who follow its idea or measure: an official
    answer, or a resident's reply. A first comment of a resident is no news (it would
    make every thread a mailing list); a comment still waiting is told once shown."""
    if comment.state != SHOWN or not (comment.official or comment.parent_id):
        return None
    target = "idea_id" if comment.target == "ideas" else "measure_id"
    return Notice(
        ANSWER if comment.official else REPLY,
        {
            target: comment.target_id,
            "title": title,
            "comment_id": comment.id,
            "text": comment.text,
            "name": comment.author_name,
        },
    )


def beirat_outcome_notice(
    idea_id: str, title: str, old_outcome: str | None, outcome: str, day: str
) -> Notice | None:
    """The Stadtteilbeirat's outcome on an idea, for its author; None when the outcome is
    what it was (votes or a note corrected: no news, and no second message).

    Only the outcome and the session's day (ISO date) go into the message: the note and
    the votes are on the private status page, which the message links to.
    """
    if outcome == old_outcome:
        return None
    return Notice(
        BEIRAT_OUTCOME, {"idea_id": idea_id, "title": title, "outcome": outcome, "day": day}
    )


def barrier_answer_notice(report_id: str) -> Notice:
    """The planners answered a reported barrier. The answer itself stays on the private
    status page: the message says only that there is one, and links there."""
    return Notice(BARRIER_ANSWER, {"barrier_report_id": report_id})


def retry_delay_s(attempts: int, base_s: float, maximum_s: float) -> float:
    """Seconds until the next try after ``attempts`` failed ones: doubling, capped."""
    return min(base_s * 2 ** max(attempts - 1, 0), maximum_s)
