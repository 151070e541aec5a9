"""QGIS (Debian's python3-qgis, QGIS 3.22, headless) loads our OGC API collections and our
GeoPackage and KML exports with the right geometry and field types.

QGIS runs in Debian's own Python (``/usr/bin/python3``), which has its bindings; the
script it runs is ``qgis_layers.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.web.test_ogc import _add_ideas

SYSTEM_PYTHON = "/usr/bin/python3"
SCRIPT = Path(__file__).with_name("qgis_layers.py")


def _qgis(*layers: tuple[str, str]) -> list[dict]:
    arguments = [part for layer in layers for part in layer]
    result = subprocess.run(
        [SYSTEM_PYTHON, str(SCRIPT), *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def _oapif(live_server: str, collection: str) -> tuple[str, str]:
    return "OAPIF", f"url='{live_server}/ogc' typename='{collection}'"


@pytest.fixture
def with_ideas(store):
    _add_ideas(store)


def test_qgis_is_the_debian_one():
    version = subprocess.run(
        [SYSTEM_PYTHON, "-c", "from qgis.core import Qgis; print(Qgis.QGIS_VERSION)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert version.startswith("3."), version
    assert sys.executable != SYSTEM_PYTHON


def test_qgis_draws_the_areas_of_measures_and_types_ideas(live_server, with_ideas, seed):
    collections = ("measures", "measures-flaechen", "measures-punkte", "ideas")
    measures, areas, points, ideas = _qgis(*(_oapif(live_server, c) for c in collections))
    # QGIS takes the geometry type of the first features: measures alone is a point
    # layer, its areas come as a collection of their own.
    assert measures["geometry"] == "Point"
    assert areas["geometry"] == "Polygon" and areas["count"] >= 1
    assert points["geometry"] == "Point"
    assert areas["count"] + points["count"] == len(seed.measures)
    assert ideas["geometry"] == "Point" and ideas["count"] == 2
    assert ideas["fields"]["created_at"] == "DateTime"
    assert ideas["fields"]["supports"] == "Integer"
    assert "email" not in ideas["fields"]


def test_qgis_reads_the_geopackage_and_kml_exports(live_server, tmp_path):
    files = {}
    for name in ("measures.gpkg", "measures.kml"):
        files[name] = tmp_path / name
        with urllib.request.urlopen(f"{live_server}/export/{name}", timeout=60) as response:
            files[name].write_bytes(response.read())
    gpkg, kml = _qgis(("ogr", str(files["measures.gpkg"])), ("ogr", str(files["measures.kml"])))
    assert gpkg["valid"] and kml["valid"]
    assert gpkg["count"] == kml["count"] == 7
    assert gpkg["fields"]["cost_eur"] == "Integer64"
    assert gpkg["fields"]["funding_share"] == "Real"
    assert gpkg["fields"]["cost_is_estimate"] == "Boolean"
    assert kml["fields"]["funding_share"] == "Real"


def test_qgis_types_an_empty_ideas_collection_through_gdal(live_server):
    # QGIS 3.22's own OGC API provider types a layer from its features only; through
    # GDAL (Add Vector Layer → Protocol → OGC API – Features) it reads the XML schema.
    (ideas,) = _qgis(("ogr", f"OAPIF:{live_server}/ogc|layername=ideas"))
    assert ideas["valid"] and ideas["geometry"] == "Point"
    assert ideas["fields"]["created_at"] == "DateTime"
    assert ideas["fields"]["supports"] == "Integer"
    assert set(ideas["fields"]) >= {"title", "category", "updated_at"}
