"""Backups of the SQLite default and moving an installation to another database."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from measures.domain.errors import UserError
from measures.storage import schema
from measures.storage.engine import create_engine_for
from measures.storage.migrate import current_revision, upgrade


class MaintenanceError(UserError):
    """A maintenance step that cannot be done; the message is German and says why."""

    def __init__(self, message: str):
        super().__init__(message, status=409, code="maintenance_refused")


def _require_sqlite(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        raise MaintenanceError(
            "Sicherung und Wiederherstellung mit diesem Befehl gibt es nur für SQLite; "
            "für PostgreSQL pg_dump und pg_restore verwenden (siehe README, Betrieb)."
        )


def backup_sqlite(engine: Engine, target: Path) -> None:
    """Write a consistent snapshot of the running SQLite database to ``target``.

    SQLite's online backup copies a consistent state even while the app writes. The copy
    is made under a temporary name and renamed, so ``target`` is never half written.
    """
    _require_sqlite(engine)
    target = Path(target)
    if target.exists():
        raise MaintenanceError(f"Die Datei {target.name} gibt es schon; bitte einen neuen Namen.")
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".backup-", suffix=".tmp")
    os.close(handle)
    try:
        raw = engine.raw_connection()
        try:
            destination = sqlite3.connect(temporary)
            try:
                raw.driver_connection.backup(destination)
            finally:
                destination.close()
        finally:
            raw.close()
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def restore_sqlite(engine: Engine, source: Path) -> None:
    """Replace the content of the SQLite database with the backup in ``source``."""
    _require_sqlite(engine)
    source = Path(source)
    if not source.is_file():
        raise MaintenanceError(f"Die Sicherung {source.name} gibt es nicht.")
    try:
        backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            tables = {row[0] for row in backup.execute("SELECT name FROM sqlite_master")}
        finally:
            backup.close()
    except sqlite3.DatabaseError:
        raise MaintenanceError(f"{source.name} ist keine SQLite-Datenbank.") from None
    # The tables of the first migration: a backup from an older version lacks later ones
    # and is migrated below.
    if not {"alembic_version", "quartier", "measures", "locations", "ideas"} <= tables:
        raise MaintenanceError(f"{source.name} ist keine Sicherung der Quartierskarte.")
    backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    raw = engine.raw_connection()
    try:
        backup.backup(raw.driver_connection)
    finally:
        raw.close()
        backup.close()
    engine.dispose()
    # A backup from an older version is brought up to the current schema.
    upgrade(engine)


def _table_is_empty(connection: sa.Connection, table: sa.Table) -> bool:
    return connection.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 0


def copy_database(source: Engine, target: Engine, batch_size: int = 1000) -> dict[str, int]:
    """Copy every row of every table from ``source`` into the empty ``target``.

    The target is migrated first and must hold no data; the copy is one transaction, so a
    failure leaves the target empty. A SQLite source is read from a consistent snapshot.
    Returns the number of rows per table.
    """
    upgrade(target)
    if current_revision(source) != current_revision(target):
        raise MaintenanceError(
            "Quelle und Ziel haben verschiedene Schemastände; zuerst "
            "'flask --app app db upgrade' für die Quelle ausführen."
        )
    with target.connect() as connection:
        filled = [
            t.name for t in schema.metadata.sorted_tables if not _table_is_empty(connection, t)
        ]
    if filled:
        raise MaintenanceError(
            f"Die Zieldatenbank ist nicht leer (Tabellen: {', '.join(filled)}); "
            "kopiert wird nur in eine leere Datenbank."
        )
    if source.dialect.name == "sqlite":
        with tempfile.TemporaryDirectory() as directory:
            snapshot_path = Path(directory) / "snapshot.sqlite3"
            backup_sqlite(source, snapshot_path)
            snapshot = create_engine_for(f"sqlite:///{snapshot_path}")
            try:
                return _copy_rows(snapshot, target, batch_size)
            finally:
                snapshot.dispose()
    return _copy_rows(source, target, batch_size)


def _copy_rows(source: Engine, target: Engine, batch_size: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    with source.connect() as reading, target.begin() as writing:
        # Parents before children, so foreign keys hold at every insert.
        for table in schema.metadata.sorted_tables:
            counts[table.name] = 0
            result = reading.execution_options(yield_per=batch_size).execute(
                sa.select(table).order_by(*table.primary_key.columns)
            )
            for rows in result.partitions():
                writing.execute(table.insert(), [row._asdict() for row in rows])
                counts[table.name] += len(rows)
        if target.dialect.name == "postgresql":
            # Rows came with their ids; the sequences must continue after the highest.
            for table in (
                schema.idea_events,
                schema.planners,
                schema.contact_exports,
                schema.record_versions,
            ):
                highest = writing.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0
                writing.execute(
                    sa.text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :next, false)"),
                    {"table": table.name, "next": highest + 1},
                )
    return counts
