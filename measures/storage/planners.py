"""Planners' accounts: names, password hashes and the nonce that keeps sessions valid."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from measures.domain.model import Planner
from measures.storage import schema
from measures.storage.transaction import transaction


def _new_nonce() -> str:
    return secrets.token_hex(16)


class PlannerRepository:
    def __init__(self, engine: Engine):
        self.engine = engine

    def add(self, username: str, password_hash: str) -> bool:
        """Create a planner's account; False when the name is taken."""
        t = schema.planners
        with transaction(self.engine) as tx:
            if tx.connection.execute(sa.select(t.c.id).where(t.c.username == username)).first():
                return False
            tx.connection.execute(
                t.insert().values(
                    username=username,
                    password_hash=password_hash,
                    session_nonce=_new_nonce(),
                    active=True,
                    created_at=tx.at,
                )
            )
        return True

    def get(self, planner_id: int) -> Planner | None:
        return self._first(schema.planners.c.id == planner_id)

    def by_name(self, username: str) -> Planner | None:
        return self._first(schema.planners.c.username == username)

    def renew_nonce(self, planner_id: int) -> str:
        """A new session nonce: sessions that carry the old one are void from now on."""
        nonce = _new_nonce()
        t = schema.planners
        with transaction(self.engine) as tx:
            tx.connection.execute(
                t.update().where(t.c.id == planner_id).values(session_nonce=nonce)
            )
        return nonce

    def deactivate(self, username: str) -> bool:
        t = schema.planners
        with transaction(self.engine) as tx:
            return bool(
                tx.connection.execute(
                    t.update()
                    .where(t.c.username == username)
                    .values(active=False, session_nonce=_new_nonce())
                ).rowcount
            )

    def _first(self, *where) -> Planner | None:
        t = schema.planners
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(t).where(*where)).first()
        if row is None:
            return None
        return Planner(row.id, row.username, row.password_hash, row.session_nonce, row.active)
