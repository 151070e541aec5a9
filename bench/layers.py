"""Target 1: serving the ideas layer, against pygeoapi and a bare Flask ceiling.

All servers run at once under gunicorn with two sync workers and the project's
``gunicorn.conf.py`` (each is started from the repository), and the load generator visits
them in turn, round after round, so that all of them see the same machine. Ours keeps
its rate limits in Redis as in production, raised so that they never refuse.

- ours: ``/api/layers/ideas`` and ``/ogc/collections/ideas/items?limit=10000`` on
  PostgreSQL (and SQLite), with the layer cache (``measures/reading/cache.py``) and without.
- pygeoapi: the same ideas from a GeoJSON file (the bytes our API answers with) and
  from a PostgreSQL table with the same public columns and a GiST index.
- ceiling: a bare Flask app answering every request with the same bytes.

Figures are requests per second, the median of ``ROUNDS`` runs (``FAST_ROUNDS`` for the
close comparisons with the ceiling); ratios are medians of the ratios within a round. A
bbox query either
asks for one box again and again (which a cache answers) or for a new box of the same
size every time (which it cannot).
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

from bench import baseline, data
from bench.common import (
    SLOW_RPS,
    Load,
    PostgresDatabase,
    Row,
    Section,
    fetch,
    free_port,
    gunicorn,
    have_wrk,
    log,
    measure,
    median,
    our_app,
    pilot,
    seeded_store,
)
from measures.domain.seed import read_seed

# Runs of each slow server (pygeoapi, ours without cache) and of each fast one: the fast
# pairs are compared more often, as they are close and the machine's load varies.
ROUNDS = 3
FAST_ROUNDS = 5
SECONDS = 4.0
# A box of about 430 m × 445 m holds about a ninth of the ideas at 10,000.
BOX_DEGREES = (0.006, 0.004)
FIXED_CENTRE = (8.473, 50.564)
BIG_CACHE = 256 * 1024 * 1024


def box_size(count: int) -> tuple[float, float]:
    """The box that holds about 1,100 ideas at any density (a ninth of 10,000)."""
    scale = (10_000 / count) ** 0.5
    return BOX_DEGREES[0] * scale, BOX_DEGREES[1] * scale


def fixed_box(count: int) -> str:
    width, height = box_size(count)
    x, y = FIXED_CENTRE
    return f"{x - width / 2:.6f},{y - height / 2:.6f},{x + width / 2:.6f},{y + height / 2:.6f}"


def varying_boxes(count: int, number: int, seed: int) -> list[str]:
    """``number`` boxes of the fixed box's size at random places in the Quartier."""
    width, height = box_size(count)
    minx, miny, maxx, maxy = read_seed().quartier.geometry.bounds
    rng = random.Random(seed)  # noqa: S311 - the same boxes for every server
    boxes = []
    for _ in range(number):
        x = rng.uniform(minx, maxx - width)
        y = rng.uniform(miny, maxy - height)
        boxes.append(f"{x:.6f},{y:.6f},{x + width:.6f},{y + height:.6f}")
    return boxes


def _features(base: str, path: str) -> int:
    status, _headers, body = fetch(base + path)
    if status != 200:
        raise RuntimeError(f"{base}{path}: HTTP {status}: {body[:300]!r}")
    return len(json.loads(body)["features"])


