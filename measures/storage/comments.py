"""Comments: stored with their history, read per idea or measure, moderated by planners.

Each use case that writes is one transaction: the comment, its log entry and the news it
makes for the followers of its idea or measure (``mail.queue_notice``) are stored together
or not at all. What may be done is decided in ``measures.domain.comments``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from measures.domain import comments as rules
from measures.domain.comments import HIDDEN, PENDING, SHOWN, Comment
from measures.domain.model import IdeaEvent
from measures.domain.notifications import comment_notice
from measures.storage import mail, rows, schema
from measures.storage.filters import about_quartier
from measures.storage.transaction import Transaction, transaction

_TARGET_COLUMNS = {"ideas": "idea_id", "measures": "measure_id"}


def _from_row(row) -> Comment:
    target = "ideas" if row.idea_id is not None else "measures"
    return Comment(
        id=row.id,
        target=target,
        target_id=row.idea_id if row.idea_id is not None else row.measure_id,
        created_at=rows.utc(row.created_at),
        text=row.text,
        author_name=row.author_name,
        parent_id=row.parent_id,
        official=bool(row.official),
        state=row.state,
        reported_at=rows.utc(row.reported_at),
    )


def _target_column(target: str) -> sa.Column:
    return schema.comments.c[_TARGET_COLUMNS[target]]


def _record(tx: Transaction, comment_id: str, action: str, actor: str, reason: str = "") -> None:
    tx.connection.execute(
        schema.comment_events.insert().values(
            comment_id=comment_id, at=tx.at, action=action, reason=reason, actor=actor
        )
    )


def _title(tx: Transaction, comment: Comment) -> str:
    table = schema.ideas if comment.target == "ideas" else schema.measures
    return tx.connection.execute(
        sa.select(table.c.title).where(table.c.id == comment.target_id)
    ).scalar_one()


def _read(tx: Transaction, comment_id: str) -> Comment | None:
    """A comment as this transaction sees it."""
    t = schema.comments
    row = tx.connection.execute(sa.select(t).where(t.c.id == comment_id)).first()
    return _from_row(row) if row is not None else None


def drop_idea_comments(tx: Transaction, idea_id: str) -> None:
    """Delete the comments of an idea a planner deletes: its text goes, so do they."""
    t = schema.comments
    tx.connection.execute(t.delete().where(t.c.idea_id == idea_id))


def _visible() -> sa.ColumnElement:
    """Shown, and a first comment or the reply to a shown one: a hidden comment takes its
    thread with it."""
    t = schema.comments
    parent = t.alias("parent")
    shown_parents = sa.select(parent.c.id).where(parent.c.state == SHOWN)
    return sa.and_(
        t.c.state == SHOWN, sa.or_(t.c.parent_id.is_(None), t.c.parent_id.in_(shown_parents))
    )


def _queue_news(tx: Transaction, comment: Comment) -> None:
    """Tell the followers of the comment's idea or measure, if it is news."""
    notice = comment_notice(comment, _title(tx, comment))
    if notice is not None:
        mail.queue_notice(tx, notice, **{_TARGET_COLUMNS[comment.target]: comment.target_id})


