"""Target 4: a million ideas on PostGIS, the bbox query of one street block.

The ideas are loaded with COPY (the GiST index built once afterwards) into a database of
their own, which is dropped at the end. Then ``store.layers.records("ideas",
LayerQuery(bbox=…))`` for a block of about 80 m × 80 m at the Berliner Ring is timed
``REPEAT`` times (p50, p99), and so is the SQL it issues on its own (rows fetched, no
records built). The baseline is that same SQL with PostgreSQL told not to use the index
(``enable_indexscan`` and ``enable_bitmapscan`` off): what the query would cost without
the GiST index.
"""

from __future__ import annotations

import math
import sys
import time

import sqlalchemy as sa

from bench import data
from bench.common import (
    PostgresDatabase,
    Row,
    Section,
    log,
    median,
    quantile,
    seeded_store,
)
from measures.domain.moderation import PUBLIC_STATES
from measures.domain.query import LayerQuery
from measures.storage import schema
from measures.storage.filters import query_clauses

COUNT = 1_000_000
REPEAT = 100
REPEAT_WITHOUT_INDEX = 10
CENTRE = (8.4722, 50.5666)  # Berliner Ring
BLOCK_M = 80.0


def block() -> tuple[float, float, float, float]:
    dlat = BLOCK_M / 111_320 / 2
    dlon = BLOCK_M / (111_320 * math.cos(math.radians(CENTRE[1]))) / 2
    x, y = CENTRE
    return x - dlon, y - dlat, x + dlon, y + dlat


def _timed(function, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return times


def run(count: int = COUNT) -> Section:
    section = Section(f"4. Scale: {count:,} ideas on PostGIS, one street block")
    query = LayerQuery(bbox=block())
    with PostgresDatabase("scale") as db:
        store = seeded_store(db.url)
        log(f"Skalierung: {count:,} Ideen per COPY")
        started = time.perf_counter()
        data.copy_ideas(store, count)
        load_s = time.perf_counter() - started
        stored = data.count_ideas(store)
        if stored != count:
            raise RuntimeError(f"{stored} Ideen statt {count}")

        t = schema.ideas
        statement = (
            sa.select(t)
            .where(
                *query_clauses(t, query, store.layers.spatial),
                t.c.moderation_state.in_(list(PUBLIC_STATES)),
            )
            .order_by(t.c.created_at.desc(), t.c.id)
        )
        found = len(store.layers.records("ideas", query))
        log(f"  Block {block()}: {found} Ideen")
        store_ms = _timed(lambda: store.layers.records("ideas", query), REPEAT)

        def sql() -> None:
            with store.engine.connect() as connection:
                connection.execute(statement).all()

        sql_ms = _timed(sql, REPEAT)

        def without_index() -> None:
            with store.engine.begin() as connection:
                connection.execute(sa.text("SET LOCAL enable_indexscan = off"))
                connection.execute(sa.text("SET LOCAL enable_bitmapscan = off"))
                connection.execute(statement).all()

        seq_ms = _timed(without_index, REPEAT_WITHOUT_INDEX)
        with store.engine.connect() as connection:
            compiled = statement.compile(connection, compile_kwargs={"literal_binds": True})
            plan = connection.execute(sa.text(f"EXPLAIN {compiled}")).scalars().all()
        store.engine.dispose()

    index_nodes = sorted(
        {line.strip().split(" on ")[0].lstrip("-> ") for line in plan if " on " in line}
    )
    section.rows += [
        Row(
            f"bulk load {count:,} ideas (COPY, then GiST index)",
            f"{load_s:,.0f} s",
            "",
            "",
            "a few minutes",
            load_s < 300,
        ),
        Row(
            f"store.layers.records(ideas, bbox = block, {found:,} ideas), p50",
            f"{median(store_ms):,.1f} ms",
            f"{median(seq_ms):,.0f} ms",
            f"{median(seq_ms) / median(store_ms):,.1f}× as fast",
            "(info)",
        ),
        Row(
            "store.layers.records(ideas, bbox = block), p99",
            f"{quantile(store_ms, 0.99):,.1f} ms",
            f"{quantile(seq_ms, 0.99):,.0f} ms",
            f"{quantile(seq_ms, 0.99) / quantile(store_ms, 0.99):,.1f}× as fast",
            "(info)",
        ),
        Row(
            "the SQL of store.layers.records, rows only, p50 / p99",
            f"{median(sql_ms):,.1f} / {quantile(sql_ms, 0.99):,.1f} ms",
            "",
            "",
            "(info)",
        ),
    ]
    section.notes.append(
        f"Scale: block {', '.join(f'{v:.6f}' for v in block())} ({BLOCK_M:g} m × {BLOCK_M:g} m); "
        f"{REPEAT} runs with the index, {REPEAT_WITHOUT_INDEX} without (baseline column: the "
        f"same SQL without index scans). Plan nodes with the index: {', '.join(index_nodes)}."
    )
    return section


if __name__ == "__main__":
    from bench.report import print_sections

    print_sections([run(int(sys.argv[1]) if len(sys.argv) > 1 else COUNT)])