class Bench:
    """Named URLs (base + paths) measured round after round, all of them in every round.

    Each figure is the median over the rounds; each ratio is the median of the ratios
    within a round, so that a pair is compared under the same conditions even when the
    machine's load drifts (it is shared).
    """

    def __init__(self) -> None:
        self.targets: dict[str, tuple[str, list[str] | None, int]] = {}
        self.results: dict[str, list[Load]] = {}
        self.varying: dict[str, tuple[str, int]] = {}
        self.pilots: dict[str, float] = {}
        self.groups: dict[str, str] = {}

    def add(
        self,
        key: str,
        base: str,
        path: str,
        expect: int | None,
        rounds: int = ROUNDS,
        group: str | None = None,
    ):
        found = _features(base, path)
        if expect is not None and found != expect:
            raise RuntimeError(f"{key}: {found} Objekte statt {expect}")
        # Warm up, four at a time so that both workers answer (ours fills its cache).
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda _: _features(base, path), range(8)))
        self.targets[key] = (base, [path], rounds)
        if group:
            self.groups[key] = group
        log(f"  {key}: {found} Objekte")

    def add_varying(self, key: str, base: str, template: str, count: int, rounds: int = ROUNDS):
        """A new box for every request: ``template`` has ``{bbox}`` in it."""
        self.targets[key] = (base, None, rounds)
        self.groups[key] = "varying"
        self.varying[key] = (template, count)

    def _paths(self, key: str, number: int) -> list[str]:
        base, paths, _rounds = self.targets[key]
        if paths is not None:
            return paths
        template, count = self.varying[key]
        # The same boxes for every server within a round, new ones in each round.
        return [template.format(bbox=b) for b in varying_boxes(count, 3000, seed=1000 + number)]

    def _fixed_count(self, key: str) -> bool:
        """Whether ``key`` gets a fixed number of requests rather than a timed wrk run.

        Keys of one group are compared closely with each other, so they share the load
        generator: if one of them is slow, all of them get a fixed count.
        """
        group = self.groups.get(key)
        keys = [k for k, g in self.groups.items() if g == group] if group else [key]
        return any(self.pilots[k] < SLOW_RPS for k in keys)

    def run(self) -> None:
        for key, (base, _paths, _rounds) in self.targets.items():
            self.pilots[key] = pilot(base, self._paths(key, 0))
        for number in range(max(rounds for _b, _p, rounds in self.targets.values())):
            for key, (base, _paths, rounds) in self.targets.items():
                if number >= rounds:
                    continue
                paths = self._paths(key, number)
                fixed = self._fixed_count(key)
                result = measure(base, paths, SECONDS, self.pilots[key], fixed)
                if result.errors:
                    raise RuntimeError(f"{key}: {result.errors} Fehler unter Last")
                self.results.setdefault(key, []).append(result)
                log(
                    f"  Runde {number + 1}: {key}: {result.requests_per_s:.1f}/s "
                    f"(p50 {result.p50_ms:.0f} ms, {result.requests} Anfragen, {result.client})"
                )

    def rps(self, key: str) -> float:
        return median([r.requests_per_s for r in self.results[key]])

    def p50(self, key: str) -> float:
        return median([r.p50_ms for r in self.results[key]])

    def ratio(self, ours: str, other: str) -> float:
        pairs = zip(self.results[ours], self.results[other], strict=False)
        return median([a.requests_per_s / b.requests_per_s for a, b in pairs])

    def row(self, figure: str, ours: str, other: str, factor: float | None) -> Row:
        """A row comparing two keys; ``factor`` is the target (0.7 = 70 %), None: info."""
        value = self.ratio(ours, other)
        shown = f"{100 * value:.0f} %" if factor is not None and factor < 1 else f"{value:.1f}×"
        if factor is None:
            target = "(info)"
        elif factor < 1:
            target = f"≥ {100 * factor:.0f} %"
        else:
            target = f"≥ {factor:g}×"
        return Row(
            figure,
            _rps(self.rps(ours)),
            _rps(self.rps(other)),
            shown,
            target,
            None if factor is None else value >= factor,
        )


def _check_same_boxes(ours: str, other: str, ours_template: str, other_template: str, count):
    """Ours and the baseline find the same ideas in the same boxes."""
    for box in varying_boxes(count, 3, seed=99):
        a = _features(ours, ours_template.format(bbox=box))
        b = _features(other, other_template.format(bbox=box))
        if a != b:
            raise RuntimeError(f"bbox {box}: ours {a}, baseline {b}")


def cold_ms(base: str, path: str, store, repeat: int = 5) -> float:
    """Milliseconds of the first answer after a change of the layer (cache rebuilt)."""
    times = []
    for _ in range(repeat):
        data.touch_ideas(store)
        started = time.perf_counter()
        _features(base, path)
        times.append((time.perf_counter() - started) * 1000)
    return median(times)


def after_one_change_ms(base: str, paths: Sequence[str], store, repeat: int = 3) -> dict:
    """Milliseconds of the first answer of each path after one idea is approved, changed
    or deleted (each path after changes of its own, ``repeat`` of each kind): the time
    until the last byte is in, on a fresh connection, to whichever worker takes it."""
    changes = data.one_change_each(store, repeat * len(paths))
    times: dict[str, list[float]] = {path: [] for path in paths}
    for path in paths:
        for _ in range(3 * repeat):
            next(changes)
            started = time.perf_counter()
            status, _headers, body = fetch(base + path)
            times[path].append((time.perf_counter() - started) * 1000)
            if status != 200 or not body:
                raise RuntimeError(f"{base}{path}: HTTP {status}")
    return {path: median(values) for path, values in times.items()}


