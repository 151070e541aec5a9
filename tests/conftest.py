"""Fixtures: every storage-touching test runs on SQLite and on PostgreSQL/PostGIS.

Each test gets its own database: a SQLite file under ``tmp_path``, or a PostgreSQL
database cloned from a migrated template and dropped afterwards.

PostgreSQL is found at ``TEST_POSTGRES_URL`` (default: the local server on 127.0.0.1:5432 as
user postgres), Redis for the multi-worker tests at ``TEST_REDIS_URL``. Where one cannot be
reached its tests are skipped with a line saying so, except when ``CI`` or
``REQUIRE_SERVICES`` is set: then it is a failure.
"""

from __future__ import annotations

import os
import threading
import uuid

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from app import create_app
from measures.domain.seed import read_seed
from measures.storage import Store, create_engine_for, upgrade

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ["sqlite", "postgresql"]


def _services_required() -> bool:
    return bool(os.environ.get("CI") or os.environ.get("REQUIRE_SERVICES"))


def _database_url(admin_url: str, name: str) -> str:
    return str(sa.engine.make_url(admin_url).set(database=name).render_as_string(False))


class PostgresDatabases:
    """Creates one migrated template database, then a fresh copy of it per test."""

    def __init__(self, admin_url: str):
        self.admin = create_engine_for(admin_url).execution_options(isolation_level="AUTOCOMMIT")
        self.admin_url = admin_url
        self.template = f"qk_template_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{self.template}"'))
        engine = create_engine_for(_database_url(admin_url, self.template))
        upgrade(engine)
        engine.dispose()

    def create(self) -> str:
        name = f"qk_test_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        return name

    def drop(self, name: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        self.drop(self.template)
        self.admin.dispose()


def service_unavailable(message: str) -> None:
    """Fail in CI; skip, visibly (pytest -ra lists it), on a developer's machine."""
    if _services_required():
        pytest.fail(message + " (in CI ist das ein Fehler)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_databases():
    try:
        databases = PostgresDatabases(POSTGRES_ADMIN_URL)
    except sa.exc.OperationalError as error:
        service_unavailable(
            f"PostgreSQL/PostGIS unter {POSTGRES_ADMIN_URL} nicht erreichbar: {error}"
        )
    yield databases
    databases.close()


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def database_url(backend, tmp_path, request):
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'quartierskarte.sqlite3'}"
        return
    databases = request.getfixturevalue("postgres_databases")
    name = databases.create()
    yield _database_url(databases.admin_url, name)
    databases.drop(name)


@pytest.fixture
def empty_store(database_url):
    """A migrated database without data."""
    engine = create_engine_for(database_url)
    upgrade(engine)
    yield Store(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def seed():
    return read_seed()


@pytest.fixture
def store(empty_store, seed):
    """A migrated database with the seed geodata loaded."""
    empty_store.layers.load_seed(seed)
    return empty_store


@pytest.fixture
def app(store, database_url, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE_URL": database_url,
        }
    )
    app.instance_path = str(tmp_path / "instance")
    yield app
    app.extensions["quartierskarte.store"].engine.dispose()


@pytest.fixture
def live_server(app):
    """The app served on a free port of 127.0.0.1 in a background thread.

    Used by the browser tests and by the tests that read the OGC API with GDAL.
    """
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
