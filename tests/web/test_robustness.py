"""Ideas under load and under a crash: nothing accepted is lost or stored twice."""

from __future__ import annotations

import http.client
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from app import create_app
from measures.storage import create_engine_for, schema
from tests.factories import idea_feature
from tests.web.gunicorn_server import GunicornServer, request

# Concurrent writers are where SQLite (one writer, WAL) and PostgreSQL differ most.
pytestmark = pytest.mark.both_databases

UNLIMITED = {
    "FLASK_RATELIMIT_IDEAS": "100000 per minute",
    "FLASK_RATELIMIT_API": "100000 per minute",
}


def _seeded(database_url: str) -> None:
    app = create_app({"TESTING": True, "DATABASE_URL": database_url})
    assert app.test_cli_runner().invoke(args=["db", "init"]).exit_code == 0
    app.extensions["quartierskarte.store"].engine.dispose()


def _idea(n: int) -> bytes:
    feature = idea_feature(
        lon=8.470 + (n % 50) * 0.0002,
        lat=50.565,
        title=f"Idee {n}",
        description="Mehr Bänke",
        category="wohnen",
        email=f"person{n}@example.org",
    )
    return json.dumps(feature).encode()


def _stored_ids(database_url: str) -> list[str]:
    engine = create_engine_for(database_url)
    with engine.connect() as connection:
        ids = list(connection.execute(sa.select(schema.ideas.c.id)).scalars())
    engine.dispose()
    return ids


def test_concurrent_submissions_are_each_stored_exactly_once(database_url, tmp_path):
    _seeded(database_url)
    server = GunicornServer(database_url, tmp_path, **UNLIMITED)
    try:
        server.wait_until_every_worker_answers()
        with ThreadPoolExecutor(max_workers=24) as pool:
            answers = list(
                pool.map(lambda n: request(server.base + "/api/ideas", _idea(n)), range(300))
            )
    finally:
        server.stop()
    statuses = [status for status, _ in answers]
    assert all(status < 500 for status in statuses), sorted(set(statuses))
    accepted = [json.loads(text)["id"] for status, text in answers if status == 201]
    assert len(accepted) == 300
    stored = _stored_ids(database_url)
    assert sorted(stored) == sorted(accepted)
    assert len(set(stored)) == len(stored)


def test_a_killed_server_loses_no_acknowledged_idea(database_url, tmp_path, backend):
    _seeded(database_url)
    server = GunicornServer(database_url, tmp_path, **UNLIMITED)
    server.wait_until_every_worker_answers()
    acknowledged: list[str] = []
    stop = threading.Event()

    def submit(offset: int) -> None:
        n = offset
        while not stop.is_set():
            try:
                status, text = request(server.base + "/api/ideas", _idea(n))
            except (OSError, http.client.HTTPException):
                # The server is gone, possibly in the middle of this answer: no 201 seen,
                # so nothing is promised for this idea.
                return
            if status == 201:
                acknowledged.append(json.loads(text)["id"])
            n += 8

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 60 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill()  # in the middle of the stream
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert len(acknowledged) >= 60

    # Restart on the same database: every idea answered with 201 is there.
    again = GunicornServer(database_url, tmp_path, **UNLIMITED)
    try:
        again.wait_until_every_worker_answers()
        status, _ = request(again.base + "/api/ideas", _idea(999_999))
        assert status == 201
    finally:
        again.stop()
    stored = set(_stored_ids(database_url))
    assert set(acknowledged) <= stored
    if backend == "sqlite":
        engine = create_engine_for(database_url)
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        engine.dispose()
