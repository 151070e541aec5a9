"""What the benchmarks share: servers on loopback, load generation, databases, results.

Every server is a child process started here and stopped by its own PID. Load comes
from ``wrk`` when it is installed (``apt-get install wrk``), else from a small Python
client; the report says which.
"""

from __future__ import annotations

import http.client
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa

from measures.storage import Store, create_engine_for, upgrade

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
# pygeoapi lives in its own virtual environment, never in the project's (see baseline.py).
BASELINE_VENV = Path(os.environ.get("BENCH_BASELINE_VENV", BENCH / ".venv-baseline"))
POSTGRES_ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Generous enough for a server that needs seconds per answer (the baselines at 10,000).
HIGH_LIMIT = "100000000 per minute"


# -- results ----------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the table: a figure, ours, the baseline, their ratio, the target."""

    figure: str
    ours: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    met: bool | None = None


@dataclass
class Section:
    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def ratio(ours: float, baseline: float) -> str:
    if not baseline:
        return "–"
    value = ours / baseline
    return f"{value:,.1f}×" if value >= 10 else f"{value:,.2f}×"


def percent(ours: float, baseline: float) -> str:
    return f"{100 * ours / baseline:,.0f} %" if baseline else "–"


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def quantile(values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) by the nearest-rank method."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, int(-(-q * len(ordered) // 1)))
    return ordered[min(rank, len(ordered)) - 1]


