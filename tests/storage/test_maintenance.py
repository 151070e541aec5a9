"""Backup and restore of the SQLite default, and moving an installation to PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app import create_app
from measures.domain.query import LayerQuery
from measures.storage import Store, create_engine_for, schema
from tests.factories import add_idea


def _add_ideas(store: Store, prefix: str, count: int) -> None:
    states = ("pending", "approved", "rejected")
    for n in range(count):
        # Every other idea with a contact.
        contact = {"name": f"Person {n}", "email": f"person{n}@example.org"} if n % 2 else {}
        add_idea(
            store,
            f"{prefix}-{n}",
            state=states[n % 3],
            title=f"Idee {n}: Sitzbank",
            description="Eine Bank zum Ausruhen",
            lon=8.470 + n * 0.0001,
            lat=50.565,
            created_at=datetime(2026, 11, 1, 8, n % 60, tzinfo=UTC),
            **contact,
        )


def _rows(engine: sa.Engine) -> dict[str, list[dict]]:
    """Every row of every table, comparable across backends."""

    def normal(value):
        if isinstance(value, datetime):
            return (
                value.replace(tzinfo=None)
                if value.tzinfo is None
                else value.astimezone(UTC).replace(tzinfo=None)
            )
        if isinstance(value, memoryview):
            return bytes(value)
        return value

    with engine.connect() as connection:
        return {
            table.name: [
                {key: normal(value) for key, value in row._asdict().items()}
                for row in connection.execute(sa.select(table).order_by(*table.primary_key.columns))
            ]
            for table in schema.metadata.sorted_tables
        }


@pytest.fixture
def sqlite_app(tmp_path, seed):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'live.sqlite3'}"})
    assert app.test_cli_runner().invoke(args=["db", "init"]).exit_code == 0
    yield app
    app.extensions["quartierskarte.store"].engine.dispose()


def test_a_restored_backup_has_every_idea(sqlite_app, tmp_path):
    store = sqlite_app.extensions["quartierskarte.store"]
    runner = sqlite_app.test_cli_runner()
    _add_ideas(store, "vorher", 12)
    before = _rows(store.engine)

    result = runner.invoke(args=["db", "backup", str(tmp_path / "sicherung.sqlite3")])
    assert result.exit_code == 0, result.output

    with store.engine.begin() as connection:
        connection.execute(schema.ideas.delete())
    _add_ideas(store, "nachher", 3)

    result = runner.invoke(args=["db", "restore", "--yes", str(tmp_path / "sicherung.sqlite3")])
    assert result.exit_code == 0, result.output
    assert _rows(store.engine) == before
    assert len(store.ideas.find(("pending", "approved", "rejected"))) == 12
    assert store.ideas.contact("vorher-1").email == "person1@example.org"


def test_backup_never_overwrites_and_restore_refuses_foreign_files(sqlite_app, tmp_path):
    runner = sqlite_app.test_cli_runner()
    existing = tmp_path / "da.sqlite3"
    existing.write_bytes(b"wichtig")
    result = runner.invoke(args=["db", "backup", str(existing)])
    assert result.exit_code == 1 and "gibt es schon" in result.output
    assert existing.read_bytes() == b"wichtig"

    before = _rows(sqlite_app.extensions["quartierskarte.store"].engine)
    result = runner.invoke(args=["db", "restore", "--yes", str(existing)])
    assert result.exit_code == 1 and "keine SQLite-Datenbank" in result.output
    other = tmp_path / "fremd.sqlite3"
    create_engine_for(f"sqlite:///{other}").connect().exec_driver_sql("CREATE TABLE x (y)").close()
    result = runner.invoke(args=["db", "restore", "--yes", str(other)])
    assert result.exit_code == 1 and "keine Sicherung der Quartierskarte" in result.output
    assert _rows(sqlite_app.extensions["quartierskarte.store"].engine) == before


def test_backup_on_postgresql_points_to_pg_dump(postgres_databases, tmp_path):
    name = postgres_databases.create()
    app = create_app({"TESTING": True, "DATABASE_URL": postgres_databases.url(name)})
    try:
        result = app.test_cli_runner().invoke(args=["db", "backup", str(tmp_path / "x.sqlite3")])
        assert result.exit_code == 1
        assert "pg_dump" in result.output
        assert not (tmp_path / "x.sqlite3").exists()
    finally:
        app.extensions["quartierskarte.store"].engine.dispose()
        postgres_databases.drop(name)


def test_copy_to_postgresql_loses_nothing(sqlite_app, postgres_databases):
    store = sqlite_app.extensions["quartierskarte.store"]
    _add_ideas(store, "umzug", 25)
    name = postgres_databases.create()
    target_url = postgres_databases.url(name)
    try:
        result = sqlite_app.test_cli_runner().invoke(args=["db", "copy-to", target_url])
        assert result.exit_code == 0, result.output
        assert "ideas: 25 Zeilen kopiert" in result.output
        target = create_engine_for(target_url)
        source_rows, target_rows = _rows(store.engine), _rows(target)
        assert target_rows == source_rows
        assert len(target_rows["idea_events"]) == 25 and len(target_rows["idea_contacts"]) == 12
        # The copy is a working PostGIS database: spatial queries and new events work.
        moved = Store(target)
        assert [
            m.id
            for m in moved.layers.records(
                "measures", LayerQuery(bbox=(8.4711, 50.5661, 8.4713, 50.5663))
            )
        ] == ["kifaz"]
        _add_ideas(moved, "danach", 1)
        # … and so do new versions of measures (their ids continue after the copied ones).
        kifaz = moved.layers.record("measures", "kifaz")
        moved.versions.save(
            "measures",
            dataclasses.replace(kifaz, title="Nach dem Umzug"),
            author="lea",
            expected=kifaz.updated_at,
        )
        target.dispose()

        again = sqlite_app.test_cli_runner().invoke(args=["db", "copy-to", target_url])
        assert again.exit_code == 1 and "nicht leer" in again.output
    finally:
        postgres_databases.drop(name)


def test_copy_to_an_unreachable_database_says_so(sqlite_app):
    result = sqlite_app.test_cli_runner().invoke(
        args=["db", "copy-to", "postgresql://nobody@127.0.0.1:1/none"]
    )
    assert result.exit_code == 1
    assert "nicht erreichbar" in result.output
    assert "Traceback" not in result.output
