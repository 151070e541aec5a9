"""An outage of Redis, the rate-limit storage, stops nobody (gunicorn with two workers).

The test starts a Redis server of its own, never the shared one, and kills it while the
map is read and ideas come in: reading goes on, ideas are accepted under each worker's
own limit in memory, a warning is in the log; once the server is back, both workers
count in Redis again. No accepted idea is lost on the way.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from measures.domain.vocabulary import MODERATION_STATES
from tests.conftest import service_unavailable
from tests.factories import idea_feature
from tests.web.gunicorn_server import GunicornServer, free_port, read_log, request

IDEAS_PER_MINUTE = 3
WORKERS = 2


class RedisServer:
    """A redis-server on a port of its own, without persistence: killed, it starts empty."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.client = redis.Redis(port=self.port, socket_timeout=5)
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port)]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                self.client.ping()
                return
            except redis.exceptions.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("redis-server startete nicht") from None
                time.sleep(0.05)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)

    def counted(self, prefix: str) -> int:
        """The sum of every rate-limit counter under ``prefix``."""
        return sum(int(self.client.get(key) or 0) for key in self.client.scan_iter(f"*{prefix}*"))


@pytest.fixture
def own_redis():
    if shutil.which("redis-server") is None:
        service_unavailable("redis-server ist nicht installiert (apt-get install redis-server)")
    server = RedisServer()
    server.start()
    yield server
    server.kill()
    server.client.close()


def _submit_ideas(base: str, count: int) -> Counter:
    """Statuses of ``count`` idea submissions sent at once."""

    def submit(index: int) -> int:
        body = json.dumps(idea_feature(title=f"Sitzbank {index}")).encode()
        return request(base + "/api/ideas", body)[0]

    with ThreadPoolExecutor(max_workers=count) as pool:
        return Counter(pool.map(submit, range(count)))


def _read_map(base: str) -> None:
    """The map page and its data, several times at once so that both workers answer."""
    paths = ["/", "/api/layers/measures", "/api/layers/locations"] * 4
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda path: (path, *request(base + path)), paths))
    for path, status, text in answers:
        assert status == 200, (path, status, text[:300])
        if path.startswith("/api/"):
            assert json.loads(text)["features"], path


def _wait_until_both_workers_count_in_redis(base, access_log, redis_server, prefix) -> None:
    """Read until a batch of requests, answered by both workers, is all counted in Redis.

    Each worker tries the storage again after 1, 2, 4 … seconds, at its next limited
    request; until then it counts in memory, and its requests are missing in Redis.
    """
    batch = 8
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        before, lines_before = redis_server.counted(prefix), len(read_log(access_log))
        with ThreadPoolExecutor(max_workers=batch) as pool:
            statuses = set(
                pool.map(lambda _: request(base + "/api/layers/measures")[0], range(batch))
            )
        assert statuses == {200}
        time.sleep(0.3)  # gunicorn writes the access log after the answer
        workers = {pid for pid, _status, _path in read_log(access_log)[lines_before:]}
        if redis_server.counted(prefix) - before == batch and len(workers) == WORKERS:
            return
        time.sleep(0.5)
    raise AssertionError("Die Worker zählen nicht wieder in Redis.")


@pytest.mark.both_databases
def test_reading_and_writing_go_on_while_redis_is_down(store, database_url, tmp_path, own_redis):
    ideas_before = store.ideas.count(tuple(MODERATION_STATES))
    prefix = f"outage-{uuid.uuid4().hex}"
    server = GunicornServer(
        database_url,
        tmp_path,
        workers=WORKERS,
        FLASK_RATELIMIT_STORAGE_URI=own_redis.url,
        FLASK_RATELIMIT_KEY_PREFIX=prefix,
        FLASK_RATELIMIT_IDEAS=f"{IDEAS_PER_MINUTE} per minute",
    )
    try:
        server.wait_until_every_worker_answers()
        accepted = 0

        # Redis up: one limit for both workers.
        statuses = _submit_ideas(server.base, 5)
        assert statuses == {201: IDEAS_PER_MINUTE, 429: 5 - IDEAS_PER_MINUTE}
        accepted += statuses[201]
        assert own_redis.counted(prefix) > 0

        # Redis down: the map is read as before; each worker limits ideas in its memory.
        own_redis.kill()
        _read_map(server.base)
        statuses = _submit_ideas(server.base, 12)
        assert set(statuses) <= {201, 429}, statuses
        assert IDEAS_PER_MINUTE <= statuses[201] <= WORKERS * IDEAS_PER_MINUTE, statuses
        accepted += statuses[201]
        _read_map(server.base)

        # Redis back (empty): both workers count there again, one limit for both.
        own_redis.start()
        _wait_until_both_workers_count_in_redis(server.base, server.access_log, own_redis, prefix)
        statuses = _submit_ideas(server.base, 6)
        assert statuses == {201: IDEAS_PER_MINUTE, 429: 6 - IDEAS_PER_MINUTE}
        accepted += statuses[201]
        _read_map(server.base)
    finally:
        # gunicorn's own log (stderr) is complete once it has ended.
        if server.process.poll() is None:
            server.process.terminate()
            server.process.wait(timeout=30)
        error_log = server.process.stderr.read().decode()
        server.stop()

    assert "Rate limit storage unreachable" in error_log
    assert "Unerwarteter Fehler" not in error_log
    assert store.ideas.count(tuple(MODERATION_STATES)) == ideas_before + accepted
