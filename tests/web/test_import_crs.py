"""Uploads in other CRSs: the old Hessian Gauss-Krüger CRS exactly, CRSs for elsewhere refused."""

from __future__ import annotations

import subprocess
from pathlib import Path

import geopandas as gpd
import pytest
from pyproj import CRS, Transformer
from pyproj.transformer import TransformerGroup
from shapely.geometry import Point

from measures.domain import crs, geo
from tests.web.test_export import _store
from tests.web.test_import import (
    _apply,
    _gpkg_bytes,
    _measures_gpkg,
    _preview,
    _shapefile_parts,
    _snapshot,
    _upload,
    _zip,
)
from tests.web.test_planning import _login

# A point in Dalheim in DHDN / 3-degree Gauss-Krüger zone 3 (EPSG:31467), on whole metres.
GK3_POINT = (3462300.0, 5603800.0)
# DHDN → ETRS89 as the AdV defines it, with its NTv2 grid BETA2007 named explicitly: no
# choice among PROJ's candidate transformations (ETRS89 and WGS 84 agree to a few
# centimetres here, as EPSG:1149 assumes).
BETA2007_PIPELINE = (
    "+proj=pipeline "
    "+step +inv +proj=tmerc +lat_0=0 +lon_0=9 +k=1 +x_0=3500000 +y_0=0 +ellps=bessel "
    "+step +proj=hgridshift +grids=BETA2007.gsb "
    "+step +proj=unitconvert +xy_in=rad +xy_out=deg"
)


def _metres_apart(a: Point, b: Point) -> float:
    return geo.to_crs(a, geo.UTM32N).distance(geo.to_crs(b, geo.UTM32N))


def test_the_reference_is_what_debians_gdal_computes():
    """Debian's GDAL 3.6 with its own PROJ 9.1 and proj-data gives the same point."""
    reference = Point(Transformer.from_pipeline(BETA2007_PIPELINE).transform(*GK3_POINT))
    answer = subprocess.run(
        ["gdaltransform", "-s_srs", "EPSG:31467", "-t_srs", "EPSG:4326", "-output_xy"],
        input=f"{GK3_POINT[0]} {GK3_POINT[1]}\n",
        capture_output=True,
        text=True,
        check=True,
    )
    lon, lat = map(float, answer.stdout.split())
    assert _metres_apart(Point(lon, lat), reference) < 0.005


@pytest.mark.both_databases
@pytest.mark.usefixtures("planner")
def test_a_gauss_krueger_file_lands_within_5_cm(app, client, tmp_path):
    store = _store(app)
    _login(client)
    before = {m.id: m for m in store.layers.records("measures")}
    frame = _measures_gpkg(client, tmp_path, 31467)
    moved_id = next(
        m.id for m in before.values() if m.geometry.geom_type == "Point" and m.id != "kifaz"
    )
    frame.loc[frame["id"] == moved_id, "geometry"] = gpd.GeoSeries(
        [Point(GK3_POINT)], crs=31467
    ).values

    url, html, dry_run = _preview(client, _gpkg_bytes(frame, tmp_path), "gk3.gpkg")
    assert "EPSG:31467" in html
    # The export to EPSG:31467 and the import back use the same grid: nothing else moved.
    assert dry_run["updated"] == {moved_id: {"geometry"}}
    assert dry_run["unchanged"] == set(before) - {moved_id}
    assert _apply(client, url, html).status_code == 303

    stored = store.layers.record("measures", moved_id).geometry
    reference = Point(Transformer.from_pipeline(BETA2007_PIPELINE).transform(*GK3_POINT))
    assert _metres_apart(stored, reference) < 0.05
    # PROJ's candidate without the grid (a seven-parameter shift) lands far enough off for
    # this test to notice.
    group = TransformerGroup(31467, 4326, always_xy=True)
    without_grid = next(t for t in group.transformers if "gridshift" not in t.definition)
    assert _metres_apart(Point(without_grid.transform(*GK3_POINT)), reference) > 0.6


@pytest.mark.usefixtures("planner")
def test_a_crs_for_another_continent_is_refused(app, client, tmp_path):
    _login(client)
    before = _snapshot(app)
    # UTM coordinates of Dalheim, but the file says zone 17N (Ohio to Ecuador).
    elsewhere = _measures_gpkg(client, tmp_path, 25832).set_crs(32617, allow_override=True)
    response = _upload(client, _gpkg_bytes(elsewhere, tmp_path, "utm17.gpkg"), "utm17.gpkg")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "EPSG:32617 (WGS 84 / UTM zone 17N), gilt nicht für Dalheim" in text
    assert "Traceback" not in text
    assert _snapshot(app) == before
    imports = Path(app.instance_path) / "imports"
    assert not imports.exists() or list(imports.iterdir()) == [], "nothing kept"


LOCAL_GRID = (
    'LOCAL_CS["Baustellenraster",LOCAL_DATUM["Baustelle",0],UNIT["metre",1],'
    'AXIS["X",EAST],AXIS["Y",NORTH]]'
)


@pytest.mark.usefixtures("planner")
def test_a_shapefile_on_a_local_grid_is_refused(app, client, tmp_path):
    _login(client)
    before = _snapshot(app)
    parts = {**_shapefile_parts(tmp_path, with_prj=False), "teil.prj": LOCAL_GRID.encode()}
    response = _upload(client, _zip(parts), "lokal.zip")
    assert response.status_code == 400
    assert "Baustellenraster, lässt sich nicht in Länge/Breite umrechnen" in response.text
    assert _snapshot(app) == before


def test_a_crs_whose_grid_is_missing_is_refused():
    """OSGB36 needs the grid OSTN15, which proj-data does not hold: refused, not shifted."""
    london = (-0.2, 51.4, -0.1, 51.6)
    problem = crs.upload_crs_problem(CRS(27700), london)
    assert problem is not None and "fehlt auf dem Server das Korrekturgitter" in problem
    assert "OSTN15" in problem
    assert crs.upload_crs_problem(CRS(31467)) is None, "BETA2007 is installed"
    assert crs.upload_crs_problem(CRS(25832)) is None


def test_the_quartier_lies_within_the_bounds_that_crss_must_cover(app):
    west, south, east, north = _store(app).layers.quartier().geometry.bounds
    bounds = crs.QUARTIER_BOUNDS
    assert bounds[0] <= west and bounds[1] <= south and east <= bounds[2] and north <= bounds[3]
