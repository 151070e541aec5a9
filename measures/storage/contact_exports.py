"""The record of every export of residents' contact data: who, when, what, how many."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from measures.domain.model import ContactExport
from measures.storage import rows, schema
from measures.storage.transaction import transaction


class ContactExportRepository:
    def __init__(self, engine: Engine):
        self.engine = engine

    def record(self, quartier: str, actor: str, what: str, records: int) -> None:
        """Note who exported residents' contact data of ``quartier``, when, and what."""
        with transaction(self.engine) as tx:
            tx.connection.execute(
                schema.contact_exports.insert().values(
                    quartier=quartier, at=tx.at, actor=actor, what=what, records=records
                )
            )

    def latest(self, quartier: str | None = None, limit: int = 50) -> list[ContactExport]:
        """The recorded exports of contact data (of one Quartier), newest first."""
        t = schema.contact_exports
        statement = sa.select(t).order_by(t.c.at.desc(), t.c.id.desc()).limit(limit)
        if quartier is not None:
            statement = statement.where(t.c.quartier == quartier)
        with self.engine.connect() as connection:
            found = connection.execute(statement).all()
        return [ContactExport(rows.utc(r.at), r.actor, r.what, r.records) for r in found]
