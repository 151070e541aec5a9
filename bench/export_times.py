"""How long our GIS exports take, next to ogr2ogr converting the same data.

    python -m bench.export_times [--sizes 10000,100000] [--formats gpkg,shp,...]

Fills a SQLite database in a temporary folder with synthetic approved ideas, then per size
and format times ``measures.gis.export.write_export`` — the whole path of a download: reading
the database, building the table, writing the file (and zipping a Shapefile) — and
``ogr2ogr`` (Debian's gdal-bin) converting our GeoJSON export of the same ideas to the same
format. Both run in this process's run, one after the other, on the same machine; each
figure is the best of ``--repeat`` runs. The ratio is ours / ogr2ogr: below 1 we are
faster. ogr2ogr starts from a file and does not read the database; the line above the
table says how long reading the database alone takes.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pyogrio
import shapely
from shapely.geometry import Point

from measures.domain.seed import read_seed
from measures.gis import export, formats
from measures.storage import Store, create_engine_for, schema, upgrade

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
# Inside the Quartier Dalheim (lon/lat), where real ideas lie.
AREA = (8.466, 50.561, 8.482, 50.570)
TITLES = ["Sitzbank für Ältere", "Mehr Grün an der Straße", "=Spielplatz", "Tempo 30"]


def _fill(store: Store, count: int) -> None:
    """``count`` approved ideas, written in batches straight into the table."""
    rng = random.Random(count)  # noqa: S311 - synthetic positions, no secret
    start = datetime(2025, 1, 1, tzinfo=UTC)
    rows = []
    for n in range(count):
        point = Point(rng.uniform(AREA[0], AREA[2]), rng.uniform(AREA[1], AREA[3]))
        at = start + timedelta(minutes=n)
        rows.append(
            {
                "id": f"b{n:07d}",
                "title": f"{TITLES[n % len(TITLES)]} {n}",
                "description": "Eine Idee aus dem Quartier: Bänke, Bäume, Wege. " * 2,
                "category": "wohnumfeld_gruen",
                "moderation_state": "approved",
                "moderation_reason": "",
                "supports": n % 17,
                "geom_wkb": shapely.to_wkb(point),
                "geom_type": "Point",
                "minx": point.x,
                "miny": point.y,
                "maxx": point.x,
                "maxy": point.y,
                "created_at": at,
                "updated_at": at,
            }
        )
    with store.engine.begin() as connection:
        for first in range(0, len(rows), 5000):
            connection.execute(schema.ideas.insert(), rows[first : first + 5000])


def _best(repeat: int, run) -> float:
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


def _measure(size: int, figures: list[tuple[str, int]], repeat: int, ogr2ogr: str) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-export-") as directory:
        folder = Path(directory)
        engine = create_engine_for(f"sqlite:///{folder / 'bench.sqlite3'}")
        upgrade(engine)
        store = Store(engine)
        store.layers.load_seed(read_seed())
        _fill(store, size)
        reading = _best(repeat, partial(store.layers.records, "ideas"))
        source_spec = export.parse_spec(["ideas"], "geojson", {})
        source = export.write_export(store, source_spec, folder).path
        print(
            f"\n{size} ideas (reading them from SQLite alone: {reading:.2f} s; "
            f"ogr2ogr's source: our GeoJSON export, {source.stat().st_size / 1e6:.1f} MB)"
        )
        print(f"{'figure':<26}{'ours (s)':>10}{'ogr2ogr (s)':>13}{'ratio':>8}")
        for fmt, epsg in figures:
            ours = _best(repeat, partial(_ours, store, fmt, epsg, folder))
            base = _best(repeat, partial(_ogr2ogr, ogr2ogr, source, fmt, epsg, folder))
            figure = f"{fmt} EPSG:{epsg}"
            print(f"{figure:<26}{ours:>10.2f}{base:>13.2f}{ours / base:>8.2f}", flush=True)
        engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--formats", default=",".join(OGR2OGR))
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (best counts)")
    args = parser.parse_args(argv)
    ogr2ogr = shutil.which("ogr2ogr")
    if ogr2ogr is None:
        sys.exit("ogr2ogr fehlt: apt-get install gdal-bin")
    version = subprocess.run(  # noqa: S603 - the program the baseline is about
        [ogr2ogr, "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    print(f"ours: pyogrio {pyogrio.__version__}, GDAL {pyogrio.__gdal_version_string__}")
    print(f"baseline: {version}")
    formats = args.formats.split(",")
    figures = [(fmt, formats.WGS84) for fmt in formats]
    if "gpkg" in formats:
        figures.append(("gpkg", formats.UTM32N))
    for size in (int(s) for s in args.sizes.split(",")):
        _measure(size, figures, args.repeat, ogr2ogr)


if __name__ == "__main__":
    main()
