"""How long our GIS exports take, next to ogr2ogr converting the same data.

    python -m bench.export_times [--sizes 10000,100000] [--formats gpkg,shp,...]

``make bench`` runs it as the part ``exports``. Fills a SQLite database in a temporary
folder with the benchmarks' synthetic approved ideas (``bench/data.py``), then per size
and format times ``measures.gis.export.write_export`` — the whole path of a download:
reading the database, building the table, writing the file (and zipping a Shapefile) —
and ``ogr2ogr`` (Debian's gdal-bin) converting our GeoJSON export of the same ideas to the
same format. Both run one after the other on the same machine; each figure is the best
of ``REPEAT`` runs (two at 10,000, one at 100,000); above 10,000 ideas only the formats
of ``LARGE_FORMATS``, to keep ``make bench`` short. The ratio is our time over ogr2ogr's:
below 1 we are faster. ogr2ogr starts from a file and does not read the database; the note under
the table says how long reading the database alone takes.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import pyogrio

from bench import data
from bench.common import Row, Section, log, seeded_store
from measures.gis import export, formats
from measures.storage import Store

# ogr2ogr's way to the same format; "csv-excel" as close as GDAL's CSV options get.
OGR2OGR = {
    "gpkg": ["-f", "GPKG"],
    "shp": ["-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8"],
    "geojson": ["-f", "GeoJSON", "-lco", "RFC7946=YES"],
    # The classic KML driver: Debian's GDAL 3.6 writes LIBKML in quadratic time here
    # (1.8 s for 1,000 ideas, 9.2 s for 2,000, 38 s for 4,000), hopeless at 100,000.
    "kml": ["-f", "KML"],
    "csv": ["-f", "CSV", "-lco", "GEOMETRY=AS_WKT"],
    "csv-excel": [
        "-f",
        "CSV",
        "-lco",
        "GEOMETRY=AS_WKT",
        "-lco",
        "SEPARATOR=SEMICOLON",
        "-lco",
        "WRITE_BOM=YES",
    ],
    "fgb": ["-f", "FlatGeobuf"],
}
SIZES = (10_000, 100_000)
# Above 10,000 ideas only these (of those chosen, if any of them is): every format at
# 100,000 took about five minutes of ``make bench``; these three are the most asked-for
# downloads and show how ours grows with the size (KML and FlatGeobuf, the slowest at
# 100,000, grow alike).
LARGE_SIZE = 10_000
LARGE_FORMATS = ("gpkg", "geojson", "csv")
# Runs per figure, the best counts; at 100,000 one run (each takes seconds).
REPEAT = {10_000: 2, 100_000: 1}


def _best(repeat: int, run: Callable[[], None]) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return min(times)


def _ours(store: Store, fmt: str, epsg: int, folder: Path) -> None:
    spec = export.parse_spec(["ideas"], fmt, {"crs": [str(epsg)]})
    target = Path(tempfile.mkdtemp(dir=folder))
    try:
        export.write_export(store, spec, target)
    finally:
        shutil.rmtree(target)


def _ogr2ogr(program: str, source: Path, fmt: str, epsg: int, folder: Path) -> None:
    target = Path(tempfile.mkdtemp(dir=folder))
    extension = {"shp": "shp", "csv-excel": "csv", "kml": "kml"}.get(fmt, fmt)
    reproject = ["-t_srs", f"EPSG:{epsg}"] if epsg != formats.WGS84 else []
    try:
        subprocess.run(  # noqa: S603 - a fixed program with our own arguments
            [
                program,
                *OGR2OGR[fmt],
                *reproject,
                str(target / f"ideas.{extension}"),
                str(source),
            ],
            check=True,
            capture_output=True,
        )
    finally:
        shutil.rmtree(target)


def ogr2ogr_program() -> tuple[str, str]:
    """The path of ogr2ogr and its version line; ``RuntimeError`` without gdal-bin."""
    program = shutil.which("ogr2ogr")
    if program is None:
        raise RuntimeError("ogr2ogr fehlt: apt-get install gdal-bin")
    version = subprocess.run(  # noqa: S603 - the program the baseline is about
        [program, "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    return program, version


def figures_of(chosen: Sequence[str], reproject: bool = True) -> list[tuple[str, int]]:
    """(format, EPSG) pairs: every format in WGS84, GeoPackage in UTM 32N as well when
    ``reproject``."""
    figures = [(fmt, formats.WGS84) for fmt in chosen]
    if "gpkg" in chosen and reproject:
        figures.append(("gpkg", formats.UTM32N))
    return figures


def measure_size(
    size: int, figures: Sequence[tuple[str, int]], repeat: int, program: str
) -> tuple[list[tuple[str, int, float, float]], float, float]:
    """(format, EPSG, ours s, ogr2ogr s) per figure; seconds to read the ideas; MB of
    the GeoJSON that ogr2ogr starts from."""
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-export-") as directory:
        folder = Path(directory)
        store = seeded_store(f"sqlite:///{folder / 'bench.sqlite3'}")
        data.insert_ideas(store, size)
        reading = _best(repeat, partial(store.layers.records, "ideas"))
        source_spec = export.parse_spec(["ideas"], "geojson", {})
        source = export.write_export(store, source_spec, folder).path
        source_mb = source.stat().st_size / 1e6
        for fmt, epsg in figures:
            ours = _best(repeat, partial(_ours, store, fmt, epsg, folder))
            base = _best(repeat, partial(_ogr2ogr, program, source, fmt, epsg, folder))
            results.append((fmt, epsg, ours, base))
            log(f"  Export {size:,} {fmt} EPSG:{epsg}: ours {ours:.2f} s, ogr2ogr {base:.2f} s")
        store.engine.dispose()
    return results, reading, source_mb


def _seconds(value: float) -> str:
    return f"{value * 1000:,.0f} ms" if value < 1 else f"{value:,.2f} s"


def run(sizes: Sequence[int] = SIZES, chosen: Sequence[str] = tuple(OGR2OGR)) -> Section:
    program, version = ogr2ogr_program()
    section = Section(
        "5. Exports of the ideas vs ogr2ogr converting the same data: every format at "
        f"{LARGE_SIZE:,}, {', '.join(LARGE_FORMATS)} above (best of 2 runs; 1 at 100,000)"
    )
    for size in sizes:
        log(f"Export: {size:,} Ideen")
        fewer = [fmt for fmt in chosen if fmt in LARGE_FORMATS]
        # Reprojecting is shown once, at the smaller size (keeps make bench shorter).
        figures = figures_of(
            chosen if size <= LARGE_SIZE or not fewer else fewer, reproject=size == min(sizes)
        )
        results, reading, source_mb = measure_size(size, figures, REPEAT.get(size, 1), program)
        for fmt, epsg, ours, base in results:
            name = formats.FORMATS[fmt].label
            crs = "" if epsg == formats.WGS84 else f", EPSG:{epsg}"
            section.rows.append(
                Row(
                    f"export of {size:,} ideas as {name} ({fmt}{crs}), vs ogr2ogr",
                    _seconds(ours),
                    _seconds(base),
                    f"{ours / base:.1f}× its time",
                    "(info)",
                )
            )
        section.notes.append(
            f"Exports at {size:,}: reading the ideas from SQLite alone "
            f"{_seconds(reading)}; ogr2ogr converts our GeoJSON export of them "
            f"({source_mb:,.1f} MB) and does not read the database."
        )
    section.notes.append(
        f"Exports: ours through pyogrio {pyogrio.__version__} (GDAL "
        f"{pyogrio.__gdal_version_string__}, from its wheel; KML with LIBKML); baseline "
        f"{version}, KML with its classic driver (its LIBKML takes quadratic time here). "
        "Shapefile: ours includes zipping it."
    )
    return section


def main(argv: list[str] | None = None) -> None:
    from bench.report import print_sections

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument("--formats", default=",".join(OGR2OGR))
    args = parser.parse_args(argv)
    try:
        section = run([int(s) for s in args.sizes.split(",")], args.formats.split(","))
    except RuntimeError as error:
        sys.exit(str(error))
    print_sections([section])


if __name__ == "__main__":
    main()
