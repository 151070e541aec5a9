"""Creating the database engine for a ``DATABASE_URL``: SQLite or PostgreSQL/PostGIS."""

from __future__ import annotations

import sqlite3
import time

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from measures.storage import spatial


def create_engine_for(url: str) -> Engine:
    """An engine for ``sqlite:///path`` or ``postgresql://…`` with our connection settings.

    ``hide_parameters``: a failed statement's error (and so the log) names no values,
    which may be a resident's name or e-mail address.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        # psycopg 3 is the driver we install; SQLAlchemy would otherwise pick psycopg2.
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        engine = sa.create_engine(parsed, hide_parameters=True)
        _ping_after_idle(engine)
        return engine
    if parsed.get_backend_name() != "sqlite":
        raise ValueError(
            f"Datenbank '{parsed.get_backend_name()}' wird nicht unterstützt; "
            "DATABASE_URL muss mit sqlite:/// oder postgresql:// beginnen."
        )
    engine = sa.create_engine(parsed, hide_parameters=True)
    sa.event.listen(engine, "connect", _configure_sqlite)
    return engine


# A pooled connection unused for this long is tested before it is handed out.
PING_AFTER_IDLE_S = 10.0


def _ping_after_idle(engine: Engine) -> None:
    """Test a connection before use only when it has lain idle in the pool.

    SQLAlchemy's ``pool_pre_ping`` tests every connection at every checkout: one more
    round trip to PostgreSQL for every request, which for a cached layer was a fifth of
    the work. A connection the server dropped (a restart, an idle timeout) has in
    practice lain idle; one in steady use has just answered. So only an idle one is
    pinged. A dead one means the server went away, so, as ``pool_pre_ping`` does, the
    whole pool is discarded (InvalidatePoolError) and connected anew. A connection that
    was used less than ``PING_AFTER_IDLE_S`` before a restart fails its next statement
    instead; SQLAlchemy then discards the pool as well, so that costs one request.
    """
    dialect = engine.dialect

    @sa.event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record) -> None:
        record.info["checked_in"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy) -> None:
        if time.monotonic() - record.info.get("checked_in", 0.0) < PING_AFTER_IDLE_S:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise sa.exc.InvalidatePoolError() from error
            raise


def _configure_sqlite(connection: sqlite3.Connection, _record) -> None:
    cursor = connection.cursor()
    # WAL lets the map read while an idea is written; foreign keys are off by default in
    # SQLite, and without them deleting an idea would leave its personal data behind.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
    spatial.register_sqlite_functions(connection)
