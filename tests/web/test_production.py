"""Production serving: several gunicorn workers share rate limits through Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis

from app import create_app
from tests.conftest import service_unavailable
from tests.web.gunicorn_server import GunicornServer, read_log, request

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def redis_url():
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        service_unavailable(f"Redis unter {REDIS_URL} nicht erreichbar: {error}")
    yield REDIS_URL
    client.close()


@pytest.fixture
def gunicorn(tmp_path, redis_url):
    """Two gunicorn workers on a seeded SQLite file, rate limits in Redis."""
    database_url = f"sqlite:///{tmp_path / 'prod.sqlite3'}"
    setup = create_app({"TESTING": True, "DATABASE_URL": database_url})
    assert setup.test_cli_runner().invoke(args=["db", "init"]).exit_code == 0
    setup.extensions["quartierskarte.store"].engine.dispose()
    server = GunicornServer(
        database_url,
        tmp_path,
        FLASK_RATELIMIT_STORAGE_URI=redis_url,
        FLASK_RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
        FLASK_RATELIMIT_API="10 per minute",
    )
    server.wait_until_every_worker_answers()
    yield server.base, server.access_log
    server.stop()


def _get(url: str) -> tuple[int, str]:
    return request(url)


def _log(access_log):
    return read_log(access_log)


def test_two_workers_share_one_rate_limit(gunicorn):
    base, access_log = gunicorn
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: _get(base + "/api/layers/measures"), range(40)))
    statuses = Counter(status for status, _ in results)
    assert statuses == {200: 10, 429: 30}
    refused = next(body for status, body in results if status == 429)
    assert '"code":"too_many_requests"' in refused
    time.sleep(0.5)  # let gunicorn flush its access log
    api_lines = [line for line in _log(access_log) if line[2] == "/api/layers/measures"]
    assert len(api_lines) == 40
    # Both workers answered, yet only 10 requests passed in all: with counters per process
    # each worker would have let up to 10 through.
    assert len({pid for pid, _status, _path in api_lines}) == 2


def test_server_logs_hold_no_addresses(gunicorn):
    base, access_log = gunicorn
    _get(base + "/ideen?email=jemand@example.org")
    time.sleep(0.5)
    text = access_log.read_text()
    assert "/ideen" in text
    assert "127.0.0.1" not in text and "example.org" not in text


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("SECRET_KEY", "SECRET_KEY ist nicht gesetzt"),
        # Links would otherwise take the host a client names (tests/web/test_public_url.py).
        ("FLASK_PUBLIC_URL", "FLASK_PUBLIC_URL ist nicht gesetzt"),
    ],
)
def test_production_entry_point_refuses_to_start_unconfigured(tmp_path, missing, message):
    unset = ("SECRET_KEY", "FLASK_SECRET_KEY", "FLASK_PUBLIC_URL")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    env["SECRET_KEY"] = "a-long-random-value-for-this-test"
    env["FLASK_PUBLIC_URL"] = "https://karte.example.org"
    del env[missing]
    result = subprocess.run(
        [sys.executable, "-c", "import app.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert message in result.stderr
