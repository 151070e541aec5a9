"""Creating the database engine for a ``DATABASE_URL``: SQLite or PostgreSQL/PostGIS."""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from measures.storage import spatial


def create_engine_for(url: str) -> Engine:
    """An engine for ``sqlite:///path`` or ``postgresql://…`` with our connection settings."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        # psycopg 3 is the driver we install; SQLAlchemy would otherwise pick psycopg2.
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return sa.create_engine(parsed, pool_pre_ping=True)
    if parsed.get_backend_name() != "sqlite":
        raise ValueError(
            f"Datenbank '{parsed.get_backend_name()}' wird nicht unterstützt; "
            "DATABASE_URL muss mit sqlite:/// oder postgresql:// beginnen."
        )
    engine = sa.create_engine(parsed)
    sa.event.listen(engine, "connect", _configure_sqlite)
    return engine


def _configure_sqlite(connection: sqlite3.Connection, _record) -> None:
    cursor = connection.cursor()
    # WAL lets the map read while an idea is written; foreign keys are off by default in
    # SQLite, and without them deleting an idea would leave its personal data behind.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
    spatial.register_sqlite_functions(connection)
