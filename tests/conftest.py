"""Fixtures: every test gets a database of its own, on the backends it needs.

**Which database.** A test that touches the database runs on SQLite. Where the two
backends do something differently (bbox, geofence and nearby queries, paging, time
filters, concurrency, the layer cache's revalidation, migrations, seed upserts), the
test is marked ``@pytest.mark.both_databases`` and then runs twice, as ``[sqlite]`` and
``[postgresql]``; every test under ``tests/storage`` is marked so. Every test that uses
PostgreSQL (both halves of a marked test's pair but the SQLite one, and the few that ask
for ``postgres_databases`` themselves) carries the marker ``postgres``, so
``-m "not postgres"`` runs the SQLite half alone (``make check``). Browser tests
(``tests/e2e``) run on SQLite only.

**What is in it.** The database is seeded when the test uses ``store`` (``app`` and
``client`` use it), migrated when it uses ``empty_store``, else empty: a SQLite file
not yet created, or a migrated PostgreSQL database. Each is a copy of a template made
once per session (a file copy on SQLite, ``CREATE DATABASE … TEMPLATE`` on
PostgreSQL), which is much cheaper than migrating and loading the seed per test.

PostgreSQL is found at ``TEST_POSTGRES_URL`` (default: the local server on 127.0.0.1:5432
as user postgres), Redis for the multi-worker tests at ``TEST_REDIS_URL``. Where one
cannot be reached its tests are skipped with a line saying so, except when ``CI`` or
``REQUIRE_SERVICES`` is set: then it is a failure.
"""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from app import create_app
from measures.domain.seed import read_seed
from measures.storage import Store, create_engine_for, upgrade
from tests.factories import create_planner

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def pytest_generate_tests(metafunc):
    """Run the tests marked ``both_databases`` on SQLite and on PostgreSQL."""
    if "backend" not in metafunc.fixturenames:
        return
    if not metafunc.definition.get_closest_marker("both_databases"):
        return
    explicit = [
        mark
        for mark in metafunc.definition.iter_markers("parametrize")
        if "backend" in mark.args[0]
    ]
    if not explicit:  # a test may name its backends itself
        metafunc.parametrize("backend", BACKENDS, indirect=True)


def pytest_collection_modifyitems(items):
    """Mark every test that needs PostgreSQL ``postgres``, however it asks for it."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if (
            callspec and callspec.params.get("backend") == "postgresql"
        ) or "postgres_databases" in item.fixturenames:
            item.add_marker(pytest.mark.postgres)


def _services_required() -> bool:
    return bool(os.environ.get("CI") or os.environ.get("REQUIRE_SERVICES"))


def _database_url(admin_url: str, name: str) -> str:
    # Test databases need not wait for the disk at each commit; they are dropped at the
    # end anyway. A server crash is not what the tests are about, so this changes no result.
    url = sa.engine.make_url(admin_url).set(database=name)
    url = url.update_query_dict({"options": "-c synchronous_commit=off"})
    return str(url.render_as_string(False))


# What a test's database holds, by the fixture it uses (see the module's docstring).
EMPTY, MIGRATED, SEEDED = "empty", "migrated", "seeded"


def _contents(request) -> str:
    if "store" in request.fixturenames:
        return SEEDED
    if "empty_store" in request.fixturenames:
        return MIGRATED
    return EMPTY


class PostgresDatabases:
    """A migrated and a seeded template database, then a fresh copy of one per test.

    Copies are dropped in a background thread, so that a test need not wait for it.
    """

    def __init__(self, admin_url: str, seed):
        self.admin = create_engine_for(admin_url).execution_options(isolation_level="AUTOCOMMIT")
        self.admin_url = admin_url
        self._dropping = ThreadPoolExecutor(max_workers=1)
        prefix = f"qk_template_{uuid.uuid4().hex[:12]}"
        self.templates = {MIGRATED: f"{prefix}_migrated", SEEDED: f"{prefix}_seeded"}
        self._execute(f'CREATE DATABASE "{self.templates[MIGRATED]}"')
        engine = create_engine_for(_database_url(admin_url, self.templates[MIGRATED]))
        upgrade(engine)
        engine.dispose()
        self.templates[SEEDED] = self.create(MIGRATED, name=self.templates[SEEDED])
        engine = create_engine_for(_database_url(admin_url, self.templates[SEEDED]))
        Store(engine).layers.load_seed(seed)
        engine.dispose()

    def _execute(self, statement: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(sa.text(statement))

    def create(self, contents: str = MIGRATED, name: str | None = None) -> str:
        name = name or f"qk_test_{uuid.uuid4().hex[:12]}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.templates[contents]}"')
        return name

    def url(self, name: str) -> str:
        return _database_url(self.admin_url, name)

    def drop(self, name: str) -> None:
        self._dropping.submit(self._execute, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        self._dropping.shutdown(wait=True)
        for name in self.templates.values():
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin.dispose()


def service_unavailable(message: str) -> None:
    """Fail in CI; skip, visibly (pytest -ra lists it), on a developer's machine."""
    if _services_required():
        pytest.fail(message + " (in CI ist das ein Fehler)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def seed():
    return read_seed()


@pytest.fixture(scope="session")
def postgres_databases(seed):
    try:
        databases = PostgresDatabases(POSTGRES_ADMIN_URL, seed)
    except sa.exc.OperationalError as error:
        service_unavailable(
            f"PostgreSQL/PostGIS unter {POSTGRES_ADMIN_URL} nicht erreichbar: {error}"
        )
    yield databases
    databases.close()


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory, seed) -> dict[str, Path]:
    """A migrated and a seeded SQLite file, copied for each test that needs one."""
    folder = tmp_path_factory.mktemp("templates")
    templates = {MIGRATED: folder / "migrated.sqlite3", SEEDED: folder / "seeded.sqlite3"}
    for contents, path in templates.items():
        engine = create_engine_for(f"sqlite:///{path}")
        upgrade(engine)
        if contents == SEEDED:
            Store(engine).layers.load_seed(seed)
        # The last connection closed folds the write-ahead log into the file.
        engine.dispose()
    return templates


