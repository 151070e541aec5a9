"""The planners' statistics page at 100,000 ideas (issue 17).

PostgreSQL with ``COUNT`` approved ideas, the benchmark's own (``bench/data.py``, loaded
with COPY in seconds); our app under gunicorn with two sync workers, a planner logged in
through the login form. Each round asks, one request after the other from one client:

- ``/planung/statistik/``: every figure of the Quartier (seven queries: counts per
  Handlungsfeld, month and state, the median time to a decision, the supports ranking,
  the ideas within 150 m of each measure, the grid), drawn as tables and SVG;
- the same page filtered to one Handlungsfeld and a year;
- the grid's CSV (``/planung/statistik/raster.csv``);
- baselines in the same round: a planners' page that reads little (``/planung/konto/``,
  the planner's own account: login, role, layout, a query or two); a planners' page that
  reads every idea of the Quartier into Python (``/planung/protokoll``, which looks up
  the titles of its log's ideas that way): what counting in Python would start from; and
  a bare Flask app under the same gunicorn settings that answers with the statistics
  page's own bytes (``bench/ceiling.py``): what the page costs beyond sending it.

Medians over ``ROUNDS`` rounds. Beside it, the time of each query alone, measured in this
process on the same database (median of five), so that one sees which figure costs.
"""

from __future__ import annotations

import statistics as pystats
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

from bench import data
from bench.common import (
    PostgresDatabase,
    Row,
    Section,
    gunicorn,
    log,
    median,
    our_app,
    seeded_store,
)
from bench.mixed import PLANNER, _create_planner, _csrf
from measures.domain.query import LayerQuery
from measures.reading.idea_points import statistics_step
from measures.reports.session_paper import NEARBY_M

COUNT = 100_000
ROUNDS = 7
PAGE = "/planung/statistik/"
FILTERED = PAGE + "?handlungsfeld=wohnen&von=2025-01-01&bis=2025-12-31"
CSV = PAGE + "raster.csv"
BASELINE = "/planung/konto/"
EVERY_IDEA = "/planung/protokoll"


def _login(base: str, password: str) -> requests.Session:
    session = requests.Session()
    session.post(
        f"{base}/planung/anmelden",
        data={
            "username": PLANNER,
            "password": password,
            "csrf_token": _csrf(session, f"{base}/planung/anmelden"),
        },
        allow_redirects=False,
        timeout=60,
    ).raise_for_status()
    return session


def _timed_ms(get, url: str) -> tuple[float, bytes]:
    started = time.perf_counter()
    answer = get(url, timeout=300)
    elapsed = (time.perf_counter() - started) * 1000
    if answer.status_code != 200:
        raise RuntimeError(f"{url}: HTTP {answer.status_code}")
    return elapsed, answer.content


def _query_times(store) -> dict[str, float]:
    """Milliseconds of each query of the page alone (median of five)."""
    stats = store.statistics
    query = LayerQuery.of(quartier={"dalheim"})
    step = statistics_step(store.layers.quartier("dalheim").geometry.bounds)
    calls = {
        "per Handlungsfeld": lambda: stats.count_by("category", query, None),
        "per state": lambda: stats.count_by("moderation_state", query, None),
        "per month": lambda: stats.count_by_month(query, None),
        "median to decision": lambda: stats.median_to_decision(query, None),
        "supports ranking": lambda: stats.most_supported(query, None),
        "near measures": lambda: stats.near_measures("dalheim", query, None, NEARBY_M),
        "grid": lambda: stats.grid(query, None, step),
    }
    times = {}
    for name, call in calls.items():
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            call()
            runs.append((time.perf_counter() - started) * 1000)
        times[name] = pystats.median(runs)
    return times


def run(count: int = COUNT) -> Section:
    section = Section(f"8. Planners' statistics page, {count:,} ideas, PostgreSQL")
    password = uuid.uuid4().hex
    with PostgresDatabase("statistics") as db, tempfile.TemporaryDirectory() as tmp:
        log(f"Statistik: {count:,} Ideen")
        store = seeded_store(db.url)
        data.copy_ideas(store, count)
        queries = _query_times(store)
        store.engine.dispose()
        _create_planner(db.url, password)
        with our_app("ours-statistics", db.url) as ours:
            session = _login(ours.base, password)
            # Once each before timing: both workers' first requests load templates.
            for path in (PAGE, FILTERED, CSV, BASELINE, EVERY_IDEA, PAGE, BASELINE, EVERY_IDEA):
                _timed_ms(session.get, ours.base + path)
            _ms, page_bytes = _timed_ms(session.get, ours.base + PAGE)
            body = Path(tmp) / "statistik.html"
            body.write_bytes(page_bytes)
            with gunicorn(
                "ceiling-statistics",
                sys.executable,
                "bench.ceiling:layer_app()",
                {"BENCH_CEILING_BODY": str(body)},
            ) as ceiling:
                times: dict[str, list[float]] = {}
                for _ in range(ROUNDS):
                    for name, get, url in (
                        ("page", session.get, ours.base + PAGE),
                        ("filtered", session.get, ours.base + FILTERED),
                        ("csv", session.get, ours.base + CSV),
                        ("baseline", session.get, ours.base + BASELINE),
                        ("every idea", session.get, ours.base + EVERY_IDEA),
                        ("ceiling", requests.get, ceiling.base + "/"),
                    ):
                        times.setdefault(name, []).append(_timed_ms(get, url)[0])
    page, baseline, ceiling_ms, every_idea = (
        median(times["page"]),
        median(times["baseline"]),
        median(times["ceiling"]),
        median(times["every idea"]),
    )
    for figure, name in (
        (f"GET {PAGE} (all figures)", "page"),
        ("the same, one Handlungsfeld and one year", "filtered"),
        ("GET raster.csv (the grid's table)", "csv"),
    ):
        ours_ms = median(times[name])
        section.rows.append(
            Row(
                f"{figure}, vs {BASELINE} (a planners' page reading little), median",
                f"{ours_ms:,.0f} ms",
                f"{baseline:,.0f} ms",
                f"{ours_ms / baseline:,.1f}× as long",
                "(info)",
            )
        )
    section.rows.append(
        Row(
            f"GET {PAGE}, vs {EVERY_IDEA} (a planners' page reading every idea), median",
            f"{page:,.0f} ms",
            f"{every_idea:,.0f} ms",
            f"{page / every_idea:,.2f}× as long",
            "(info)",
        )
    )
    section.rows.append(
        Row(
            f"GET {PAGE}, vs the same bytes from bare Flask (ceiling), median latency",
            f"{page:,.0f} ms",
            f"{ceiling_ms:,.1f} ms",
            f"{page / ceiling_ms:,.0f}× as long",
            "(info)",
        )
    )
    section.notes.append(
        f"Statistics: {ROUNDS} rounds, one request at a time; "
        f"page {len(page_bytes) / 1e3:,.0f} KB. "
        "Each query alone (median of 5, in the benchmark's process): "
        + ", ".join(f"{name} {ms:,.0f} ms" for name, ms in queries.items())
        + "."
    )
    return section


if __name__ == "__main__":
    from bench.report import print_sections

    print_sections([run(int(sys.argv[1]) if len(sys.argv) > 1 else COUNT)])
