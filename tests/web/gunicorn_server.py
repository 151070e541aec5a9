"""Start the app under gunicorn for tests, as `make serve` does in production."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url: str, body: bytes | None = None, content_type: str = "application/json"):
    """(status, text) of one request on a fresh connection; raises OSError when refused."""
    headers = {"Connection": "close"}
    if body is not None:
        headers["Content-Type"] = content_type
    call = urllib.request.Request(url, data=body, headers=headers)
    try:
        with urllib.request.urlopen(call, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def read_log(access_log: Path) -> list[list[str]]:
    """Lines of the access log (gunicorn.conf.py): worker pid, status, path."""
    if not access_log.exists():
        return []
    return [line.split()[:3] for line in access_log.read_text().splitlines()]


class GunicornServer:
    """gunicorn with N workers in its own process group, so a test can kill all of it."""

    def __init__(self, database_url: str, directory: Path, workers: int = 2, **settings: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.access_log = directory / f"access-{uuid.uuid4().hex[:6]}.log"
        self.workers = workers
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-" + uuid.uuid4().hex,
            "FLASK_PUBLIC_URL": self.base,
            **settings,
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--config",
                "gunicorn.conf.py",
                "--access-logfile",
                str(self.access_log),
                "app.wsgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )

    def wait_until_every_worker_answers(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while (
            len({pid for pid, _s, path in read_log(self.access_log) if path == "/"}) < self.workers
        ):
            if self.process.poll() is not None or time.monotonic() > deadline:
                if self.process.poll() is None:
                    os.killpg(self.process.pid, signal.SIGKILL)
                message = self.process.stderr.read().decode()[-2000:]
                self.process.stderr.close()
                raise RuntimeError("gunicorn startete nicht: " + message)
            with ThreadPoolExecutor(max_workers=4) as pool:
                list(pool.map(self._probe, range(4)))
            time.sleep(0.2)

    def _probe(self, _index: int) -> None:
        try:
            request(self.base + "/")
        except OSError:
            pass

    def stop(self) -> str:
        """Shut down; gunicorn's error log (its stderr) of the whole run."""
        if self.process.poll() is None:
            self.process.terminate()
        _, errors = self.process.communicate(timeout=30)
        return errors.decode()

    def kill(self) -> None:
        """SIGKILL to master and workers at once: a crash, not a shutdown."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self.process.stderr.close()
