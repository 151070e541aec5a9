"""Uploads are opened only as what their name says, and within the import limits (issue 22)."""

from __future__ import annotations

import http.server
import io
import json
import math
import sqlite3
import threading
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import Point, Polygon

from tests.web.test_export import _download, _store
from tests.web.test_import import (
    _apply,
    _gpkg_bytes,
    _move_on,
    _preview,
    _shapefile_parts,
    _snapshot,
    _upload,
    _zip,
)
from tests.web.test_planning import _login

SECRET = "GEHEIM-7f3a9c"


@pytest.fixture
def planner_client(client, planner):
    _login(client)
    return client


@pytest.fixture
def listener():
    """A local HTTP server that records every request it gets."""
    requests: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the name http.server calls)
            requests.append(self.path)
            if self.path != "/secret.csv":
                self.send_error(404)
                return
            body = f"id,secret\n1,{SECRET}\n".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_HEAD = do_GET

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", requests
    server.shutdown()
    server.server_close()


def _vrt(tmp_path: Path, url: str) -> bytes:
    """An OGR VRT with two layers: a secret file on disk and a URL."""
    secret = tmp_path / "secret.csv"
    secret.write_text(f"id,secret\n1,{SECRET}\n", encoding="utf-8")
    return (
        "<OGRVRTDataSource>"
        f'<OGRVRTLayer name="datei"><SrcDataSource>{secret}</SrcDataSource>'
        "<SrcLayer>secret</SrcLayer></OGRVRTLayer>"
        f'<OGRVRTLayer name="netz"><SrcDataSource>/vsicurl/{url}/secret.csv</SrcDataSource>'
        "<SrcLayer>secret</SrcLayer></OGRVRTLayer></OGRVRTDataSource>"
    ).encode()


def _assert_nothing_kept(app, before, response) -> None:
    assert response.status_code == 400
    assert SECRET not in response.get_data(as_text=True)
    assert _snapshot(app) == before
    imports = Path(app.instance_path) / "imports"
    assert not imports.exists() or list(imports.iterdir()) == []


@pytest.mark.both_databases
@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("geojson", "lässt sich nicht als GeoJSON lesen"),
        ("gpkg", "lässt sich nicht als GeoPackage lesen"),
        ("shp-in-zip", "„teil.shp“ ist kein Teil eines Shapefiles"),
        ("vrt-in-zip", "enthält kein Shapefile"),
    ],
)
def test_a_disguised_vrt_is_refused_and_reads_nothing(
    app, planner_client, tmp_path, listener, case, message
):
    url, requests = listener
    before = _snapshot(app)
    vrt = _vrt(tmp_path, url)
    # GDAL itself opens the file as a VRT, reads the secret and calls the server.
    disguised = tmp_path / "probe.geojson"
    disguised.write_bytes(vrt)
    assert SECRET in gpd.read_file(disguised, layer="datei")["secret"].tolist()
    assert SECRET in gpd.read_file(disguised, layer="netz")["secret"].tolist()
    assert requests, "GDAL fetched the URL"
    requests.clear()

    parts = {k: v for k, v in _shapefile_parts(tmp_path).items() if not k.endswith(".shp")}
    files = {
        "geojson": (vrt, "x.geojson"),
        "gpkg": (vrt, "x.gpkg"),
        "shp-in-zip": (_zip({**parts, "teil.shp": vrt}), "x.zip"),
        "vrt-in-zip": (_zip({"x.vrt": vrt, "x.dbf": vrt}), "x.zip"),
    }
    content, name = files[case]
    response = _upload(planner_client, content, name)
    assert message in response.get_data(as_text=True)
    _assert_nothing_kept(app, before, response)
    assert requests == [], "the server was not contacted"
    for layer in ("measures", "locations"):
        stored = json.dumps([repr(r) for r in _store(app).layers.records(layer)])
        assert SECRET not in stored


def _feature_collection(crs: dict | None = None, geometry: dict | None = None) -> dict:
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": "kifaz"},
                "geometry": geometry or {"type": "Point", "coordinates": [8.474, 50.566]},
            }
        ],
    }
    if crs:
        collection["crs"] = crs
    return collection


