"""Reported barriers: stored, listed for the planners, answered once, contacts purged.

A reporter who gives an address is asked to confirm it (``mail.subscribe``, in the
transaction that stores the report); once confirmed, the answer queues a message for them
in the transaction that stores the answer (``mail.queue_author_notice``).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from measures.domain import barriers
from measures.domain.barriers import BarrierReport, NewReport
from measures.domain.notifications import barrier_answer_notice
from measures.storage import mail, rows, schema
from measures.storage.transaction import transaction


def _from_row(row) -> BarrierReport:
    return BarrierReport(
        id=row.id,
        created_at=rows.utc(row.created_at),
        description=row.description,
        where=row.where_text,
        state=row.state,
        answer=row.answer,
        answered_at=rows.utc(row.answered_at),
        answered_by=row.answered_by,
        quartier=row.quartier,
    )


def _in(quartier: str | None) -> list:
    """The reports of Quartier ``quartier``; None: all."""
    if quartier is None:
        return []
    return [schema.barrier_reports.c.quartier == quartier]


class BarrierReportRepository:
    def __init__(self, engine: Engine):
        self.engine = engine

    def add(
        self,
        new: NewReport,
        status_token_hash: str,
        quartier: str,
        notify_language: str | None = None,
    ) -> None:
        """Store a report sent from the pages of Quartier ``quartier``. With
        ``notify_language`` and an address, the address is subscribed to the answer,
        unconfirmed, and the request to confirm is queued."""
        r = new.report
        with transaction(self.engine) as tx:
            tx.connection.execute(
                schema.barrier_reports.insert().values(
                    id=r.id,
                    quartier=quartier,
                    created_at=r.created_at,
                    description=r.description,
                    where_text=r.where,
                    state=r.state,
                    answer=r.answer,
                    answered_by=r.answered_by,
                    email=new.email or None,
                    status_token_hash=status_token_hash,
                )
            )
            if notify_language is not None and new.email:
                mail.subscribe(
                    tx,
                    new.email,
                    notify_language,
                    barrier_report_id=r.id,
                    author=True,
                    title="",
                    new_target=True,
                )

    def _one(self, *where) -> BarrierReport | None:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(schema.barrier_reports).where(*where)).first()
        return _from_row(row) if row is not None else None

    def get(self, report_id: str, quartier: str | None = None) -> BarrierReport | None:
        """A report by id; with ``quartier``, only one sent from that Quartier."""
        t = schema.barrier_reports
        return self._one(t.c.id == report_id, *_in(quartier))

    def by_token(self, status_token_hash: str) -> BarrierReport | None:
        return self._one(schema.barrier_reports.c.status_token_hash == status_token_hash)

    def email(self, report_id: str) -> str:
        """The address for the answer, for planners only; "" when none was given."""
        t = schema.barrier_reports
        with self.engine.connect() as connection:
            found = connection.execute(sa.select(t.c.email).where(t.c.id == report_id)).scalar()
        return found or ""

    def all(self, quartier: str | None = None) -> list[BarrierReport]:
        """Open reports first, oldest first (the queue); then the answered, newest first."""
        t = schema.barrier_reports
        open_first = sa.case((t.c.state == barriers.OPEN, 0), else_=1)
        with self.engine.connect() as connection:
            found = connection.execute(
                sa.select(t)
                .where(*_in(quartier))
                .order_by(
                    open_first,
                    sa.case((t.c.state == barriers.OPEN, t.c.created_at)),
                    t.c.answered_at.desc(),
                    t.c.id,
                )
            ).all()
        return [_from_row(r) for r in found]

    def count_open(self, quartier: str | None = None) -> int:
        t = schema.barrier_reports
        with self.engine.connect() as connection:
            return connection.execute(
                sa.select(sa.func.count())
                .select_from(t)
                .where(t.c.state == barriers.OPEN, *_in(quartier))
            ).scalar_one()

    def answer(self, report_id: str, answer: str, actor: str, quartier: str | None = None) -> None:
        """Store the planners' answer. LookupError when there is no such report (in
        ``quartier``, when given); Conflict
        when it is answered already: the row is locked first on PostgreSQL, and the state
        is part of the UPDATE for SQLite, so of two planners at once one answers."""
        t = schema.barrier_reports
        with transaction(self.engine) as tx:
            state = tx.connection.execute(
                sa.select(t.c.state).where(t.c.id == report_id, *_in(quartier)).with_for_update()
            ).scalar()
            if state is None:
                raise LookupError(report_id)
            barriers.check_answerable(state)
            changed = tx.connection.execute(
                t.update()
                .where(t.c.id == report_id, t.c.state == barriers.OPEN)
                .values(
                    state=barriers.ANSWERED, answer=answer, answered_at=tx.at, answered_by=actor
                )
            ).rowcount
            if changed != 1:
                barriers.check_answerable(barriers.ANSWERED)
            mail.queue_author_notice(
                tx, barrier_answer_notice(report_id), barrier_report_id=report_id
            )

    def purge_contacts(self, answered_before: datetime) -> int:
        """Delete the addresses of reports answered before the given time; returns count."""
        t = schema.barrier_reports
        with transaction(self.engine) as tx:
            return tx.connection.execute(
                t.update()
                .where(
                    t.c.email.is_not(None),
                    t.c.answered_at.is_not(None),
                    t.c.answered_at < answered_before,
                )
                .values(email=None)
            ).rowcount
