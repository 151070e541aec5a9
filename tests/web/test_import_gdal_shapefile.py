"""A Shapefile that Debian's ogr2ogr (GDAL 3.6) wrote from our export comes back whole.

GDAL cuts long column names to ten characters its own way (``descriptio``, ``status_dat``),
not to the short names of our Shapefile export; the import knows both.
"""

from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path

import pyogrio
import pytest

from measures.gis import shapefile_names
from tests.web.test_export import _download, _store
from tests.web.test_import import _apply, _preview
from tests.web.test_planning import _login


def _ogr(*arguments: str) -> None:
    subprocess.run(arguments, check=True, capture_output=True)


def _to_shapefiles(source: Path, layer: str, folder: Path, parts: dict[str, str]) -> None:
    """One Shapefile per geometry type, in UTF-8 as QGIS writes by default."""
    folder.mkdir()
    for name, condition in parts.items():
        _ogr(
            "ogr2ogr", "-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8",
            "-sql", f"SELECT * FROM {layer} WHERE {condition}",
            "-nln", name, str(folder / f"{name}.shp"), str(source),
        )  # fmt: skip


def _zipped(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in sorted(folder.iterdir()):
            archive.write(part, part.name)
    return buffer.getvalue()


@pytest.mark.usefixtures("planner")
@pytest.mark.both_databases
def test_ogr2ogr_shapefile_of_measures_imports_every_column(app, client, tmp_path):
    _login(client)
    store = _store(app)
    before = {m.id: m for m in store.layers.records("measures")}
    gpkg = _download(client, "/export/measures.gpkg?crs=25832", tmp_path, "m.gpkg")
    folder = tmp_path / "shp"
    _to_shapefiles(
        gpkg,
        "measures",
        folder,
        {
            "punkte": "ST_GeometryType(geom) = 'POINT'",
            "flaechen": "ST_GeometryType(geom) IN ('POLYGON', 'MULTIPOLYGON')",
        },
    )
    fields = set(pyogrio.read_info(folder / "punkte.shp")["fields"])
    assert {"descriptio", "status_dat", "cost_is_es", "funding_sh", "funding_pr"} <= fields
    assert not fields & {"descr", "fund_prog"}, "GDAL's names, not ours"
    # Edited with GDAL 3.6 too: values in three columns whose names GDAL cut.
    _ogr(
        "ogrinfo", str(folder / "punkte.shp"), "-dialect", "SQLite", "-sql",
        "UPDATE punkte SET descriptio = 'Größer, mit Werkraum', "
        "funding_pr = 'Sozialer Zusammenhalt', cost_is_es = 1 "
        "WHERE id = 'spielhaus-erweiterung'",
    )  # fmt: skip

    url, html, dry_run = _preview(client, _zipped(folder), "ogr2ogr.zip")
    assert "Diese Spalten gehören nicht zur Ebene" not in html, "every column is known"
    assert dry_run["invalid"] == {}
    assert dry_run["updated"] == {
        "spielhaus-erweiterung": {"description", "funding_programme", "cost_is_estimate"}
    }
    # Unchanged although dBASE cut texts and JSON longer than 254 bytes, as for our export.
    assert dry_run["unchanged"] == set(before) - {"spielhaus-erweiterung"}
    assert _apply(client, url, html).status_code == 303
    edited = store.layers.record("measures", "spielhaus-erweiterung")
    assert edited.description == "Größer, mit Werkraum"
    assert edited.funding_programme == "Sozialer Zusammenhalt"
    assert edited.cost_is_estimate is True


@pytest.mark.usefixtures("planner")
def test_ogr2ogr_shapefile_of_places_imports_every_column(app, client, tmp_path):
    _login(client)
    gpkg = _download(client, "/export/locations.gpkg", tmp_path, "l.gpkg")
    folder = tmp_path / "shp"
    _to_shapefiles(gpkg, "locations", folder, {"orte": "1 = 1"})
    assert "opening_ho" in pyogrio.read_info(folder / "orte.shp")["fields"]
    _ogr(
        "ogrinfo", str(folder / "orte.shp"), "-dialect", "SQLite", "-sql",
        "UPDATE orte SET opening_ho = 'Mo–Fr 8–16 Uhr' WHERE id = 'kifaz'",
    )  # fmt: skip
    url, html, dry_run = _preview(client, _zipped(folder), "orte.zip", "locations")
    assert "Diese Spalten gehören nicht zur Ebene" not in html
    assert dry_run["updated"] == {"kifaz": {"opening_hours"}} and dry_run["invalid"] == {}
    assert _apply(client, url, html).status_code == 303
    assert _store(app).layers.record("locations", "kifaz").opening_hours == "Mo–Fr 8–16 Uhr"


def test_gdal_names_of_every_export_map_back(client, tmp_path):
    """Each public export through ogr2ogr: every field GDAL wrote names one of our columns."""
    for layer in ("quartier", "measures", "locations", "ideas"):
        gpkg = _download(client, f"/export/{layer}.gpkg", tmp_path, f"{layer}.gpkg")
        columns = set(pyogrio.read_info(gpkg)["fields"])
        target = tmp_path / f"{layer}.shp"
        _ogr(
            "ogr2ogr", "-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8", "-nlt", "GEOMETRY",
            str(target), str(gpkg), "-sql", f"SELECT * FROM {layer} LIMIT 0",
        )  # fmt: skip
        fields = pyogrio.read_info(target)["fields"]
        assert {shapefile_names.long_name(f) for f in fields} == columns, layer
