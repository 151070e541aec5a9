"""Comments on approved ideas and on measures: who may write what, and what planners do.

A resident comments anonymously, with an optional display name (never an address). By
default a comment waits for the planners' check, as an idea does (pre-moderation); with
post-moderation it is shown at once and planners can hide it. A comment can have
replies, one level deep: a reply to a reply is refused. "Melden" puts a shown comment
back in the planners' queue; it stays visible meanwhile, so that one anonymous click
cannot silence anybody. A planner's text is an official answer ("Antwort des
Quartiersmanagements"), shown at once. An official answer, and a reply once it is shown,
is news for those who follow the idea or measure (``notifications.comment_notice``).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from measures.domain import times
from measures.domain.errors import Conflict, UserError
from measures.domain.messages import Message
from measures.domain.texts import form_text
from measures.domain.vocabulary import N_

TEXT_MAX = 2000
NAME_MAX = 80
REASON_MAX = 500

PENDING, SHOWN, HIDDEN = "pending", "approved", "rejected"
STATES = {
    PENDING: N_("wartet auf Freigabe"),
    SHOWN: N_("sichtbar"),
    HIDDEN: N_("abgelehnt"),
}
# The planners' log of comments: what each entry means.
ACTIONS = {
    "submitted": N_("geschrieben"),
    "answered": N_("Antwort des Quartiersmanagements"),
    "approved": N_("freigegeben"),
    "rejected": N_("abgelehnt"),
    "reported": N_("gemeldet"),
}

# What a comment can be about: the layer and its public records.
TARGETS = ("ideas", "measures")

NO_REPLY_TO_REPLY = N_(
    "Auf eine Antwort können Sie nicht antworten. Bitte antworten Sie auf den ersten Kommentar."
)
NO_SUCH_PARENT = N_("Der Kommentar, auf den Sie antworten, ist nicht (mehr) sichtbar.")
ALREADY_SHOWN = N_("Der Kommentar ist schon freigegeben.")
ALREADY_HIDDEN = N_("Der Kommentar ist schon abgelehnt.")
ANSWER_HIDDEN = N_(
    "Bitte geben Sie den Kommentar zuerst frei: Auf einen Kommentar, den niemand sieht, "
    "können Sie nicht öffentlich antworten."
)
NOT_SHOWN = N_("Dieser Kommentar ist nicht sichtbar. Sie können ihn nicht melden.")


class InvalidComment(UserError):
    """Every problem of a comment, by field; nothing of it is stored."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(
            Message(
                N_("Der Kommentar wurde nicht angenommen: %(problems)s"),
                problems=tuple(errors.values()),
            ),
            code="invalid_comment",
            parameter=next(iter(errors), None),
            fields=errors,
        )
        self.errors = errors


@dataclass(frozen=True)
class Comment:
    id: str
    target: str  # "ideas" or "measures"
    target_id: str
    created_at: datetime
    text: str
    author_name: str = ""
    parent_id: str | None = None
    official: bool = False
    state: str = PENDING
    reported_at: datetime | None = None


def _parent_problem(parent: Comment | None, target: str, target_id: str) -> str | None:
    if (
        parent is None
        or parent.state != SHOWN
        or (parent.target, parent.target_id)
        != (
            target,
            target_id,
        )
    ):
        return NO_SUCH_PARENT
    if parent.parent_id is not None:
        return NO_REPLY_TO_REPLY
    return None


def validate_comment(
    data: Mapping[str, Any],
    target: str,
    target_id: str,
    parent: Comment | None,
    *,
    official: bool = False,
    post_moderation: bool = False,
    now: datetime | None = None,
) -> Comment:
    """A resident's comment or a planner's answer, checked; InvalidComment if not.

    ``parent`` is the comment answered (looked up by the caller from ``parent_id``), or
    None for a new thread; when the form names a parent that was not found, the caller
    passes None and ``data["parent_id"]`` still says one was meant.
    """
    if target not in TARGETS:
        raise ValueError(target)
    errors: dict[str, str] = {}
    text, problem = form_text(
        data.get("text"),
        Message(N_("Der Kommentar")),
        Message(N_("Bitte schreiben Sie einen Kommentar.")),
        TEXT_MAX,
        True,
    )
    if problem:
        errors["text"] = problem
    name = ""
    if not official:
        name, problem = form_text(data.get("name"), Message(N_("Der Name")), None, NAME_MAX, False)
        if problem:
            errors["name"] = problem
    parent_id = data.get("parent_id") or None
    if parent_id is not None:
        problem = _parent_problem(parent, target, target_id)
        if problem:
            errors["parent_id"] = problem
    if errors:
        raise InvalidComment(errors)
    shown = official or post_moderation
    return Comment(
        id=secrets.token_hex(6),
        target=target,
        target_id=target_id,
        created_at=now or times.now(),
        text=text,
        author_name=name,
        parent_id=parent.id if parent is not None else None,
        official=official,
        state=SHOWN if shown else PENDING,
    )


def validate_reason(value: Any) -> str:
    """Why a planner hides a comment (for the log)."""
    reason, problem = form_text(
        value,
        Message(N_("Die Begründung")),
        Message(N_("Bitte geben Sie eine Begründung an.")),
        REASON_MAX,
        True,
    )
    if problem:
        raise InvalidComment({"reason": problem})
    return reason


def check_approve(comment: Comment) -> None:
    """Freigeben: a waiting comment, or a reported one (which then stays); not twice."""
    if comment.state == SHOWN and comment.reported_at is None:
        raise Conflict(ALREADY_SHOWN)


def check_reject(comment: Comment) -> None:
    if comment.state == HIDDEN:
        raise Conflict(ALREADY_HIDDEN)


def check_report(comment: Comment) -> None:
    if comment.state != SHOWN:
        raise Conflict(NOT_SHOWN)


@dataclass(frozen=True)
class Thread:
    """A shown comment with its shown replies, oldest first."""

    comment: Comment
    replies: tuple[Comment, ...]


def threads(comments: list[Comment]) -> list[Thread]:
    """Shown comments (oldest first) as threads: each first comment with its replies."""
    replies: dict[str, list[Comment]] = {}
    for c in comments:
        if c.parent_id is not None:
            replies.setdefault(c.parent_id, []).append(c)
    return [Thread(c, tuple(replies.get(c.id, ()))) for c in comments if c.parent_id is None]
