"""Target 3: sustained idea intake, ``POST /api/ideas`` with two gunicorn workers.

On SQLite and on PostgreSQL, each with the seed geodata (the geofence needs the
Quartier). Four client threads post valid ideas (title, description, category, a point
inside the Quartier, name, e-mail, consent), each with a title of its own, on a new
connection each; the rate limit for ideas is raised (``FLASK_RATELIMIT_IDEAS``). Only
answers 201 count as accepted. Afterwards the database is counted: every accepted id
must be stored exactly once, with its contact data and its first history entry, and
nothing else may have been stored.

Baseline: a bare Flask app under the same gunicorn settings that writes each posted body
as one row into the same database (``bench.ceiling:intake_app``): the cost of one
INSERT per request without validation, geofence, rate limit, contact data or history.
"""

from __future__ import annotations

import http.client
import json
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from bench import ceiling, data
from bench.common import (
    PostgresDatabase,
    Row,
    Section,
    gunicorn,
    log,
    median,
    our_app,
    quantile,
    run_in_threads,
    seeded_store,
)
from measures.domain.vocabulary import CATEGORIES
from measures.storage import schema

ROUNDS = 3
SECONDS = 5.0
THREADS = 4


def _bodies(run: str, points: list[tuple[float, float]]):
    categories = list(CATEGORIES)
    number = 0
    while True:
        lon, lat = points[number % len(points)]
        yield json.dumps(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "title": f"Bench {run} {number}",
                    "description": "Eine Bank am Spielplatz wäre schön, mit Schatten.",
                    "category": categories[number % len(categories)],
                    "author_name": "Bench",
                    "email": f"bench{number}@example.org",
                    "consent": True,
                },
            }
        ).encode()
        number += 1


class Poster:
    """Posts ideas from THREADS threads for a while; keeps what the server answered."""

    def __init__(self, base: str, path: str, run: str):
        self.host, port = base.removeprefix("http://").split(":")
        self.port = int(port)
        self.path = path
        self.bodies = _bodies(run, data.quartier_points(500, seed=3))
        self.lock = threading.Lock()
        self.accepted: list[str] = []
        self.refused: dict[int, int] = {}
        self.latencies: list[float] = []

    def _post(self) -> None:
        with self.lock:
            body = next(self.bodies)
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        started = time.perf_counter()
        try:
            connection.request("POST", self.path, body, {"Content-Type": "application/geo+json"})
            response = connection.getresponse()
            answer = response.read()
            status = response.status
        except OSError:
            status, answer = 0, b""
        finally:
            connection.close()
        with self.lock:
            if status == 201:
                self.accepted.append(json.loads(answer)["id"])
                self.latencies.append((time.perf_counter() - started) * 1000)
            else:
                self.refused[status] = self.refused.get(status, 0) + 1

    def run(self, seconds: float) -> float:
        """Accepted ideas per second over ``seconds``."""
        before = len(self.accepted)
        stop_at = time.perf_counter() + seconds

        def worker() -> None:
            while time.perf_counter() < stop_at:
                self._post()

        elapsed = run_in_threads(worker, THREADS)
        return (len(self.accepted) - before) / elapsed


def _count(store, run: str, accepted: list[str]) -> tuple[bool, str]:
    """Whether every accepted idea is stored exactly once, and the counts that show it."""
    ideas, contacts, events = schema.ideas, schema.idea_contacts, schema.idea_events
    mine = ideas.c.title.like(f"Bench {run} %")
    with store.engine.connect() as connection:
        rows = connection.execute(sa.select(ideas.c.id, ideas.c.title).where(mine)).all()
        contact_count = connection.execute(
            sa.select(sa.func.count())
            .select_from(contacts.join(ideas, contacts.c.idea_id == ideas.c.id))
            .where(mine)
        ).scalar()
        event_count = connection.execute(
            sa.select(sa.func.count())
            .select_from(events.join(ideas, events.c.idea_id == ideas.c.id))
            .where(mine, events.c.action == "submitted")
        ).scalar()
    stored_ids = [r.id for r in rows]
    titles = [r.title for r in rows]
    ok = (
        len(stored_ids) == len(accepted)
        and set(stored_ids) == set(accepted)
        and len(set(titles)) == len(titles)
        and len(set(accepted)) == len(accepted)
        and contact_count == event_count == len(accepted)
    )
    text = (
        f"{len(accepted):,} accepted, {len(stored_ids):,} stored "
        f"({len(set(titles)):,} distinct), {contact_count:,} contacts, "
        f"{event_count:,} 'submitted' events"
    )
    return ok, text


def _one_backend(label: str, url: str, section: Section) -> None:
    store = seeded_store(url)
    ceiling.create_intake_table(url)
    run = uuid.uuid4().hex[:8]
    ours_rps, ceiling_rps = [], []
    with (
        our_app("ours-intake", url) as ours,
        gunicorn(
            "ceiling-intake",
            sys.executable,
            "bench.ceiling:intake_app()",
            {"BENCH_CEILING_DATABASE": url},
        ) as bare,
    ):
        poster = Poster(ours.base, "/api/ideas", run)
        bare_poster = Poster(bare.base, "/ideas", run)
        poster.run(1)  # warm-up (counted in the check below, not in the figure)
        bare_poster.run(1)
        for number in range(ROUNDS):
            ours_rps.append(poster.run(SECONDS))
            ceiling_rps.append(bare_poster.run(SECONDS))
            log(
                f"  {label} Runde {number + 1}: ours {ours_rps[-1]:.0f}/s, "
                f"ceiling {ceiling_rps[-1]:.0f}/s, refused {poster.refused}"
            )
    ok, counts = _count(store, run, poster.accepted)
    store.engine.dispose()
    ratios = [a / b for a, b in zip(ours_rps, ceiling_rps, strict=True)]
    section.rows += [
        Row(
            f"accepted POST /api/ideas per second, {label}, vs bare Flask with one INSERT",
            f"{median(ours_rps):,.0f}/s",
            f"{median(ceiling_rps):,.0f}/s",
            f"{100 * median(ratios):.0f} %",
            "(info)",
        ),
        Row(
            f"every accepted idea stored exactly once, {label}",
            "yes" if ok and not poster.refused else "NO",
            "",
            "",
            "exactly once",
            ok and not poster.refused,
        ),
    ]
    section.notes.append(
        f"Intake {label}: {counts}; refused: {poster.refused or 'none'}; p50 "
        f"{quantile(poster.latencies, 0.5):.0f} ms, p99 {quantile(poster.latencies, 0.99):.0f} ms."
    )


def run(postgres: bool = True) -> Section:
    section = Section(
        f"3. Idea intake, 2 workers, {THREADS} clients (median of {ROUNDS} runs of {SECONDS:g} s)"
    )
    with tempfile.TemporaryDirectory() as directory:
        log("Ideen-Eingang: SQLite")
        _one_backend("SQLite", f"sqlite:///{Path(directory) / 'intake.sqlite3'}", section)
    if postgres:
        with PostgresDatabase("intake") as db:
            log("Ideen-Eingang: PostgreSQL")
            _one_backend("PostgreSQL", db.url, section)
    return section


if __name__ == "__main__":
    from bench.report import print_sections

    print_sections([run()])