class CommentRepository:
    def __init__(self, engine: Engine):
        self.engine = engine

    # -- reading -------------------------------------------------------------------------

    def get(self, comment_id: str, quartier: str | None = None) -> Comment | None:
        """A comment by id; with ``quartier``, only one about that Quartier's idea or measure."""
        t = schema.comments
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(t).where(t.c.id == comment_id, *about_quartier(t, quartier))
            ).first()
        return _from_row(row) if row is not None else None

    def shown(self, target: str, target_id: str) -> list[Comment]:
        """The shown comments of an idea or a measure, oldest first."""
        t = schema.comments
        statement = (
            sa.select(t)
            .where(_target_column(target) == target_id, _visible())
            .order_by(t.c.created_at, t.c.id)
        )
        with self.engine.connect() as connection:
            return [_from_row(r) for r in connection.execute(statement)]

    def counts(self, target: str) -> dict[str, int]:
        """How many comments are shown, per idea or per measure (for the cards)."""
        column = _target_column(target)
        statement = (
            sa.select(column, sa.func.count())
            .where(column.is_not(None), _visible())
            .group_by(column)
        )
        with self.engine.connect() as connection:
            return {key: count for key, count in connection.execute(statement)}

    def queue(self, quartier: str | None = None) -> list[Comment]:
        """What planners have to look at: waiting and reported comments, oldest first
        (with ``quartier``, those about its ideas and measures)."""
        t = schema.comments
        statement = (
            sa.select(t)
            .where(
                sa.or_(
                    t.c.state == PENDING,
                    sa.and_(t.c.state == SHOWN, t.c.reported_at.is_not(None)),
                ),
                *about_quartier(t, quartier),
            )
            .order_by(t.c.created_at, t.c.id)
        )
        with self.engine.connect() as connection:
            return [_from_row(r) for r in connection.execute(statement)]

    def recent(self, limit: int = 50, quartier: str | None = None) -> list[Comment]:
        """The latest shown comments of residents, newest first (to hide one afterwards)."""
        t = schema.comments
        statement = (
            sa.select(t)
            .where(t.c.state == SHOWN, sa.not_(t.c.official), *about_quartier(t, quartier))
            .order_by(t.c.created_at.desc(), t.c.id)
            .limit(limit)
        )
        with self.engine.connect() as connection:
            return [_from_row(r) for r in connection.execute(statement)]

    def count_open(self, quartier: str | None = None) -> int:
        return len(self.queue(quartier))

    def events(self, limit: int = 200, quartier: str | None = None) -> list[IdeaEvent]:
        """The comments' log, newest first (an ``IdeaEvent`` per entry, keyed by comment)."""
        t, c = schema.comment_events, schema.comments
        statement = sa.select(t).order_by(t.c.at.desc(), t.c.id.desc()).limit(limit)
        if quartier is not None:
            about = sa.select(c.c.id).where(*about_quartier(c, quartier))
            statement = statement.where(t.c.comment_id.in_(about))
        with self.engine.connect() as connection:
            return [
                IdeaEvent(r.comment_id, rows.utc(r.at), r.action, r.actor, r.reason)
                for r in connection.execute(statement)
            ]

    # -- writing -------------------------------------------------------------------------

    def add(self, comment: Comment, actor: str = "resident") -> None:
        """Store a new comment (or a planner's answer) with its log entry and its news."""
        with transaction(self.engine) as tx:
            tx.connection.execute(
                schema.comments.insert().values(
                    id=comment.id,
                    **{_TARGET_COLUMNS[comment.target]: comment.target_id},
                    parent_id=comment.parent_id,
                    created_at=tx.at,
                    text=comment.text,
                    author_name=comment.author_name,
                    official=comment.official,
                    state=comment.state,
                )
            )
            _record(tx, comment.id, "answered" if comment.official else "submitted", actor)
            _queue_news(tx, comment)

    def _decide(
        self,
        comment_id: str,
        check: Callable[[Comment], None],
        where: sa.ColumnElement,
        values: dict,
        action: str,
        actor: str,
        reason: str = "",
    ) -> Comment:
        """One moderation step: the row is locked first on PostgreSQL, and the condition
        is part of the UPDATE for SQLite, so of two planners at once one acts, the other
        gets the Conflict of ``check``. LookupError when there is no such comment."""
        t = schema.comments
        with transaction(self.engine) as tx:
            row = tx.connection.execute(
                sa.select(t).where(t.c.id == comment_id).with_for_update()
            ).first()
            if row is None:
                raise LookupError(comment_id)
            before = _from_row(row)
            check(before)
            changed = tx.connection.execute(
                t.update().where(t.c.id == comment_id, where).values(**values)
            ).rowcount
            if changed != 1:
                # Another planner acted between the read and the UPDATE (SQLite).
                after = _read(tx, comment_id)
                if after is None:
                    raise LookupError(comment_id)
                check(after)
                raise LookupError(comment_id)
            _record(tx, comment_id, action, actor, reason)
            if before.state != SHOWN and values.get("state") == SHOWN:
                _queue_news(tx, _read(tx, comment_id))
            return before

    def approve(self, comment_id: str, actor: str) -> None:
        """Show a waiting comment, or keep a reported one (its report is cleared)."""
        t = schema.comments
        self._decide(
            comment_id,
            rules.check_approve,
            sa.or_(t.c.state != SHOWN, t.c.reported_at.is_not(None)),
            {"state": SHOWN, "reported_at": None},
            "approved",
            actor,
        )

    def reject(self, comment_id: str, actor: str, reason: str) -> None:
        """Hide a comment (waiting, reported or shown); the reason goes to the log."""
        t = schema.comments
        self._decide(
            comment_id,
            rules.check_reject,
            t.c.state != HIDDEN,
            {"state": HIDDEN},
            "rejected",
            actor,
            reason,
        )

    def report(self, comment_id: str) -> None:
        """ "Melden": a shown comment goes back to the planners' queue (and stays shown)."""
        t = schema.comments
        with transaction(self.engine) as tx:
            comment = _read(tx, comment_id)
            if comment is None:
                raise LookupError(comment_id)
            rules.check_report(comment)
            changed = tx.connection.execute(
                t.update()
                .where(t.c.id == comment_id, t.c.state == SHOWN)
                .values(reported_at=sa.func.coalesce(t.c.reported_at, tx.at))
            ).rowcount
            if changed != 1:
                raise LookupError(comment_id)
            _record(tx, comment_id, "reported", "resident")

    def purge_hidden(self, hidden_before: datetime) -> int:
        """Delete comments hidden before the given time, with their replies and log: a
        hidden text (and the name with it) is kept only as long as a contact. Returns count."""
        t, e = schema.comments, schema.comment_events
        last_hidden = (
            sa.select(e.c.comment_id)
            .where(e.c.action == "rejected")
            .group_by(e.c.comment_id)
            .having(sa.func.max(e.c.at) < hidden_before)
        )
        with transaction(self.engine) as tx:
            return tx.connection.execute(
                t.delete().where(t.c.state == HIDDEN, t.c.id.in_(last_hidden))
            ).rowcount