@pytest.mark.parametrize("place", ["top", "geometry"])
def test_a_geojson_crs_that_points_elsewhere_is_refused(
    app, planner_client, tmp_path, listener, place
):
    url, requests = listener
    before = _snapshot(app)
    link = {"type": "link", "properties": {"href": f"{url}/crs", "type": "proj4"}}
    if place == "top":
        collection = _feature_collection(crs=link)
    else:
        collection = _feature_collection(
            geometry={"type": "Point", "coordinates": [8.474, 50.566], "crs": link}
        )
    response = _upload(planner_client, json.dumps(collection).encode(), "crs.geojson")
    assert "nennt ihr Koordinatensystem über einen Verweis" in response.get_data(as_text=True)
    _assert_nothing_kept(app, before, response)
    assert requests == []


@pytest.mark.parametrize("properties", ["EPSG:4326", None, ["EPSG:4326"]])
def test_a_geojson_crs_whose_properties_are_no_object_is_refused(app, planner_client, properties):
    before = _snapshot(app)
    collection = _feature_collection(crs={"type": "name", "properties": properties})
    response = _upload(planner_client, json.dumps(collection).encode(), "crs.geojson")
    assert "nennt ihr Koordinatensystem über einen Verweis" in response.get_data(as_text=True)
    _assert_nothing_kept(app, before, response)


def test_a_geojson_nested_thousands_deep_is_refused(app, planner_client):
    before = _snapshot(app)
    nested = b"[" * 5000 + b"]" * 5000
    content = b'{"type": "FeatureCollection", "features": [], "x": ' + nested + b"}"
    response = _upload(planner_client, content, "tief.geojson")
    assert "lässt sich nicht als GeoJSON lesen" in response.get_data(as_text=True)
    _assert_nothing_kept(app, before, response)


def test_a_geojson_nested_as_deep_as_json_allows_is_read(planner_client):
    # The parser takes 900 levels; the search for "crs" members must too.
    nested = b"[" * 900 + b"]" * 900
    content = b'{"type": "FeatureCollection", "features": [], "x": ' + nested + b"}"
    assert _upload(planner_client, content, "tief.geojson").status_code == 303


def test_a_list_in_a_cell_is_an_invalid_feature_not_a_server_error(app, planner_client):
    collection = _feature_collection()
    # GDAL reads a list of whole numbers as an IntegerList field.
    collection["features"][0]["properties"] = {"id": [1, 2], "title": "Liste"}
    _url, html, dry_run = _preview(planner_client, json.dumps(collection).encode(), "l.geojson")
    assert any("id" in reason for reason in dry_run["invalid"].values()), dry_run["invalid"]
    assert 'name="fingerprint"' not in html


def test_a_named_crs_still_counts(planner_client):
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4326"}}
    _url, html, dry_run = _preview(
        planner_client, json.dumps(_feature_collection(crs=crs)).encode(), "named.geojson"
    )
    assert "EPSG:4326" in html and "kifaz" in dry_run["unchanged"] | set(dry_run["updated"])


def _gpkg(tmp_path: Path, name: str = "x.gpkg", **layers: gpd.GeoDataFrame) -> Path:
    path = tmp_path / name
    for layer, frame in layers.items():
        frame.to_file(path, layer=layer, driver="GPKG")
    return path


def _points(**columns) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": ["kifaz"], **columns}, geometry=[Point(8.474, 50.566)], crs=4326)


@pytest.mark.both_databases
def test_a_geopackage_view_is_refused(app, planner_client, tmp_path):
    before = _snapshot(app)
    path = _gpkg(tmp_path, points=_points())
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE VIEW sicht AS SELECT * FROM points")
        for table in ("gpkg_contents", "gpkg_geometry_columns"):
            connection.execute(f"UPDATE {table} SET table_name = 'sicht'")
    connection.close()
    response = _upload(planner_client, path.read_bytes(), "view.gpkg")
    assert "ist eine Abfrage (View)" in response.get_data(as_text=True)
    _assert_nothing_kept(app, before, response)


@pytest.mark.both_databases
def test_a_geopackage_with_two_layers_names_them(app, planner_client, tmp_path):
    before = _snapshot(app)
    path = _gpkg(tmp_path, measures=_points(), entwurf=_points())
    response = _upload(planner_client, path.read_bytes(), "zwei.gpkg")
    text = response.get_data(as_text=True)
    assert "enthält 2 Ebenen (" in text and "measures" in text and "entwurf" in text
    _assert_nothing_kept(app, before, response)


@pytest.mark.both_databases
def test_a_layer_without_geometry_is_refused(app, planner_client, tmp_path):
    before = _snapshot(app)
    path = tmp_path / "tabelle.gpkg"
    pyogrio.write_dataframe(pd.DataFrame({"id": ["kifaz"]}), path, driver="GPKG")
    response = _upload(planner_client, path.read_bytes(), "tabelle.gpkg")
    assert "keine Ebene mit Geometrien" in response.get_data(as_text=True)
    _assert_nothing_kept(app, before, response)


