"""The sessions of the Stadtteilbeirat, their agenda items and outcomes.

Recording the outcome of a measure on the agenda is one transaction with its step on the
decision path: the item's outcome, the step (added, or changed when the outcome is
recorded again — never a second one), the measure's status and timeline and its version
(``measures/storage/decision_path.py``, ``versions.py``) take effect together or not at
all. An idea's outcome is read from its item (the idea's pages show it); the idea itself
is not changed, but its author, if they confirmed an address, is told of a new or changed
outcome by a message queued in the same transaction (``mail.queue_author_notice``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from measures.domain import beirat as rules
from measures.domain import decision_path as path_rules
from measures.domain.beirat import (
    AgendaItem,
    InvalidBeiratInput,
    OutcomeInput,
    Session,
    SessionInput,
)
from measures.domain.decision_path import BY_PLANNER
from measures.domain.errors import Conflict
from measures.domain.notifications import beirat_outcome_notice
from measures.storage import decision_path as path_storage
from measures.storage import mail, rows, schema
from measures.storage.transaction import transaction

SESSION_GONE = "Diese Sitzung gibt es nicht mehr; vielleicht hat sie jemand gerade gelöscht."
ITEM_GONE = "Diesen Tagesordnungspunkt gibt es nicht mehr."
MEASURE_GONE = "Die Maßnahme dieses Punkts gibt es nicht mehr; es wurde nichts gespeichert."
ALREADY_ON_AGENDA = "Dieser Eintrag steht schon auf der Tagesordnung."
HAS_OUTCOME = (
    "Für diesen Punkt ist schon ein Ergebnis eingetragen. Er bleibt auf der Tagesordnung, "
    "damit das Ergebnis nachvollziehbar bleibt."
)
UNKNOWN_CHOICE = "Diesen Eintrag gibt es in diesem Quartier nicht. Bitte aus der Liste wählen."
# The ideas a planner may put on the agenda: those not rejected or deleted.
AGENDA_IDEA_STATES = ("approved", "pending")


def _titles(connection: sa.Connection, kind: str, ids: set[str]) -> dict[str, str]:
    """The current titles of the measures or ideas with ``ids`` (a deleted idea: none)."""
    if not ids:
        return {}
    table = schema.measures if kind == "measure" else schema.ideas
    statement = sa.select(table.c.id, table.c.title).where(table.c.id.in_(ids))
    if kind == "idea":
        statement = statement.where(table.c.moderation_state != "deleted")
    return dict(connection.execute(statement).all())


def _read(connection: sa.Connection, session_rows: Sequence) -> list[Session]:
    """Sessions with their items, in order, titles of measures and ideas as they are now."""
    if not session_rows:
        return []
    i = schema.beirat_items
    found = connection.execute(
        sa.select(i)
        .where(i.c.session_id.in_([r.id for r in session_rows]))
        .order_by(i.c.session_id, i.c.position, i.c.id)
    ).all()
    titles = {
        kind: _titles(connection, kind, {r.ref for r in found if r.kind == kind})
        for kind in ("measure", "idea")
    }
    items: dict[int, list[AgendaItem]] = {}
    for r in found:
        title = r.title if r.kind == "topic" else titles[r.kind].get(r.ref, r.title)
        if r.kind == "idea" and r.ref not in titles["idea"]:
            title = ""  # a deleted idea's text is gone, on the agenda too
        items.setdefault(r.session_id, []).append(
            AgendaItem(
                id=r.id,
                position=len(items.get(r.session_id, ())) + 1,
                kind=r.kind,
                ref=r.ref,
                title=title,
                text=r.text,
                outcome=r.outcome,
                votes_yes=r.votes_yes,
                votes_no=r.votes_no,
                votes_abstain=r.votes_abstain,
                note=r.note,
                step_id=r.step_id,
            )
        )
    return [
        Session(
            id=r.id,
            quartier=r.quartier,
            title=r.title,
            starts_at=rows.utc(r.starts_at),
            ends_at=rows.utc(r.ends_at),
            place=r.place,
            address=r.address,
            public=r.public,
            items=tuple(items.get(r.id, ())),
        )
        for r in session_rows
    ]


def _session(connection: sa.Connection, quartier: str, session_id: int) -> Session | None:
    s = schema.beirat_sessions
    row = connection.execute(
        sa.select(s).where(s.c.id == session_id, s.c.quartier == quartier)
    ).first()
    return _read(connection, [row])[0] if row is not None else None


def _locked_session(tx, quartier: str, session_id: int) -> Session:
    """The session, read after the measures' lock when its outcomes made steps (which a
    change of the session moves, see ``BeiratRepository._follow``); Conflict if gone."""
    session = _session(tx.connection, quartier, session_id)
    if session is not None and any(i.step_id is not None for i in session.items):
        tx.changing("measures")
        session = _session(tx.connection, quartier, session_id)
    if session is None:
        raise Conflict(SESSION_GONE)
    return session


def _status_before(steps: Sequence[path_rules.Step], day: str) -> str:
    """The measure's status on ``day`` by its steps (an undated step counts at the date
    of the step before it, as in ``ordered``)."""
    status, at = path_rules.INITIAL_STATUS, ""
    for step in path_rules.ordered(steps):
        at = step.date or at
        if at <= day:
            status = step.status
    return status


class BeiratRepository:
    def __init__(self, engine: Engine):
        self.engine = engine

    # -- reading ---------------------------------------------------------------------------

    def sessions(self, quartier: str, public_only: bool = False) -> list[Session]:
        """The Quartier's sessions by their start (only the public ones if asked)."""
        s = schema.beirat_sessions
        statement = sa.select(s).where(s.c.quartier == quartier).order_by(s.c.starts_at, s.c.id)
        if public_only:
            statement = statement.where(s.c.public.is_(True))
        with self.engine.connect() as connection:
            return _read(connection, connection.execute(statement).all())

    def session(self, quartier: str, session_id: int) -> Session | None:
        with self.engine.connect() as connection:
            return _session(connection, quartier, session_id)

    def decisions_on(
        self, kind: str, ref: str, public_only: bool = False
    ) -> list[tuple[Session, AgendaItem]]:
        """The recorded outcomes of a measure or idea, with their sessions, by date."""
        s, i = schema.beirat_sessions, schema.beirat_items
        statement = (
            sa.select(s)
            .join(i, i.c.session_id == s.c.id)
            .where(i.c.kind == kind, i.c.ref == ref, i.c.outcome.is_not(None))
            .order_by(s.c.starts_at, s.c.id)
            .distinct()
        )
        if public_only:
            statement = statement.where(s.c.public.is_(True))
        with self.engine.connect() as connection:
            sessions = _read(connection, connection.execute(statement).all())
        return [
            (session, item)
            for session in sessions
            for item in session.items
            if item.kind == kind and item.ref == ref and item.outcome is not None
        ]

    def choices(self, quartier: str) -> dict[str, list[tuple[str, str]]]:
        """What a planner can put on the agenda: (id, title) of the Quartier's measures
        (drafts too: the Beirat hears a measure before it is published) and of its ideas
        that are approved or wait for their check, by title."""
        m, d = schema.measures, schema.ideas
        with self.engine.connect() as connection:
            measures = connection.execute(
                sa.select(m.c.id, m.c.title).where(m.c.quartier == quartier).order_by(m.c.title)
            ).all()
            ideas = connection.execute(
                sa.select(d.c.id, d.c.title)
                .where(d.c.quartier == quartier, d.c.moderation_state.in_(AGENDA_IDEA_STATES))
                .order_by(d.c.title)
            ).all()
        return {"measure": [tuple(r) for r in measures], "idea": [tuple(r) for r in ideas]}

    # -- sessions --------------------------------------------------------------------------

    def create(self, quartier: str, given: SessionInput, actor: str) -> int:
        with transaction(self.engine) as tx:
            return tx.connection.execute(
                schema.beirat_sessions.insert().values(
                    quartier=quartier, **self._values(given, tx.at, actor)
                )
            ).inserted_primary_key[0]

    @staticmethod
    def _values(given: SessionInput, at, actor: str) -> dict:
        return {
            "title": given.title,
            "starts_at": given.starts_at,
            "ends_at": given.ends_at,
            "place": given.place,
            "address": given.address,
            "public": given.public,
            "updated_at": at,
            "updated_by": actor,
        }

    def update(self, quartier: str, session_id: int, given: SessionInput, actor: str) -> None:
        """Change a session; the steps its outcomes made take its new day."""
        s = schema.beirat_sessions
        with transaction(self.engine) as tx:
            _locked_session(tx, quartier, session_id)
            tx.connection.execute(
                s.update()
                .where(s.c.id == session_id, s.c.quartier == quartier)
                .values(**self._values(given, tx.at, actor))
            )
            self._follow(tx, quartier, session_id, actor)

    def delete(self, quartier: str, session_id: int) -> None:
        """Delete a session with its agenda. Steps its outcomes made stay on the measures'
        paths: they are the measures' history, which the path's page keeps."""
        s, i = schema.beirat_sessions, schema.beirat_items
        with transaction(self.engine) as tx:
            if _session(tx.connection, quartier, session_id) is None:
                raise Conflict(SESSION_GONE)
            tx.connection.execute(i.delete().where(i.c.session_id == session_id))
            tx.connection.execute(s.delete().where(s.c.id == session_id))

    # -- agenda ----------------------------------------------------------------------------

    def add_item(
        self, quartier: str, session_id: int, kind: str, ref: str | None, title: str, text: str
    ) -> int:
        """Add a measure or idea (by ``ref``; its title is read) or a topic at the end."""
        if kind not in rules.ITEM_KINDS:
            raise ValueError(kind)
        i = schema.beirat_items
        with transaction(self.engine) as tx:
            session = _session(tx.connection, quartier, session_id)
            if session is None:
                raise Conflict(SESSION_GONE)
            if kind != "topic":
                known = dict(self._choices_in(tx.connection, quartier, kind, ref))
                if ref not in known:
                    raise InvalidBeiratInput({kind: UNKNOWN_CHOICE})
                if any(item.kind == kind and item.ref == ref for item in session.items):
                    raise InvalidBeiratInput({kind: ALREADY_ON_AGENDA})
                # A measure's title is kept for when it is gone; an idea's is not: a
                # resident's text goes with the idea when it is withdrawn or deleted.
                title, text = (known[ref] if kind == "measure" else ""), ""
            else:
                ref = None
            return tx.connection.execute(
                i.insert().values(
                    session_id=session_id,
                    position=len(session.items) + 1,
                    kind=kind,
                    ref=ref,
                    title=title[: rules.TITLE_MAX],
                    text=text,
                    note="",
                )
            ).inserted_primary_key[0]

    @staticmethod
    def _choices_in(connection, quartier: str, kind: str, ref: str | None):
        table = schema.measures if kind == "measure" else schema.ideas
        statement = sa.select(table.c.id, table.c.title).where(
            table.c.id == (ref or ""), table.c.quartier == quartier
        )
        if kind == "idea":
            statement = statement.where(table.c.moderation_state.in_(AGENDA_IDEA_STATES))
        return connection.execute(statement).all()

    def _renumber(self, connection, ordered_ids: Sequence[int]) -> None:
        i = schema.beirat_items
        for position, item_id in enumerate(ordered_ids, start=1):
            connection.execute(i.update().where(i.c.id == item_id).values(position=position))

    def move_item(
        self, quartier: str, session_id: int, item_id: int, step: int, actor: str = ""
    ) -> None:
        """Move an item one place up (``step`` -1) or down (+1); at either end it stays."""
        with transaction(self.engine) as tx:
            session = _locked_session(tx, quartier, session_id)
            ids = [item.id for item in session.items]
            if item_id not in ids:
                raise Conflict(ITEM_GONE)
            at = ids.index(item_id)
            other = at + (1 if step > 0 else -1)
            if 0 <= other < len(ids):
                ids[at], ids[other] = ids[other], ids[at]
            self._renumber(tx.connection, ids)
            self._follow(tx, quartier, session_id, actor)

    def remove_item(self, quartier: str, session_id: int, item_id: int, actor: str = "") -> None:
        """Take an item off the agenda; refused once its outcome is recorded."""
        i = schema.beirat_items
        with transaction(self.engine) as tx:
            session = _locked_session(tx, quartier, session_id)
            item = session.item(item_id)
            if item is None:
                raise Conflict(ITEM_GONE)
            if item.outcome is not None:
                raise Conflict(HAS_OUTCOME)
            tx.connection.execute(i.delete().where(i.c.id == item_id))
            self._renumber(tx.connection, [x.id for x in session.items if x.id != item_id])
            self._follow(tx, quartier, session_id, actor)

    def _follow(self, tx, quartier: str, session_id: int, actor: str) -> None:
        """The steps this session's outcomes made follow it: its day and each item's number
        are in them. A step a planner has deleted on the path stays deleted, and a measure
        that is gone is left alone."""
        session = _session(tx.connection, quartier, session_id)
        for item in session.items:
            if item.kind != "measure" or item.outcome is None or item.step_id is None:
                continue
            given = OutcomeInput(
                item.outcome, item.votes_yes, item.votes_no, item.votes_abstain, item.note
            )
            self._write_step(tx, session, item, given, actor, only_existing=True)

    # -- outcomes --------------------------------------------------------------------------

    def record_outcome(
        self, quartier: str, session_id: int, item_id: int, given: OutcomeInput, actor: str
    ) -> None:
        """Record an item's outcome; for a measure, in the same transaction, its step on
        the decision path (the one made before, when recorded again) and so its status,
        timeline and version."""
        i = schema.beirat_items
        with transaction(self.engine) as tx:
            kind = tx.connection.execute(sa.select(i.c.kind).where(i.c.id == item_id)).scalar()
            if kind == "measure":
                # The measures' change time before anything is read and written, as every
                # writer of measures does (see measures/storage/transaction.py): its lock
                # makes two planners recording the same item wait for each other, so the
                # second finds the step the first made and changes it instead of adding one.
                tx.changing("measures")
            elif kind == "idea":
                # The item's row locked (PostgreSQL) before its outcome is read: of two
                # planners recording the same outcome at once, the second finds the
                # first's and queues no second message to the author.
                ref = tx.connection.execute(
                    sa.select(i.c.ref).where(i.c.id == item_id).with_for_update()
                ).scalar()
                # The idea's row shared: its author's confirmation at the same moment
                # (mail.confirm, which locks it) either comes first, and this finds the
                # address confirmed, or waits and then finds this outcome.
                ideas = schema.ideas
                tx.connection.execute(
                    sa.select(ideas.c.id).where(ideas.c.id == ref).with_for_update(read=True)
                ).first()
            session = _session(tx.connection, quartier, session_id)
            if session is None:
                raise Conflict(SESSION_GONE)
            item = session.item(item_id)
            if item is None:
                raise Conflict(ITEM_GONE)
            tx.connection.execute(
                i.update()
                .where(i.c.id == item_id)
                .values(
                    outcome=given.outcome,
                    votes_yes=given.votes_yes,
                    votes_no=given.votes_no,
                    votes_abstain=given.votes_abstain,
                    note=given.note,
                )
            )
            if item.kind == "measure":
                step_id = self._write_step(tx, session, item, given, actor)
                tx.connection.execute(i.update().where(i.c.id == item_id).values(step_id=step_id))
            elif item.kind == "idea" and item.ref is not None:
                notice = beirat_outcome_notice(
                    item.ref, item.title, item.outcome, given.outcome, session.day
                )
                if notice is not None:
                    mail.queue_author_notice(tx, notice, idea_id=item.ref)

    @staticmethod
    def _write_step(
        tx,
        session: Session,
        item: AgendaItem,
        given: OutcomeInput,
        actor: str,
        only_existing: bool = False,
    ) -> int | None:
        """Add or change the item's step, then the measure's status; with
        ``only_existing``, only change a step that is still there (None otherwise)."""
        m = schema.measures
        if tx.connection.execute(sa.select(m.c.id).where(m.c.id == item.ref)).first() is None:
            if only_existing:
                return None
            raise Conflict(MEASURE_GONE)
        steps = path_storage.read_steps(tx.connection, item.ref)
        own = next((s for s in steps if s.id == item.step_id), None)
        if own is None and only_existing:
            return None
        others = [s for s in steps if s is not own]
        day = session.local_start.date().isoformat()
        step = rules.step_for(session, item.position, given, _status_before(others, day))
        if own is None:
            last = max((s.position for s in steps), default=0)
            step_id = path_storage.insert_step(tx, item.ref, step, last + 1, BY_PLANNER, actor)
        else:
            step_id = own.id
            path_storage.write_step(tx, step_id, step, actor)
        path_storage.sync_measure(tx, item.ref, actor)
        return step_id
