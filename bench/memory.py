"""Memory: the resident size (RSS) of a worker at 100,000 ideas, beside its layer index.

Our app under gunicorn (two sync workers, PostgreSQL, ``LAYER_CACHE_BYTES`` 256 MiB as
in the layers benchmark at 100,000) with ``COUNT`` approved ideas. Each worker's RSS is
read from ``/proc/<pid>/status`` when it has started, after it has answered the map's
points (its layer index is built then), after the whole layer (its answer is cached
beside the index) and after boxes of the map's popups. Every step sends its requests
from four threads, eight times, so that both workers answer them.

Beside it: the size of the layer index as the cache counts it (``LayerIndex.nbytes``:
each feature's JSON and a rough cost per feature), built in this process from the same
database, and the bytes of the whole layer's answer.
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench import data
from bench.common import (
    PostgresDatabase,
    Row,
    Section,
    fetch,
    log,
    our_app,
    seeded_store,
)
from bench.layers import BIG_CACHE, varying_boxes
from measures.reading.layer_index import read_index

COUNT = 100_000


def _children(pid: int) -> list[int]:
    """The PIDs of the processes that ``pid`` started (gunicorn's workers)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(p) for p in (task / "children").read_text().split()]
    return sorted(found)


def rss_mb(pid: int) -> float:
    """The resident size of ``pid`` in MB (10^6 bytes), from ``/proc``."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / 1e6
    raise RuntimeError(f"kein VmRSS für {pid}")


def _ask(base: str, paths: list[str]) -> int:
    """Each path from four threads, eight times in all; the bytes of the last answer."""

    def one(path: str) -> int:
        status, _headers, body = fetch(base + path, timeout=300)
        if status != 200:
            raise RuntimeError(f"{path}: HTTP {status}")
        return len(body)

    with ThreadPoolExecutor(4) as pool:
        sizes = list(pool.map(one, [p for p in paths for _ in range(8)]))
    return sizes[-1]


def run(count: int = COUNT) -> Section:
    section = Section(f"7. Memory of a worker, {count:,} ideas, PostgreSQL")
    steps: list[tuple[str, list[float]]] = []
    with PostgresDatabase("memory") as db:
        log(f"Speicher: {count:,} Ideen")
        store = seeded_store(db.url)
        data.copy_ideas(store, count)  # COPY: seconds rather than half a minute
        index = read_index(store, "ideas")
        index_mb = index.nbytes / 1e6
        del index
        store.engine.dispose()
        with our_app("ours-memory", db.url, FLASK_LAYER_CACHE_BYTES=str(BIG_CACHE)) as ours:
            workers = _children(ours.process.pid)

            def step(name: str) -> None:
                steps.append((name, [rss_mb(pid) for pid in workers]))
                log(f"  {name}: {', '.join(f'{v:.0f} MB' for v in steps[-1][1])}")

            step("started")
            _ask(ours.base, ["/api/layers/ideas/points"])
            step("index built (after the points)")
            layer_mb = _ask(ours.base, ["/api/layers/ideas"]) / 1e6
            step("whole layer answered (cached)")
            boxes = [f"/api/layers/ideas?bbox={b}" for b in varying_boxes(count, 50, seed=7)]
            _ask(ours.base, boxes)
            step("after 400 popup boxes")
            if _children(ours.process.pid) != workers:
                raise RuntimeError("gunicorn hat Worker neu gestartet: RSS nicht vergleichbar")

    started = max(steps[0][1])
    for name, values in steps:
        largest = max(values)
        section.rows.append(
            Row(
                f"RSS of a worker, {name}, vs its layer index (as the cache counts it)",
                f"{largest:,.0f} MB",
                f"{index_mb:,.0f} MB",
                f"{largest / index_mb:.1f}×",
                "(info)",
            )
        )
    section.notes.append(
        "Memory: the larger of the two workers at each step (all: "
        + "; ".join(f"{name} {', '.join(f'{v:,.0f}' for v in values)} MB" for name, values in steps)
        + f"). A worker grows by {max(steps[-1][1]) - started:,.0f} MB from its start; the "
        f"layer's whole answer is {layer_mb:,.1f} MB, its index {index_mb:,.1f} MB "
        f"({count:,} features); LAYER_CACHE_BYTES {BIG_CACHE // 2**20} MiB."
    )
    return section


if __name__ == "__main__":
    from bench.report import print_sections

    print_sections([run(int(sys.argv[1]) if len(sys.argv) > 1 else COUNT)])
