"""Mixed load: two gunicorn workers serve the map's reads while ideas arrive and a planner
approves them.

On PostgreSQL with ``COUNT`` approved ideas. Reads are what the residents' map asks
for: the overview's points (``/api/layers/ideas/points``) and, three times as often, the
ideas at a pin when its popup opens (``/api/layers/ideas?bbox=`` with a box of a few
metres at random places); ``wrk`` asks as fast as the workers answer (one thread, four
connections; without wrk, a Python client). Beside it, open-loop writers from this
process: residents post ``INTAKE_PER_S`` new ideas a second (``POST /api/ideas``) and a
planner, logged in, approves ``APPROVALS_PER_S`` of those that arrived
(``POST /planung/ideen/<id>/freigeben``), each at its scheduled time whatever the
answers before took, so that a slow server gets the same writes as a fast one.

Baseline, in the same run against the same server: the reads alone, without writes.
Errors are counted: any read that is not 2xx/3xx or fails, any post that is not 201, any
approval that is not 302.
"""

from __future__ import annotations

import http.client
import json
import random
import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

from bench import data
from bench.common import (
    Load,
    PostgresDatabase,
    Row,
    Section,
    have_wrk,
    log,
    median,
    our_app,
    quantile,
    run_python_client,
    run_wrk,
    seeded_store,
)
from measures.domain.seed import read_seed
from measures.domain.vocabulary import CATEGORIES

COUNT = 10_000
INTAKE_PER_S = 20
APPROVALS_PER_S = 5
SECONDS = 20.0
# Writes in flight at most: far more than the rates need while answers are quick.
WRITER_THREADS = 64
ALONE_SECONDS = 10.0
PLANNER = "bench"
# A popup's box: the rounding step of the points (5 decimals) around a spot.
POPUP_DEGREES = 0.00001


def read_paths(count: int = 300, seed: int = 21) -> list[str]:
    """The map's reads: the points, then three popups, again and again."""
    minx, miny, maxx, maxy = read_seed().quartier.geometry.bounds
    rng = random.Random(seed)  # noqa: S311 - the same boxes in every run
    paths = []
    for number in range(count):
        if number % 4 == 0:
            paths.append("/api/layers/ideas/points")
            continue
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        half = POPUP_DEGREES / 2
        box = f"{x - half:.6f},{y - half:.6f},{x + half:.6f},{y + half:.6f}"
        paths.append(f"/api/layers/ideas?bbox={box}")
    return paths


def _reads(base: str, seconds: float) -> Load:
    paths = read_paths()
    if have_wrk():
        return run_wrk(base, paths, seconds)
    return run_python_client(base, paths, seconds=seconds)


def _create_planner(url: str, password: str) -> None:
    """A planner's account, made on the command line as the README tells operators to."""
    from app import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": uuid.uuid4().hex})
    result = app.test_cli_runner().invoke(
        args=["planner", "create", PLANNER, "--password-stdin"], input=password + "\n"
    )
    if result.exit_code != 0:
        raise RuntimeError(f"Planer nicht angelegt: {result.output}")


def _csrf(session: requests.Session, url: str) -> str:
    html = session.get(url, timeout=60).text
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


class Writers:
    """Posts ideas and approves them at fixed rates; keeps latencies and errors."""

    def __init__(self, base: str, password: str):
        self.base = base
        self.run = uuid.uuid4().hex[:8]
        self.points = data.quartier_points(500, seed=5)
        self.lock = threading.Lock()
        self.pending: list[str] = []
        self.approved: list[str] = []
        self.post_ms: list[float] = []
        self.approve_ms: list[float] = []
        self.errors: dict[str, int] = {}
        self.session = requests.Session()
        self.session.post(
            f"{base}/planung/anmelden",
            data={
                "username": PLANNER,
                "password": password,
                "csrf_token": _csrf(self.session, f"{base}/planung/anmelden"),
            },
            allow_redirects=False,
            timeout=60,
        ).raise_for_status()
        self.token = _csrf(self.session, f"{base}/planung/")
        self.cookies = self.session.cookies.get_dict()

    def _error(self, what: str) -> None:
        with self.lock:
            self.errors[what] = self.errors.get(what, 0) + 1

    def post_idea(self, number: int, scheduled: float | None = None) -> None:
        lon, lat = self.points[number % len(self.points)]
        categories = list(CATEGORIES)
        body = json.dumps(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "title": f"Mixed {self.run} {number}",
                    "description": "Eine Bank am Spielplatz wäre schön, mit Schatten.",
                    "category": categories[number % len(categories)],
                    "author_name": "Bench",
                    "email": f"mixed{number}@example.org",
                    "consent": True,
                },
            }
        )
        host, port = self.base.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=120)
        # From the time it was due: a post that waited for a free thread waited for the
        # server too (open loop; no coordinated omission).
        started = scheduled or time.perf_counter()
        try:
            connection.request(
                "POST", "/api/ideas", body.encode(), {"Content-Type": "application/geo+json"}
            )
            response = connection.getresponse()
            answer = response.read()
            status = response.status
        except OSError:
            status, answer = 0, b""
        finally:
            connection.close()
        elapsed = (time.perf_counter() - started) * 1000
        if status != 201:
            self._error(f"POST /api/ideas {status}")
            return
        with self.lock:
            self.post_ms.append(elapsed)
            self.pending.append(json.loads(answer)["id"])

    def approve_one(self, scheduled: float | None = None) -> None:
        with self.lock:
            idea_id = self.pending.pop(0) if self.pending else None
        if idea_id is None:
            self._error("nothing to approve")
            return
        started = scheduled or time.perf_counter()
        try:
            response = requests.post(
                f"{self.base}/planung/ideen/{idea_id}/freigeben",
                data={"csrf_token": self.token},
                cookies=self.cookies,
                allow_redirects=False,
                timeout=120,
            )
            status = response.status_code
        except requests.RequestException:
            status = 0
        elapsed = (time.perf_counter() - started) * 1000
        if status != 302:
            self._error(f"approve {status}")
            return
        with self.lock:
            self.approve_ms.append(elapsed)
            self.approved.append(idea_id)

    def schedule(self, seconds: float, stop: threading.Event) -> None:
        """Posts and approvals at their rates for ``seconds`` (or until ``stop``)."""
        posts = [(n / INTAKE_PER_S, "post", n) for n in range(int(seconds * INTAKE_PER_S))]
        approvals = [
            (n / APPROVALS_PER_S + 0.1, "approve", n) for n in range(int(seconds * APPROVALS_PER_S))
        ]
        events = sorted(posts + approvals)
        with ThreadPoolExecutor(WRITER_THREADS) as pool:
            started = time.perf_counter()
            for at, kind, number in events:
                delay = started + at - time.perf_counter()
                if delay > 0 and stop.wait(delay):
                    break
                if kind == "post":
                    pool.submit(self.post_idea, number, started + at)
                else:
                    pool.submit(self.approve_one, started + at)

    def prepare(self, number: int) -> None:
        """``number`` ideas waiting before the run, so that the first approval finds one;
        their posts are not counted."""
        for n in range(number):
            self.post_idea(-1 - n)
        self.post_ms.clear()