def machine() -> dict[str, str]:
    """nproc, CPU model and memory of this machine, from /proc."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    return {
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "memory": memory,
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- servers ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, headers: dict | None = None, data: bytes | None = None, timeout=120):
    """(status, headers, body) of one request; HTTP errors are answers too."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"only loopback: {url}")
    request = urllib.request.Request(url, headers=headers or {}, data=data)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class Server:
    """A server process on 127.0.0.1:``port``; stopped by its PID when the block ends."""

    def __init__(self, name: str, argv: list[str], env: dict, port: int, ready: str = "/"):
        self.name = name
        self.argv = argv
        self.env = env
        self.port = port
        self.ready = ready
        self.base = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None
        self.log_path = Path(tempfile.gettempdir()) / f"bench-{name}-{port}.log"

    def __enter__(self) -> Server:
        self.log_file = self.log_path.open("wb")
        self.process = subprocess.Popen(  # noqa: S603
            self.argv, cwd=ROOT, env=self.env, stdout=self.log_file, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 120
        while True:
            if self.process.poll() is not None:
                self._stop(keep_log=True)
                raise RuntimeError(f"{self.name} startete nicht:\n{self.log_path.read_text()}")
            try:
                status, _headers, _body = fetch(self.base + self.ready, timeout=60)
                if status < 500:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self._stop(keep_log=True)
                raise RuntimeError(f"{self.name} antwortete nicht in 120 s (Log: {self.log_path})")
            time.sleep(0.2)
        return self

    def __exit__(self, *exc) -> None:
        self._stop(keep_log=exc[0] is not None)

    def _stop(self, keep_log: bool) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()
        # The server's log is kept only when something went wrong.
        if not keep_log:
            self.log_path.unlink(missing_ok=True)


def gunicorn(
    name: str,
    python: str | Path,
    app_spec: str,
    env: dict,
    workers: int = 2,
    ready: str = "/",
    port: int | None = None,
    config: str | None = None,
) -> Server:
    """``workers`` sync gunicorn workers: the same settings for ours and the baselines.

    gunicorn reads ``./gunicorn.conf.py`` by itself; ``config`` names another file (a
    baseline in its own environment cannot load our log filter, which that file names).
    """
    port = port or free_port()
    argv = [
        str(python),
        "-m",
        "gunicorn",
        *(["--config", config] if config else []),
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "300",
        "--log-level",
        "warning",
        app_spec,
    ]
    return Server(name, argv, {**os.environ, **env}, port, ready)


def app_env(database_url: str, **settings: str) -> dict:
    """The environment of our app under gunicorn, limits raised for the benchmark."""
    return {
        "DATABASE_URL": database_url,
        "SECRET_KEY": uuid.uuid4().hex,
        "FLASK_RATELIMIT_STORAGE_URI": REDIS_URL,
        "FLASK_RATELIMIT_KEY_PREFIX": f"bench-{uuid.uuid4().hex}",
        "FLASK_RATELIMIT_API": HIGH_LIMIT,
        "FLASK_RATELIMIT_OGC": HIGH_LIMIT,
        "FLASK_RATELIMIT_IDEAS": HIGH_LIMIT,
        **settings,
    }


def our_app(name: str, database_url: str, **settings: str) -> Server:
    """Our app under gunicorn on ``database_url``, ready once it answers the layer list."""
    port = free_port()
    return gunicorn(
        name,
        sys.executable,
        "app.wsgi:application",
        app_env(database_url, FLASK_PUBLIC_URL=f"http://127.0.0.1:{port}", **settings),
        ready="/api/layers",
        port=port,
    )


def launch_chromium(playwright):
    """The system's headless Chromium with the flags every benchmark uses."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)


# -- load -------------------------------------------------------------------------------

# Four connections keep both sync workers busy while one of them reconnects; wrk uses
# one thread, so that the load generator takes at most one of the two cores.
CONNECTIONS = 4
# Below this rate a timed wrk run would leave too large a share of requests unfinished at
# its end; such servers get a fixed number of requests instead (see measure()).
SLOW_RPS = 30.0


@dataclass(frozen=True)
class Load:
    """Requests per second and latency of one run of the load generator."""

    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    client: str


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


_WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _wrk_ms(text: str) -> float:
    match = re.fullmatch(r"([0-9.]+)([a-z]+)", text)
    return float(match.group(1)) * _WRK_UNITS[match.group(2)] if match else float("nan")


def _lua_paths(paths: Sequence[str], directory: Path) -> Path:
    """A wrk script that asks for ``paths`` in turn (the same order for every server)."""
    script = directory / f"paths-{uuid.uuid4().hex[:8]}.lua"
    quoted = ",\n".join(f'  "{p}"' for p in paths)
    script.write_text(
        f"paths = {{\n{quoted}\n}}\n"
        "i = 0\n"
        "request = function()\n"
        "  i = i % #paths + 1\n"
        '  return wrk.format("GET", paths[i])\n'
        "end\n"
    )
    return script


def run_wrk(base: str, paths: Sequence[str], seconds: float) -> Load:
    """wrk for ``seconds``: requests per second counts the requests finished in time."""
    argv = [
        "wrk",
        "--threads",
        "1",
        "--connections",
        str(CONNECTIONS),
        "--duration",
        f"{seconds:g}s",
        "--timeout",
        "60s",
        "--latency",
    ]
    script = None
    if len(paths) > 1:
        script = _lua_paths(paths, Path(tempfile.gettempdir()))
        argv += ["--script", str(script)]
    argv.append(base + paths[0])
    try:
        out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout  # noqa: S603
    finally:
        if script is not None:
            script.unlink()
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))
    requests = int(re.search(r"([0-9]+) requests in", out).group(1))
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.MULTILINE))
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses: ([0-9]+)", out)
    if non_2xx:
        errors += int(non_2xx.group(1))
    sockets = re.search(r"Socket errors: connect (\d+), read \d+, write \d+, timeout (\d+)", out)
    if sockets:
        errors += int(sockets.group(1)) + int(sockets.group(2))
    return Load(
        rps,
        _wrk_ms(latency.get("50", "")),
        _wrk_ms(latency.get("99", "")),
        requests,
        errors,
        "wrk",
    )


def run_in_threads(worker: Callable[[], None], count: int) -> float:
    """Runs ``worker`` in ``count`` threads at once; the seconds until the last one ended."""
    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def run_python_client(
    base: str, paths: Sequence[str], seconds: float | None = None, count: int | None = None
) -> Load:
    """``CONNECTIONS`` threads, one request after the other on a new connection each.

    With ``count`` every request is finished and timed (requests per second = count /
    elapsed), which is exact however slow the server; with ``seconds`` it runs that long.
    """
    parts = urlsplit(base)
    latencies: list[float] = []
    errors = [0]
    issued = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + (seconds or 0)

    def next_path() -> str | None:
        with lock:
            if count is not None and issued[0] >= count:
                return None
            if count is None and time.perf_counter() >= stop_at:
                return None
            issued[0] += 1
            return paths[(issued[0] - 1) % len(paths)]

    def worker() -> None:
        while (path := next_path()) is not None:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
            started = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                ok = response.status < 400
            except OSError:
                ok = False
            finally:
                connection.close()
            with lock:
                if ok:
                    latencies.append((time.perf_counter() - started) * 1000)
                else:
                    errors[0] += 1

    elapsed = run_in_threads(worker, CONNECTIONS)
    return Load(
        len(latencies) / elapsed,
        quantile(latencies, 0.5),
        quantile(latencies, 0.99),
        len(latencies),
        errors[0],
        "python",
    )


def pilot(base: str, paths: Sequence[str]) -> float:
    """Requests per second in a short wrk run (0 without wrk), to choose how to measure.

    It takes the paths from the end, so that a cache cannot answer a run with what the
    pilot asked for.
    """
    return run_wrk(base, list(reversed(paths)), 2).requests_per_s if have_wrk() else 0.0


def measure(
    base: str,
    paths: Sequence[str],
    seconds: float,
    pilot_rps: float,
    fixed_count: bool | None = None,
) -> Load:
    """One run against ``base``: wrk for fast servers, a fixed count for slow ones.

    A timed run counts only requests finished before its end, which understates a
    server that needs seconds per answer by up to half the connections' worth of
    requests. So the pilot decides (unless ``fixed_count`` does): at SLOW_RPS or more,
    wrk for ``seconds``; below, about ``seconds`` worth of requests (10 to 60), all of
    them finished and timed.
    """
    if not have_wrk():
        return run_python_client(base, paths, seconds=seconds)
    if fixed_count is None:
        fixed_count = pilot_rps < SLOW_RPS
    if not fixed_count:
        return run_wrk(base, paths, seconds)
    count = max(10, min(60, round(pilot_rps * seconds)))
    return run_python_client(base, paths, count=count)


# -- databases --------------------------------------------------------------------------


def database_url(name: str) -> str:
    return sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(False)


class PostgresDatabase:
    """A fresh PostgreSQL database for one benchmark, dropped (WITH FORCE) afterwards."""

    def __init__(self, label: str):
        self.name = f"qk_bench_{label}_{uuid.uuid4().hex[:8]}"
        self.url = database_url(self.name)

    def __enter__(self) -> PostgresDatabase:
        with _admin() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{self.name}"'))
        return self

    def __exit__(self, *exc) -> None:
        with _admin() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))


class _admin:
    def __enter__(self):
        self.engine = create_engine_for(POSTGRES_ADMIN_URL).execution_options(
            isolation_level="AUTOCOMMIT"
        )
        self.connection = self.engine.connect()
        return self.connection

    def __exit__(self, *exc):
        self.connection.close()
        self.engine.dispose()


def postgres_available() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        with _admin() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as error:
        return f"PostgreSQL unter {POSTGRES_ADMIN_URL} nicht erreichbar: {error}"
    return None


def seeded_store(url: str) -> Store:
    """A migrated database with the seed geodata loaded (as ``make run`` does)."""
    from measures.domain.seed import read_seed

    engine = create_engine_for(url)
    upgrade(engine)
    store = Store(engine)
    store.layers.load_seed(read_seed())
    return store
