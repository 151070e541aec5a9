"""Residents' ideas with their contact data and history: intake, supports, withdrawal,
the planners' decisions and the purge of personal data.

Every use case that writes is one transaction (``transaction.transaction``): a failure in
any of its steps leaves the idea, its contact data, its history, a measure made from it and
the layers' change times as they were. What a decision changes comes from
``measures.domain.moderation``; this module only stores it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from shapely.geometry import Point
from sqlalchemy.engine import Engine

from measures.domain import decision_path as path_rules
from measures.domain import moderation
from measures.domain.editing import NEW_STATE
from measures.domain.ideas import InvalidSubmission
from measures.domain.model import Idea, IdeaContact, IdeaEvent, Measure
from measures.domain.moderation import PUBLIC_STATES, Decision
from measures.domain.notifications import decision_notice
from measures.domain.query import LayerQuery
from measures.domain.vocabulary import MODERATION_STATES
from measures.storage import comments, decision_path, intake, mail, rows, schema, versions
from measures.storage.filters import ALL, TimeRange, query_clauses, time_clauses
from measures.storage.photos import delete_idea_photos
from measures.storage.spatial import Spatial
from measures.storage.transaction import Transaction, now, transaction

# -- the steps of the use cases below, each one statement on the use case's transaction --


def _find(connection: sa.Connection, idea_id: str, states: Iterable[str]) -> Idea | None:
    t = schema.ideas
    row = connection.execute(
        sa.select(t).where(t.c.id == idea_id, t.c.moderation_state.in_(list(states)))
    ).first()
    return rows.from_row("ideas", row) if row is not None else None


def _record_event(
    tx: Transaction, idea_id: str, action: str, actor: str, reason: str, quartier=None
) -> None:
    # The entry belongs to the idea's Quartier (read from the idea unless given).
    ideas, events = schema.ideas, schema.idea_events
    entry = {"idea_id": idea_id, "at": tx.at, "action": action, "reason": reason, "actor": actor}
    if quartier is None:
        quartier = sa.select(ideas.c.quartier).where(ideas.c.id == idea_id).scalar_subquery()
        tx.connection.execute(events.insert().values(**entry, quartier=quartier))
    else:
        # Values as parameters of a statement compiled once (no SQL built per request).
        tx.connection.execute(events.insert(), {**entry, "quartier": quartier})


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


def _decide(
    tx: Transaction, idea: Idea, actor: str, decision: Decision, *, news: bool = True
) -> None:
    """Change an idea read by ``_current`` as ``decision`` says, record who did it and
    queue the news for its confirmed subscribers (unless ``news`` is False: the news
    comes later), all on the same transaction."""
    t = schema.ideas
    tx.write(
        "ideas",
        t.update().where(t.c.id == idea.id).values(**decision.changes, updated_at=tx.at),
        ids=[idea.id],
    )
    _record_event(tx, idea.id, decision.action, actor, decision.reason)
    notice = decision_notice(idea, decision.action, dict(decision.changes)) if news else None
    if notice is not None:
        mail.queue_notice(tx, notice, idea_id=idea.id)


def _insert_measure(tx: Transaction, measure: Measure, actor: str) -> None:
    # Its decision path starts with the idea's step; status and timeline are the path's.
    steps = decision_path.file_steps(measure)
    measure = dataclasses.replace(
        measure, status=path_rules.status_of(steps), timeline=path_rules.timeline_of(steps)
    )
    # A draft, as every planner's new measure: the planner completes it, then publishes.
    versions.save(
        tx, "measures", measure, source="idea", author=actor, extra={"publication": NEW_STATE}
    )
    for position, step in enumerate(steps):
        decision_path.insert_step(tx, measure.id, step, position, path_rules.BY_PLANNER, actor)


def _delete_contact(tx: Transaction, idea_id: str) -> None:
    t = schema.idea_contacts
    tx.connection.execute(t.delete().where(t.c.idea_id == idea_id))


def _delete_history(tx: Transaction, idea_id: str) -> None:
    t = schema.idea_events
    tx.connection.execute(t.delete().where(t.c.idea_id == idea_id))


def _delete_idea(tx: Transaction, idea_id: str) -> bool:
    t = schema.ideas
    return bool(tx.write("ideas", t.delete().where(t.c.id == idea_id), ids=[idea_id]).rowcount)


def _contact_from(row) -> IdeaContact:
    return IdeaContact(row.idea_id, row.author_name, row.email)


def _event_from(row) -> IdeaEvent:
    return IdeaEvent(row.idea_id, rows.utc(row.at), row.action, row.actor, row.reason)


class IdeaRepository:
    def __init__(self, engine: Engine, spatial: Spatial):
        self.engine = engine
        self.spatial = spatial
        # For the intake in one statement on PostgreSQL (``intake.py``): no BEGIN/COMMIT.
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")

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

    def taken_up_in(self, measure_id: str, states: Iterable[str] = PUBLIC_STATES) -> list[Idea]:
        """The ideas in ``states`` taken up in the measure, newest first."""
        t = schema.ideas
        statement = (
            sa.select(t)
            .where(t.c.measure_id == measure_id, t.c.moderation_state.in_(list(states)))
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

    def get(self, idea_id: str, states: Iterable[str], quartier: str | None = None) -> Idea | None:
        """The idea in one of ``states`` (and of the Quartier ``quartier``), or None."""
        with self.engine.connect() as connection:
            found = _find(connection, idea_id, states)
        return found if found is None or quartier in (None, found.quartier) else None

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

    def near(
        self, point: Point, metres: float, limit: int = 10, query: LayerQuery = ALL
    ) -> list[Idea]:
        """Approved ideas (that ``query`` selects) within ``metres`` of ``point``, nearest
        first."""
        t = schema.ideas
        statement = (
            sa.select(t)
            .where(*self._where(PUBLIC_STATES, query), self.spatial.near(t, point, metres))
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

    def events(
        self, idea_id: str | None = None, limit: int = 200, quartier: str | None = None
    ) -> list[IdeaEvent]:
        """The moderation history of one idea (oldest first), or of all (newest first);
        only that of the Quartier ``quartier`` when given."""
        t = schema.idea_events
        statement = sa.select(t)
        if quartier is not None:
            statement = statement.where(t.c.quartier == quartier)
        if idea_id is not None:
            statement = statement.where(t.c.idea_id == idea_id).order_by(t.c.at, t.c.id)
        else:
            statement = statement.order_by(t.c.at.desc(), t.c.id.desc()).limit(limit)
        with self.engine.connect() as connection:
            return [_event_from(r) for r in connection.execute(statement)]

    def titles(self, idea_ids: Iterable[str]) -> dict[str, str]:
        """The titles of the ideas ``idea_ids`` (a deleted one keeps its placeholder
        title): for naming ideas in a log without reading every idea of the Quartier."""
        wanted = sorted(set(idea_ids))
        if not wanted:
            return {}
        t = schema.ideas
        with self.engine.connect() as connection:
            found = connection.execute(sa.select(t.c.id, t.c.title).where(t.c.id.in_(wanted)))
            return {row.id: row.title for row in found}

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
        notify_language: str | None = None,
        quartier_version: int | None = None,
    ) -> None:
        """Store a new idea, its contact data and the first entry of its history at once.

        With ``notify_language`` and an e-mail address, the contact data keep the
        author's request for news: the mail job subscribes the address as the idea's
        author, unconfirmed, and queues the request to confirm
        (``MailRepository.subscribe_authors``).

        ``quartier_version``: the version of the layer ``quartier`` (its number; 0 if it
        never changed) the idea's point was checked against. Then the idea goes in only
        while the layer is still at it; else nothing is stored and ``QuartierChanged``
        is raised (``intake.py``).
        """
        if self.engine.dialect.name == "postgresql" and idea.moderation_state not in PUBLIC_STATES:
            # A new idea nobody sees yet changes no layer: one statement (``intake.py``).
            values = intake.parameters(
                idea, contact, status_token_hash, now(), notify_language, quartier_version
            )
            with self._autocommit.connect() as connection:
                intake.add_in_one_statement(connection, values, with_contact=contact is not None)
            return
        with transaction(self.engine) as tx:
            if idea.moderation_state in PUBLIC_STATES:
                tx.changing("ideas", [idea.id])
            # The values as parameters of statements SQLAlchemy compiles once, instead of
            # statements built around them for every idea: a sixth of an intake's CPU.
            row = {**rows.to_row("ideas", idea), "updated_at": tx.at}
            values = {f"idea_{name}": value for name, value in row.items()}
            values["idea_status_token_hash"] = status_token_hash
            checked = quartier_version is not None
            if checked:
                values["quartier_version"] = quartier_version
            stored = tx.connection.execute(intake.idea_statement(checked), values).rowcount
            if not stored:
                # Nothing written yet: leaving the transaction by the error rolls back
                # the change time a public idea wrote first.
                raise intake.QuartierChanged
            if contact is not None:
                tx.connection.execute(
                    schema.idea_contacts.insert(),
                    intake.contact_row(idea.id, contact, notify_language),
                )
            _record_event(tx, idea.id, "submitted", "resident", "", idea.quartier)

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
                    ids=[idea_id],
                ).rowcount
                if not updated:
                    raise LookupError(idea_id)  # rolls back the change time written first
                return tx.connection.execute(
                    sa.select(t.c.supports).where(t.c.id == idea_id)
                ).scalar()
        except LookupError:
            return None

    def withdraw(self, idea_id: str, photo_keys: list[str] | None = None) -> bool:
        """Delete an idea at its author's wish: text, contact data, history and photos at
        once. The keys of the photos' files are added to ``photo_keys``: the caller removes
        them from the photo storage after the commit."""
        removed: list[str] = []
        try:
            with transaction(self.engine) as tx:
                # The change time first, as in every use case that writes ideas (see
                # transaction.py), although the idea's own row goes last.
                tx.changing("ideas")
                _delete_contact(tx, idea_id)
                _delete_history(tx, idea_id)
                mail.drop_idea_subscriptions(tx, idea_id)
                removed = delete_idea_photos(tx, idea_id)
                if not _delete_idea(tx, idea_id):
                    raise LookupError(idea_id)  # nothing to withdraw: change nothing
        except LookupError:
            return False
        if photo_keys is not None:
            photo_keys.extend(removed)
        return True

    # -- planners' decisions: LookupError when the idea is not there, Conflict when it is
    # deleted or the action was done already (measures.domain.moderation) -----------------

    def approve(self, idea_id: str, actor: str) -> None:
        with transaction(self.engine) as tx:
            idea = _current(tx, idea_id, "approved")
            _decide(tx, idea, actor, moderation.approval(tx.at))

    def reject(self, idea_id: str, actor: str, reason: str) -> None:
        with transaction(self.engine) as tx:
            idea = _current(tx, idea_id, "rejected")
            _decide(tx, idea, actor, moderation.rejection(reason, tx.at))

    def edit(self, idea_id: str, actor: str, title: str, description: str) -> None:
        """Change the text; the author's original is kept the first time."""
        with transaction(self.engine) as tx:
            current = _current(tx, idea_id, "edited")
            _decide(tx, current, actor, moderation.text_edit(current, title, description))

    def mark_duplicate(self, idea_id: str, actor: str, other_id: str) -> None:
        """Reject an idea as a duplicate of another open one (InvalidSubmission if not)."""
        with transaction(self.engine) as tx:
            current = _current(tx, idea_id, "duplicate")
            other = _find(tx.connection, other_id, MODERATION_STATES)
            if other is not None and other.quartier != current.quartier:
                other = None  # an idea of another Quartier is no duplicate of this one
            _decide(tx, current, actor, moderation.duplicate(current, other, tx.at))

    def convert_to_measure(self, idea_id: str, actor: str, idea_url: str) -> str:
        """Create a draft measure (status idee) from an idea and link the two; returns its
        id. The idea's subscribers hear of it when the measure is published
        (``measures.storage.editing``): its page is not there before."""
        with transaction(self.engine) as tx:
            idea = _current(tx, idea_id, "converted")
            measure = moderation.measure_from_idea(idea, idea_url, tx.at)
            _insert_measure(tx, measure, actor)
            _decide(tx, idea, actor, moderation.conversion(measure.id), news=False)
        return measure.id

    def link_to_measure(self, idea_id: str, actor: str, measure_id: str | None) -> None:
        """A planner notes that a measure of the idea's Quartier took the idea up
        ("aufgegriffen in …"), or (None) that it did not after all."""
        with transaction(self.engine) as tx:
            idea = _current(tx, idea_id, "linked")
            if measure_id:
                m = schema.measures
                found = tx.connection.execute(
                    sa.select(m.c.id).where(m.c.id == measure_id, m.c.quartier == idea.quartier)
                ).first()
                if found is None:
                    raise InvalidSubmission({"measure_id": moderation.NO_MEASURE})
            if (idea.measure_id or None) == (measure_id or None):
                return
            _decide(tx, idea, actor, moderation.link(measure_id))

    def delete(self, idea_id: str, actor: str, photo_keys: list[str] | None = None) -> None:
        """A planner deletes an idea: text, personal data and photos go, the history stays.
        The photos' file keys are added to ``photo_keys`` (as in ``withdraw``)."""
        with transaction(self.engine) as tx:
            idea = _current(tx, idea_id, "deleted")
            _decide(tx, idea, actor, moderation.deletion(tx.at))
            _delete_contact(tx, idea_id)
            # No message of it: it would carry the text that was deleted. The addresses
            # go with the subscriptions, like the name and address of the author.
            mail.drop_idea_subscriptions(tx, idea_id)
            comments.drop_idea_comments(tx, idea_id)
            removed = delete_idea_photos(tx, idea_id)
        if photo_keys is not None:
            photo_keys.extend(removed)

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