def run(count: int = COUNT) -> Section:
    section = Section(
        f"6. Mixed load, {count:,} ideas, 2 workers, PostgreSQL: map reads while "
        f"{INTAKE_PER_S} ideas/s arrive and a planner approves {APPROVALS_PER_S}/s"
    )
    password = uuid.uuid4().hex
    with PostgresDatabase("mixed") as db:
        log(f"Gemischte Last: {count:,} Ideen")
        store = seeded_store(db.url)
        data.insert_ideas(store, count)
        _create_planner(db.url, password)
        with our_app("ours-mixed", db.url) as ours:
            # Warm up both workers' caches, as on a site that has been running.
            with ThreadPoolExecutor(4) as pool:
                list(pool.map(lambda path: _reads_once(ours.base, path), read_paths(16)))
            alone = _reads(ours.base, ALONE_SECONDS)
            log(f"  nur lesen: {alone}")
            writers = Writers(ours.base, password)
            writers.prepare(APPROVALS_PER_S * 2)
            stop = threading.Event()
            thread = threading.Thread(target=writers.schedule, args=(SECONDS, stop))
            thread.start()
            try:
                mixed = _reads(ours.base, SECONDS)
            finally:
                thread.join()
            log(f"  gemischt: {mixed}; Fehler beim Schreiben: {writers.errors or 'keine'}")
            approved = data.count_ideas(store)
        store.engine.dispose()

    write_errors = sum(writers.errors.values())
    errors = mixed.errors + write_errors
    section.rows += [
        Row(
            "map reads (points and popups), p99, vs the same reads without writes",
            f"{mixed.p99_ms:,.0f} ms",
            f"{alone.p99_ms:,.0f} ms",
            f"{mixed.p99_ms / alone.p99_ms:.1f}× as long",
            "(info)",
        ),
        Row(
            "map reads, requests/s, vs the same reads without writes",
            f"{mixed.requests_per_s:,.0f}/s",
            f"{alone.requests_per_s:,.0f}/s",
            f"{100 * mixed.requests_per_s / alone.requests_per_s:.0f} %",
            "(info)",
        ),
        Row(
            f"POST /api/ideas ({INTAKE_PER_S}/s), p99",
            f"{quantile(writers.post_ms, 0.99):,.0f} ms",
            "",
            "",
            "(info)",
        ),
        Row(
            f"planner approves ({APPROVALS_PER_S}/s), p99",
            f"{quantile(writers.approve_ms, 0.99):,.0f} ms",
            "",
            "",
            "(info)",
        ),
        Row("errors (reads, posts, approvals)", f"{errors:,}", "", "", "0", errors == 0),
    ]
    section.notes.append(
        f"Mixed load: {SECONDS:g} s; reads {mixed.requests:,} (p50 {mixed.p50_ms:,.0f} ms; "
        f"alone, {ALONE_SECONDS:g} s: {alone.requests:,}, p50 {alone.p50_ms:,.0f} ms) from "
        f"{mixed.client}, read errors {mixed.errors}; {len(writers.post_ms):,} ideas posted "
        f"(p50 {median(writers.post_ms):,.0f} ms), {len(writers.approved):,} approved (p50 "
        f"{median(writers.approve_ms):,.0f} ms); write errors: "
        f"{', '.join(f'{k}: {v}' for k, v in writers.errors.items()) or 'none'}; "
        f"{approved:,} ideas in the database afterwards."
    )
    return section


def _reads_once(base: str, path: str) -> None:
    from bench.common import fetch

    status, _headers, body = fetch(base + path)
    if status != 200:
        raise RuntimeError(f"{path}: HTTP {status}: {body[:200]!r}")


if __name__ == "__main__":
    import sys

    from bench.report import print_sections

    print_sections([run(int(sys.argv[1]) if len(sys.argv) > 1 else COUNT)])