@pytest.fixture
def backend(request) -> str:
    """The test's database backend: SQLite, unless the test runs on both (see above)."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def database_url(backend, tmp_path, request):
    contents = _contents(request)
    if backend == "sqlite":
        path = tmp_path / "quartierskarte.sqlite3"
        if contents != EMPTY:
            shutil.copyfile(request.getfixturevalue("sqlite_templates")[contents], path)
        yield f"sqlite:///{path}"
        return
    databases = request.getfixturevalue("postgres_databases")
    name = databases.create(SEEDED if contents == SEEDED else MIGRATED)
    yield databases.url(name)
    databases.drop(name)


@pytest.fixture
def empty_store(database_url):
    """A migrated database without data."""
    engine = create_engine_for(database_url)
    yield Store(engine)
    engine.dispose()


@pytest.fixture
def store(database_url):
    """A migrated database with the seed geodata loaded."""
    engine = create_engine_for(database_url)
    yield Store(engine)
    engine.dispose()


@pytest.fixture
def make_app(database_url, tmp_path):
    """Makes apps on the test's database, with settings of their own: more gunicorn
    workers, another cache size or rate limit. All share one instance folder."""
    made = []

    def make(**settings):
        app = create_app(
            {"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": database_url, **settings}
        )
        app.instance_path = str(tmp_path / "instance")
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["quartierskarte.store"].engine.dispose()


@pytest.fixture
def app(store, make_app):
    """The app on a seeded database."""
    return make_app()


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


@pytest.fixture
def planner(runner) -> str:
    """A planner's account, "lea" with ``tests.factories.PASSWORD``."""
    return create_planner(runner)


@pytest.fixture
def mail_server():
    """A real SMTP server on a free port of 127.0.0.1 (``tests/mail_server.py``)."""
    from tests.mail_server import MailServer

    server = MailServer()
    server.start()
    yield server
    server.inbox.release.set()
    server.stop()


@pytest.fixture(scope="session")
def s3_server():
    """A real S3-compatible server (moto's server mode) on a free port of 127.0.0.1."""
    from tests.s3_server import S3Server

    server = S3Server()
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=["filesystem", "s3"])
def photo_settings(request, tmp_path) -> dict:
    """The app's photo storage settings: a folder of the test, or a bucket of its own on
    the S3 server; the test runs once with each."""
    if request.param == "s3":
        server = request.getfixturevalue("s3_server")
        return server.settings(server.new_bucket())
    return {"PHOTO_STORAGE": "filesystem", "PHOTO_FOLDER": str(tmp_path / "fotos")}
