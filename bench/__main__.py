"""Run the benchmarks and print the table; ``make bench`` runs them all.

    python -m bench                      # everything; writes bench/RESULTS.md
    python -m bench layers map           # some of them: layers, map, intake, scale,
                                         # exports, mixed, memory, statistics
    python -m bench --no-write intake    # print only

Needs PostgreSQL with PostGIS (``BENCH_POSTGRES_URL``, default the local server as user
postgres), Redis (``BENCH_REDIS_URL``), Chromium at /usr/bin/chromium, ``wrk`` (else a
Python client is used), pygeoapi in ``bench/.venv-baseline`` (``make bench`` sets it
up) and ``ogr2ogr`` (gdal-bin) for the exports. Every server runs on 127.0.0.1 and is
stopped by its PID; every database it creates is dropped.
"""

from __future__ import annotations

import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime

import redis
import sqlalchemy as sa

from bench import (
    baseline,
    export_times,
    intake,
    layers,
    map_page,
    memory,
    mixed,
    report,
    scale,
    statistics,
)
from bench.common import (
    POSTGRES_ADMIN_URL,
    REDIS_URL,
    Row,
    Section,
    have_wrk,
    log,
    machine,
    postgres_available,
)
from measures.storage import create_engine_for

PARTS = ("layers", "map", "intake", "scale", "exports", "mixed", "memory", "statistics")


def _versions() -> str:
    engine = create_engine_for(POSTGRES_ADMIN_URL)
    with engine.connect() as connection:
        postgres = connection.execute(sa.text("SHOW server_version")).scalar()
        postgis = connection.execute(
            sa.text("SELECT default_version FROM pg_available_extensions WHERE name = 'postgis'")
        ).scalar()
    engine.dispose()
    wrk = "not installed (Python client)"
    if have_wrk():
        out = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout  # noqa: S607
        wrk = out.split()[1] if out.split()[:1] == ["wrk"] else out.strip()
    try:
        pygeoapi = baseline.version()
    except (OSError, subprocess.CalledProcessError):
        pygeoapi = "missing"
    return f"PostgreSQL {postgres}, PostGIS {postgis}, pygeoapi {pygeoapi}, wrk {wrk}"


def _problems(parts: list[str]) -> list[str]:
    problems = []
    reason = postgres_available()
    if reason:
        problems.append(reason)
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.exceptions.ConnectionError as error:
        problems.append(f"Redis unter {REDIS_URL} nicht erreichbar: {error}")
    if "layers" in parts and (reason := baseline.missing()):
        problems.append(reason)
    if "exports" in parts:
        try:
            export_times.ogr2ogr_program()
        except RuntimeError as error:
            problems.append(str(error))
    return problems


def main(argv: list[str]) -> int:
    if "--help" in argv or "-h" in argv:
        # Only the usage: without this, "--help" was an unknown flag and every part ran.
        print(__doc__)
        return 0
    write = "--no-write" not in argv
    parts = [a for a in argv if not a.startswith("--")] or list(PARTS)
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        print(f"Unbekannt: {', '.join(unknown)}; möglich: {', '.join(PARTS)}", file=sys.stderr)
        return 2
    problems = _problems(parts)
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1
    if not have_wrk():
        log("wrk fehlt (apt-get install wrk): Last kommt von einem Python-Client")

    started = time.monotonic()
    when = datetime.now(UTC)
    runs = {
        "layers": [lambda: layers.run(10_000), lambda: layers.run(100_000, sqlite=False)],
        # The run at 100,000 compares with ours at 10,000 from the run before it.
        "map": [map_page.run, map_page.run_large],
        "intake": [intake.run],
        "scale": [scale.run],
        "mixed": [mixed.run],
        "memory": [memory.run],
        "exports": [export_times.run],
        "statistics": [statistics.run],
    }
    sections: list[Section] = []
    failed = False
    for part in parts:
        for function in runs[part]:
            try:
                sections.append(function())
            except Exception as error:  # noqa: BLE001 - report it and go on with the rest
                failed = True
                traceback.print_exc()
                sections.append(
                    Section(f"{part}: failed", [Row(f"{type(error).__name__}: {error}", "–")])
                )
    minutes = (time.monotonic() - started) / 60
    info = machine()
    header = (
        f"Measured {when:%Y-%m-%d %H:%M} UTC by `make bench` ({', '.join(parts)}; "
        f"{minutes:.0f} min) on {info['nproc']} cores ({info['cpu']}), {info['memory']} "
        f"memory, Linux {info['kernel']}, Python {info['python']}; {_versions()}."
    )
    print()
    print(header)
    report.print_sections(sections)
    # Only a run of everything replaces the table in RESULTS.md.
    if write and not failed and set(parts) == set(PARTS):
        report.write(sections, header)
        print(f"\nWritten to {report.RESULTS}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
