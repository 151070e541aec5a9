"""Residents' ideas with their contact data and history: intake, supports, withdrawal,
the planners' decisions and the purge of personal data.

Every use case that writes is one transaction (``transaction.transaction``): a failure in
any of its steps leaves the idea, its contact data, its history, a measure made from it and
the layers' change times as they were. What a decision changes comes from
``measures.domain.moderation``; this module only stores it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from shapely.geometry import Point
from sqlalchemy.engine import Engine

from measures.domain import moderation
from measures.domain.model import Idea, IdeaContact, IdeaEvent, Measure
from measures.domain.moderation import PUBLIC_STATES, Decision
from measures.domain.query import LayerQuery
from measures.domain.vocabulary import MODERATION_STATES
from measures.storage import rows, schema
from measures.storage.filters import ALL, TimeRange, query_clauses, time_clauses
from measures.storage.spatial import Spatial
from measures.storage.transaction import Transaction, transaction

# -- the steps of the use cases below, each one statement on the use case's transaction --


def _find(connection: sa.Connection, idea_id: str, states: Iterable[str]) -> Idea | None:
    t = schema.ideas
    row = connection.execute(
        sa.select(t).where(t.c.id == idea_id, t.c.moderation_state.in_(list(states)))
    ).first()
    return rows.from_row("ideas", row) if row is not None else None


def _record_event(tx: Transaction, idea_id: str, action: str, actor: str, reason: str) -> None:
    tx.connection.execute(
        schema.idea_events.insert().values(
            idea_id=idea_id, at=tx.at, action=action, reason=reason, actor=actor
        )
    )


def _current(tx: Transaction, idea_id: str, action: str) -> Idea:
    """The idea as it is now, if ``action`` may be done to it (``moderation.check_action``).

    Read after the ideas' change time is written: that write waits for every other
    writer of ideas to commit (transaction.py), so of two planners acting on one idea at
    once the second reads what the first did, and a repeated action is refused instead
    of done twice. LookupError when there is no such idea (any more).
    """
    tx.changing("ideas")
    current = _find(tx.connection, idea_id, MODERATION_STATES)
    if current is None:
        raise LookupError(idea_id)
    moderation.check_action(current, action)
    return current


def _decide(tx: Transaction, idea_id: str, actor: str, decision: Decision) -> None:
    """Change an idea read by ``_current`` as ``decision`` says and record who did it."""
    t = schema.ideas
    tx.write(
        "ideas",
        t.update().where(t.c.id == idea_id).values(**decision.changes, updated_at=tx.at),
    )
    _record_event(tx, idea_id, decision.action, actor, decision.reason)


def _insert_measure(tx: Transaction, measure: Measure) -> None:
    tx.write(
        "measures",
        schema.measures.insert().values(**rows.to_row("measures", measure), updated_at=tx.at),
    )


def _delete_contact(tx: Transaction, idea_id: str) -> None:
    t = schema.idea_contacts
    tx.connection.execute(t.delete().where(t.c.idea_id == idea_id))


def _delete_history(tx: Transaction, idea_id: str) -> None:
    t = schema.idea_events
    tx.connection.execute(t.delete().where(t.c.idea_id == idea_id))


def _delete_idea(tx: Transaction, idea_id: str) -> bool:
    t = schema.ideas
    return bool(tx.write("ideas", t.delete().where(t.c.id == idea_id)).rowcount)


def _contact_from(row) -> IdeaContact:
    return IdeaContact(row.idea_id, row.author_name, row.email)


def _event_from(row) -> IdeaEvent:
    return IdeaEvent(row.idea_id, rows.utc(row.at), row.action, row.actor, row.reason)


class IdeaRepository:
    def __init__(self, engine: Engine, spatial: Spatial):
        self.engine = engine
        self.spatial = spatial

    # -- reading (the public layer of approved ideas: LayerRepository) --------------------

    def find(
        self,
        states: Iterable[str],
        query: LayerQuery = ALL,
        time_range: TimeRange | None = None,
    ) -> list[Idea]:
        """The ideas in ``states`` that match, newest first."""
        t = schema.ideas
        statement = (
            sa.select(t)
            .where(*self._where(states, query), *time_clauses(t, time_range))
            .order_by(*schema.list_order("ideas"))
        )
        with self.engine.connect() as connection:
            return [rows.from_row("ideas", r) for r in connection.execute(statement)]

    def count(self, states: Iterable[str], query: LayerQuery = ALL) -> int:
        """How many ideas ``find`` would return, without reading them (the map page)."""
        statement = (
            sa.select(sa.func.count()).select_from(schema.ideas).where(*self._where(states, query))
        )
        with self.engine.connect() as connection:
            return connection.execute(statement).scalar_one()

    def get(self, idea_id: str, states: Iterable[str]) -> Idea | None:
        with self.engine.connect() as connection:
            return _find(connection, idea_id, states)

    def by_token(self, status_token_hash: str) -> Idea | None:
        """The idea behind a private status link, in whatever state (not deleted)."""
        t = schema.ideas
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(t).where(
                    t.c.status_token_hash == status_token_hash, t.c.moderation_state != "deleted"
                )
            ).first()
        return rows.from_row("ideas", row) if row is not None else None

    def near(self, point: Point, metres: float, limit: int = 10) -> list[Idea]:
        """Approved ideas within ``metres`` of ``point``, nearest first."""
        t = schema.ideas
        statement = (
            sa.select(t)
            .where(*self._where(PUBLIC_STATES, ALL), self.spatial.near(t, point, metres))
            .order_by(self.spatial.distance_m(t, point), t.c.id)
            .limit(limit)
        )
        with self.engine.connect() as connection:
            return [rows.from_row("ideas", r) for r in connection.execute(statement)]

    def contact(self, idea_id: str) -> IdeaContact | None:
        t = schema.idea_contacts
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(t).where(t.c.idea_id == idea_id)).first()
        return _contact_from(row) if row is not None else None

    def contacts_by_idea(self) -> dict[str, IdeaContact]:
        """Every idea's contact data by idea id: only for an export a planner asked for."""
        t = schema.idea_contacts
        with self.engine.connect() as connection:
            found = connection.execute(sa.select(t)).all()
        return {r.idea_id: _contact_from(r) for r in found}

    def events(self, idea_id: str | None = None, limit: int = 200) -> list[IdeaEvent]:
        """The moderation history of one idea (oldest first), or of all (newest first)."""
        t = schema.idea_events
        statement = sa.select(t)
        if idea_id is not None:
            statement = statement.where(t.c.idea_id == idea_id).order_by(t.c.at, t.c.id)
        else:
            statement = statement.order_by(t.c.at.desc(), t.c.id.desc()).limit(limit)
        with self.engine.connect() as connection:
            return [_event_from(r) for r in connection.execute(statement)]

    def histories(self) -> dict[str, list[IdeaEvent]]:
        """The moderation history of every idea, oldest first (one query, for exports)."""
        t = schema.idea_events
        histories: dict[str, list[IdeaEvent]] = {}
        with self.engine.connect() as connection:
            for r in connection.execute(sa.select(t).order_by(t.c.at, t.c.id)):
                histories.setdefault(r.idea_id, []).append(_event_from(r))
        return histories

    def _where(self, states: Iterable[str], query: LayerQuery) -> list:
        t = schema.ideas
        return [*query_clauses(t, query, self.spatial), t.c.moderation_state.in_(list(states))]

    # -- residents -----------------------------------------------------------------------

    def add(
        self,
        idea: Idea,
        contact: IdeaContact | None = None,
        status_token_hash: str | None = None,
    ) -> None:
        """Store a new idea, its contact data and the first entry of its history at once."""
        with transaction(self.engine) as tx:
            if idea.moderation_state in PUBLIC_STATES:
                tx.changing("ideas")
            tx.connection.execute(
                schema.ideas.insert().values(
                    **rows.to_row("ideas", idea),
                    updated_at=tx.at,
                    status_token_hash=status_token_hash,
                )
            )
            if contact is not None:
                tx.connection.execute(
                    schema.idea_contacts.insert().values(
                        idea_id=idea.id, author_name=contact.author_name, email=contact.email
                    )
                )
            _record_event(tx, idea.id, "submitted", "resident", "")

    def support(self, idea_id: str) -> int | None:
        """Count one support for an approved idea; None when there is no such idea."""
        t = schema.ideas
        try:
            with transaction(self.engine) as tx:
                # One UPDATE adds atomically, however many workers count at once.
                updated = tx.write(
                    "ideas",
                    t.update()
                    .where(t.c.id == idea_id, t.c.moderation_state.in_(list(PUBLIC_STATES)))
                    .values(supports=t.c.supports + 1, updated_at=tx.at),
                ).rowcount
                if not updated:
                    raise LookupError(idea_id)  # rolls back the change time written first
                return tx.connection.execute(
                    sa.select(t.c.supports).where(t.c.id == idea_id)
                ).scalar()
        except LookupError:
            return None

    def withdraw(self, idea_id: str) -> bool:
        """Delete an idea at its author's wish: text, contact data and history at once."""
        try:
            with transaction(self.engine) as tx:
                # The change time first, as in every use case that writes ideas (see
                # transaction.py), although the idea's own row goes last.
                tx.changing("ideas")
                _delete_contact(tx, idea_id)
                _delete_history(tx, idea_id)
                if not _delete_idea(tx, idea_id):
                    raise LookupError(idea_id)  # nothing to withdraw: change nothing
        except LookupError:
            return False
        return True

    # -- planners' decisions: LookupError when the idea is not there, Conflict when it is
    # deleted or the action was done already (measures.domain.moderation) -----------------

    def approve(self, idea_id: str, actor: str) -> None:
        with transaction(self.engine) as tx:
            _current(tx, idea_id, "approved")
            _decide(tx, idea_id, actor, moderation.approval(tx.at))

    def reject(self, idea_id: str, actor: str, reason: str) -> None:
        with transaction(self.engine) as tx:
            _current(tx, idea_id, "rejected")
            _decide(tx, idea_id, actor, moderation.rejection(reason, tx.at))

    def edit(self, idea_id: str, actor: str, title: str, description: str) -> None:
        """Change the text; the author's original is kept the first time."""
        with transaction(self.engine) as tx:
            current = _current(tx, idea_id, "edited")
            _decide(tx, idea_id, actor, moderation.text_edit(current, title, description))

    def mark_duplicate(self, idea_id: str, actor: str, other_id: str) -> None:
        """Reject an idea as a duplicate of another open one (InvalidSubmission if not)."""
        with transaction(self.engine) as tx:
            current = _current(tx, idea_id, "duplicate")
            other = _find(tx.connection, other_id, MODERATION_STATES)
            _decide(tx, idea_id, actor, moderation.duplicate(current, other, tx.at))

    def convert_to_measure(self, idea_id: str, actor: str, idea_url: str) -> str:
        """Create a measure (status idee) from an idea and link the two; returns its id."""
        with transaction(self.engine) as tx:
            idea = _current(tx, idea_id, "converted")
            measure = moderation.measure_from_idea(idea, idea_url, tx.at)
            _insert_measure(tx, measure)
            _decide(tx, idea_id, actor, moderation.conversion(measure.id))
        return measure.id

    def delete(self, idea_id: str, actor: str) -> None:
        """A planner deletes an idea: text and personal data go, the history stays."""
        with transaction(self.engine) as tx:
            _current(tx, idea_id, "deleted")
            _decide(tx, idea_id, actor, moderation.deletion(tx.at))
            _delete_contact(tx, idea_id)

    def purge_contacts(self, decided_before: datetime) -> int:
        """Delete the personal data of ideas decided before the given time; returns count.

        The retention period of the privacy statement: once an idea is decided, the name
        and e-mail address are no longer needed for replies.
        """
        ideas, contacts = schema.ideas, schema.idea_contacts
        decided = sa.select(ideas.c.id).where(
            ideas.c.decided_at.is_not(None), ideas.c.decided_at < decided_before
        )
        with transaction(self.engine) as tx:
            return tx.connection.execute(
                contacts.delete().where(contacts.c.idea_id.in_(decided))
            ).rowcount