@pytest.mark.both_databases
def test_a_geopackage_with_heights_imports_without_them(app, planner_client, tmp_path):
    store = _store(app)
    kifaz = store.layers.record("measures", "kifaz")
    frame = gpd.read_file(_download_measures(planner_client, tmp_path), layer="measures")
    frame["geometry"] = [
        Point(g.x, g.y, 180.0) if g.geom_type == "Point" else g for g in frame.geometry
    ]
    _move_on(frame, "kifaz", "in_umsetzung")
    path = tmp_path / "z.gpkg"
    _gpkg_bytes(frame, tmp_path, path.name)
    assert gpd.read_file(path).has_z.any()
    url, html, dry_run = _preview(planner_client, path.read_bytes(), "z.gpkg")
    assert 'id="heights-dropped"' in html
    assert dry_run["updated"] == {"kifaz": {"status", "timeline"}} and dry_run["invalid"] == {}
    assert _apply(planner_client, url, html).status_code == 303
    after = store.layers.record("measures", "kifaz")
    assert after.status == "in_umsetzung" and not after.geometry.has_z
    assert after.geometry == kifaz.geometry


def _download_measures(client, tmp_path: Path) -> Path:
    return _download(client, "/export/measures.gpkg?crs=4326", tmp_path, "m.gpkg")


@pytest.mark.both_databases
def test_a_shapefile_whose_cpg_names_the_wrong_encoding_is_refused(app, planner_client, tmp_path):
    before = _snapshot(app)
    parts = _shapefile_parts(tmp_path)  # UTF-8 texts ("Straße") with a .cpg saying UTF-8
    response = _upload(planner_client, _zip({**parts, "teil.cpg": b"1252"}), "cpg.zip")
    assert "falsch kodiert" in response.get_data(as_text=True)
    _assert_nothing_kept(app, before, response)


# -- resource limits ---------------------------------------------------------------------------


@pytest.mark.both_databases
def test_a_zip_that_unpacks_too_large_is_refused_without_unpacking(app, planner_client, tmp_path):
    before = _snapshot(app)
    app.config["IMPORT_MAX_UNPACKED_BYTES"] = 1024 * 1024
    parts = _shapefile_parts(tmp_path)
    # 30 MB of padding that packs to some 30 kB.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            padding = b"\x00" * (30 * 1024 * 1024) if name.endswith(".dbf") else b""
            archive.writestr(name, content + padding)
    bomb = buffer.getvalue()
    assert len(bomb) < 100_000
    response = _upload(planner_client, bomb, "bombe.zip")
    assert "entpackt größer als 1 MB" in response.get_data(as_text=True)
    _assert_nothing_kept(app, before, response)


def _ring(vertices: int) -> Polygon:
    return Polygon(
        [
            (
                8.474 + 0.001 * math.cos(2 * math.pi * i / vertices),
                50.566 + 0.001 * math.sin(2 * math.pi * i / vertices),
            )
            for i in range(vertices)
        ]
    )


@pytest.mark.both_databases
@pytest.mark.parametrize("kind", ["geojson", "gpkg"])
def test_a_feature_with_too_many_vertices_is_refused(app, planner_client, tmp_path, kind):
    before = _snapshot(app)
    frame = gpd.GeoDataFrame({"id": ["riesig"]}, geometry=[_ring(20_000)], crs=4326)
    if kind == "geojson":
        content = frame.to_json().encode()
    else:
        content = _gpkg(tmp_path, measures=frame).read_bytes()
    response = _upload(planner_client, content, f"riesig.{kind}")
    text = response.get_data(as_text=True)
    assert "Objekt Nr. 1 der Datei hat 20.001 Stützpunkte; höchstens 10.000 je Objekt" in text
    _assert_nothing_kept(app, before, response)


def test_a_geojson_with_too_many_positions_is_refused_before_parsing(app, planner_client):
    before = _snapshot(app)
    app.config["IMPORT_MAX_VERTICES"] = 1_000
    many = gpd.GeoDataFrame(
        {"id": [f"p{i}" for i in range(1_500)]},
        geometry=[Point(8.474, 50.566)] * 1_500,
        crs=4326,
    )
    response = _upload(planner_client, many.to_json().encode(), "viele.geojson")
    assert "enthält 1.500 Stützpunkte; höchstens 1.000" in response.get_data(as_text=True)
    _assert_nothing_kept(app, before, response)