def fetch_ms(base: str, path: str, repeat: int = 5) -> float:
    """Median milliseconds until the last byte of an answer (not read as JSON)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fetch(base + path)
        times.append((time.perf_counter() - started) * 1000)
    return median(times)


def sequential_ms(base: str, path: str, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        _features(base, path)
        times.append((time.perf_counter() - started) * 1000)
    return median(times)


def _rps(value: float) -> str:
    return f"{value:,.1f}/s" if value < 100 else f"{value:,.0f}/s"


def _ms(value: float) -> str:
    return f"{value:,.0f} ms"


def run(count: int = 10_000, sqlite: bool = True) -> Section:
    """Layer serving with ``count`` approved ideas; SQLite as well when ``sqlite``."""
    section = Section(
        f"1. Layer serving, {count:,} ideas (requests/s: median of {ROUNDS} to {FAST_ROUNDS} runs)"
    )
    # pygeoapi answers at most 10,000 features (its max_items); so do ours under /ogc.
    small, page = count <= 10_000, min(count, 10_000)
    api, ogc = "/api/layers/ideas", f"/ogc/collections/ideas/items?limit={page}"
    pyg_items = f"/collections/{{c}}/items?f=json&limit={page}"
    box = fixed_box(count)
    with (
        PostgresDatabase(f"layers{count}") as db,
        tempfile.TemporaryDirectory() as directory,
        ExitStack() as servers,
    ):
        tmp = Path(directory)
        log(f"Ebenen: {count:,} Ideen in PostgreSQL{' und SQLite' if sqlite else ''}")
        store = seeded_store(db.url)
        data.insert_ideas(store, count)
        baseline.create_table(store.engine)
        sqlite_url = f"sqlite:///{tmp / 'bench.sqlite3'}"
        if sqlite:
            sqlite_store = seeded_store(sqlite_url)
            data.insert_ideas(sqlite_store, count)
            sqlite_store.engine.dispose()

        # At 100,000 ideas the layer alone is about 58 MB, close to the default cache size
        # of 64 MiB: a few bbox answers would push it out. Such a site would set more.
        cache = {} if small else {"FLASK_LAYER_CACHE_BYTES": str(BIG_CACHE)}
        ours = servers.enter_context(our_app("ours-pg", db.url, **cache))
        uncached = servers.enter_context(
            our_app("ours-nocache", db.url, FLASK_LAYER_CACHE_BYTES="0")
        )
        ours_sqlite = servers.enter_context(our_app("ours-sqlite", sqlite_url)) if sqlite else None
        body_path = tmp / "ideas.geojson"
        body_path.write_bytes(fetch(ours.base + api)[2])
        ceiling = servers.enter_context(
            gunicorn(
                "ceiling",
                sys.executable,
                "bench.ceiling:layer_app()",
                {"BENCH_CEILING_BODY": str(body_path)},
            )
        )
        bounds = list(read_seed().quartier.geometry.bounds)
        pyg = servers.enter_context(
            baseline.server(tmp, free_port(), body_path if small else None, db.url, bounds)
        )

        expected_box = _features(ours.base, f"{api}?bbox={box}")
        pyg_db = pyg_items.format(c="ideas_db")
        varying = api + "?bbox={bbox}"
        bench = Bench()
        bench.add("ours api", ours.base, api, count, FAST_ROUNDS, "ceiling")
        bench.add("ceiling", ceiling.base, "/", count, FAST_ROUNDS, "ceiling")
        bench.add("ours ogc", ours.base, ogc, page, FAST_ROUNDS, "ceiling" if small else None)
        if ours_sqlite is not None:
            bench.add("ours api sqlite", ours_sqlite.base, api, count, FAST_ROUNDS, "ceiling")
        bench.add("pygeoapi db", pyg.base, pyg_db, page)
        if small:
            bench.add("pygeoapi file", pyg.base, pyg_items.format(c="ideas_file"), count)
            bench.add("ours nocache", uncached.base, api, count)
        bench.add("ours bbox", ours.base, f"{api}?bbox={box}", expected_box)
        bench.add("ours ogc bbox", ours.base, f"{ogc}&bbox={box}", expected_box)
        bench.add("pygeoapi db bbox", pyg.base, f"{pyg_db}&bbox={box}", expected_box)
        _check_same_boxes(ours.base, pyg.base, varying, pyg_db + "&bbox={bbox}", count)
        bench.add_varying("ours bbox varying", ours.base, varying, count)
        bench.add_varying("ours nocache bbox varying", uncached.base, varying, count)
        bench.add_varying("pygeoapi db bbox varying", pyg.base, pyg_db + "&bbox={bbox}", count)

        log("Ebenen: Last")
        bench.run()
        cold = cold_ms(ours.base, api, store)
        points = "/api/layers/ideas/points"
        warm = {path: fetch_ms(ours.base, path) for path in (api, ogc, points)}
        updated = after_one_change_ms(ours.base, [api, ogc, points], store)
        pyg_latency = sequential_ms(pyg.base, pyg_db)
        store.engine.dispose()

    n = f"{count:,}"
    layer = f"GET /api/layers/ideas ({n})"
    items = f"GET /ogc/…/ideas/items?limit={page}"
    rows = []
    if small:
        rows += [
            bench.row(
                f"{layer}, PostgreSQL, vs pygeoapi PostgreSQL", "ours api", "pygeoapi db", 25
            ),
            bench.row(
                f"{layer}, PostgreSQL, vs pygeoapi GeoJSON file", "ours api", "pygeoapi file", 25
            ),
        ]
    rows.append(
        bench.row(
            f"{layer}, PostgreSQL, vs ceiling (same bytes, bare Flask)", "ours api", "ceiling", 0.7
        )
    )
    if ours_sqlite is not None:
        rows.append(bench.row(f"{layer}, SQLite, vs ceiling", "ours api sqlite", "ceiling", 0.7))
    rows.append(
        bench.row(f"{items}, PostgreSQL, vs pygeoapi PostgreSQL", "ours ogc", "pygeoapi db", 25)
    )
    if small:
        rows += [
            bench.row(
                f"{items}, PostgreSQL, vs pygeoapi GeoJSON file", "ours ogc", "pygeoapi file", 25
            ),
            bench.row(f"{items}, PostgreSQL, vs ceiling", "ours ogc", "ceiling", 0.7),
        ]
    rows += [
        bench.row(
            f"bbox ({expected_box:,} ideas), the same box again, /api, vs pygeoapi PostgreSQL",
            "ours bbox",
            "pygeoapi db bbox",
            10,
        ),
        bench.row(
            "bbox, the same box again, /ogc, vs pygeoapi PostgreSQL",
            "ours ogc bbox",
            "pygeoapi db bbox",
            10,
        ),
        bench.row(
            "bbox, a new box every request, /api, vs pygeoapi PostgreSQL",
            "ours bbox varying",
            "pygeoapi db bbox varying",
            10,
        ),
        bench.row(
            "bbox, a new box every request, cache off, vs pygeoapi PostgreSQL",
            "ours nocache bbox varying",
            "pygeoapi db bbox varying",
            None,
        ),
    ]
    if small:
        rows.append(
            bench.row(
                f"{layer}, cache off, vs pygeoapi PostgreSQL", "ours nocache", "pygeoapi db", None
            )
        )
    rows.append(
        Row(
            f"first answer of {layer} after a change (cache rebuilt), vs one pygeoapi answer "
            f"(limit={page})",
            _ms(cold),
            _ms(pyg_latency),
            f"{pyg_latency / cold:.2f}× as fast",
            "(info)",
        )
    )
    for path, name in ((api, layer), (ogc, items), (points, f"GET {points}")):
        ms = updated[path]
        rows.append(
            Row(
                f"first answer of {name} after one idea is approved, changed or deleted "
                f"(index updated), vs one pygeoapi answer (limit={page})",
                _ms(ms),
                _ms(pyg_latency),
                f"{pyg_latency / ms:.1f}× as fast",
                "≤ 100 ms, ≥ 5×",
                ms <= 100 and pyg_latency / ms >= 5,
            )
        )
    section.rows += rows
    width, height = box_size(count)
    section.notes.append(
        f"Layers at {n}: box {width:.4f}° × {height:.4f}°; p50 latency under load: ours "
        f"/api {bench.p50('ours api'):.0f} ms, ceiling {bench.p50('ceiling'):.0f} ms, "
        f"pygeoapi PostgreSQL {bench.p50('pygeoapi db'):.0f} ms. Load from {_clients(bench)}."
        + ("" if small else f" Ours with LAYER_CACHE_BYTES = {BIG_CACHE // 2**20} MiB.")
    )
    section.notes.append(
        f"After a change at {n}: median of 9 changes per URL (approve, edit, delete in turn, "
        "each through the store as a planner's request would make it), the time until the "
        "last byte of the next answer, to whichever worker takes it; the same answers "
        f"without a change: /api {warm[api]:.0f} ms, /ogc {warm[ogc]:.0f} ms, points "
        f'{warm[points]:.0f} ms. "Cache rebuilt": a change the log cannot tell the '
        "records of, which builds the whole index again (and the client reads the JSON)."
    )
    return section


def _clients(bench: Bench) -> str:
    slow = sorted({key for key, results in bench.results.items() if results[0].client != "wrk"})
    fast = "wrk (1 thread, 4 connections)" if have_wrk() else "a Python client (4 threads)"
    return f"{fast}; a fixed number of requests, all timed, for {', '.join(slow) or 'none'}"


def main(argv: Sequence[str] = ()) -> None:
    from bench.report import print_sections

    count = int(argv[0]) if argv else 10_000
    print_sections([run(count, sqlite=count <= 10_000)])


if __name__ == "__main__":
    main(sys.argv[1:])
