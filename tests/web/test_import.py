"""Planners' GIS import: round trips with edited files, the dry run, bad files."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from pyproj import Transformer
from shapely.affinity import translate
from shapely.geometry import Point, Polygon
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app import create_app
from tests.factories import create_planner
from tests.web.test_export import _download, _store
from tests.web.test_planning import _csrf, _login

TO_UTM = Transformer.from_crs(4326, 25832, always_xy=True)
FROM_UTM = Transformer.from_crs(25832, 4326, always_xy=True)


@pytest.fixture
def planner_client(client, planner):
    _login(client)
    return client


def _upload(client, content: bytes, filename: str, layer: str = "measures"):
    token = _csrf(client, "/planung/import/")
    # Encoded in memory: the test client would spool a large body to an unclosed file.
    boundary, body = encode_multipart(
        {
            "csrf_token": token,
            "layer": layer,
            "file": FileStorage(io.BytesIO(content), filename=filename),
        }
    )
    return client.post(
        "/planung/import/",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _dry_run(html: str) -> dict:
    """What the preview page says, read from its data attributes."""
    updated: dict[str, set[str]] = {}
    for record_id, field in re.findall(r'data-updated="([^"]+)" data-field="([^"]+)"', html):
        updated.setdefault(record_id, set()).add(field)
    invalid: dict[str, str] = {}
    for label, cell in re.findall(r'data-invalid="([^"]+)">(.*?)</tr>', html, re.S):
        invalid[label] = re.sub(r"<[^>]+>", " ", cell)
    return {
        "created": set(re.findall(r'data-created="([^"]+)"', html)),
        "updated": updated,
        "unchanged": set(re.findall(r'data-unchanged="([^"]+)"', html)),
        "invalid": invalid,
    }


def _preview(client, content: bytes, filename: str, layer: str = "measures"):
    response = _upload(client, content, filename, layer)
    assert response.status_code == 303, response.get_data(as_text=True)[-1500:]
    url = response.headers["Location"]
    html = client.get(url).get_data(as_text=True)
    return url, html, _dry_run(html)


def _apply(client, url: str, html: str):
    fingerprint = re.search(r'name="fingerprint" value="([^"]+)"', html)
    return client.post(
        url + "/anwenden",
        data={
            "csrf_token": _csrf(client, url),
            "fingerprint": fingerprint.group(1) if fingerprint else "",
        },
    )


def _measures_gpkg(client, tmp_path: Path, crs: int = 25832) -> gpd.GeoDataFrame:
    path = _download(client, f"/export/measures.gpkg?crs={crs}", tmp_path, f"m{crs}.gpkg")
    return gpd.read_file(path, layer="measures")


def _move_on(frame: gpd.GeoDataFrame, record_id: str, status: str, date: str = "2026-12"):
    """A planner's edit in QGIS: one more step on the decision path, and the status it
    gives (a status alone contradicts the timeline and is refused)."""
    at = frame.index[frame["id"] == record_id][0]
    timeline = frame.at[at, "timeline"]
    steps = json.loads(timeline) if isinstance(timeline, str) else list(timeline)
    frame.at[at, "timeline"] = json.dumps([*steps, {"status": status, "date": date}])
    frame.loc[at, "status"] = status


def _gpkg_bytes(
    frame: gpd.GeoDataFrame, tmp_path: Path, name: str = "edited.gpkg", layer: str = "measures"
) -> bytes:
    path = tmp_path / name
    # pyogrio reads the GeoPackage's JSON columns as lists but would write them back as
    # Python reprs: as JSON text, as QGIS writes them.
    frame = frame.copy()
    for column in ("sources", "timeline"):
        if column in frame.columns:
            frame[column] = frame[column].map(
                lambda v: json.dumps(v, ensure_ascii=False) if isinstance(v, list) else v
            )
    frame.to_file(path, layer=layer, driver="GPKG")
    return path.read_bytes()


def _snapshot(app) -> list:
    return _store(app).layers.records("measures")


@pytest.mark.both_databases
def test_round_trip_through_a_geopackage_edited_with_geopandas(app, planner_client, tmp_path):
    client, store = planner_client, _store(app)
    before = {m.id: m for m in store.layers.records("measures")}
    frame = _measures_gpkg(client, tmp_path)
    status_id, moved_id = (
        "kifaz",
        next(m.id for m in before.values() if m.geometry.geom_type == "Point" and m.id != "kifaz"),
    )
    _move_on(frame, status_id, "in_umsetzung")
    moved = frame["id"] == moved_id
    frame.loc[moved, "geometry"] = frame.loc[moved, "geometry"].translate(xoff=20.0)

    url, html, dry_run = _preview(client, _gpkg_bytes(frame, tmp_path), "dalheim.gpkg")
    assert dry_run["updated"] == {status_id: {"status", "timeline"}, moved_id: {"geometry"}}
    assert dry_run["created"] == set() and dry_run["invalid"] == {}
    assert dry_run["unchanged"] == set(before) - {status_id, moved_id}
    assert "EPSG:25832" in html and "20.0 m" in html
    assert {m.id: m for m in store.layers.records("measures")} == before, (
        "the dry run wrote nothing"
    )

    applied = _apply(client, url, html)
    assert applied.status_code == 303
    assert "0 neu, 2 geändert" in client.get(applied.headers["Location"]).get_data(as_text=True)
    after = {m.id: m for m in store.layers.records("measures")}
    assert after[status_id].status == "in_umsetzung"
    x, y = TO_UTM.transform(before[moved_id].geometry.x, before[moved_id].geometry.y)
    lon, lat = FROM_UTM.transform(x + 20.0, y)
    assert after[moved_id].geometry.x == pytest.approx(lon, abs=1e-9)
    assert after[moved_id].geometry.y == pytest.approx(lat, abs=1e-9)
    for record_id in set(before) - {status_id, moved_id}:
        assert after[record_id] == before[record_id], "untouched records keep even updated_at"
    # The upload is gone once applied.
    assert client.get(url).status_code == 404


def test_round_trip_through_a_shapefile_maps_the_short_names_back(app, planner_client, tmp_path):
    client, store = planner_client, _store(app)
    before = {m.id: m for m in store.layers.records("measures")}
    path = _download(client, "/export/measures.shp?crs=25832", tmp_path)
    folder = tmp_path / "shp"
    with zipfile.ZipFile(path) as archive:
        archive.extractall(folder)
    points = gpd.read_file(folder / "measures_punkte.shp")
    assert "descr" in points.columns and "description" not in points.columns
    edited_id = points["id"].iloc[0]
    points.loc[points["id"] == edited_id, "descr"] = "Spielfläche für Jugendliche – größer"
    points.to_file(folder / "measures_punkte.shp", encoding="UTF-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in sorted(folder.iterdir()):
            archive.write(part, f"qgis-export/{part.name}")

    url, html, dry_run = _preview(client, buffer.getvalue(), "dalheim.zip")
    # KiFaZ's sources are longer than dBASE's 254 bytes: cut in the file, not a change.
    assert dry_run["updated"] == {edited_id: {"description"}}
    assert dry_run["unchanged"] == set(before) - {edited_id} and dry_run["invalid"] == {}
    assert _apply(client, url, html).status_code == 303
    assert (
        store.layers.record("measures", edited_id).description
        == "Spielfläche für Jugendliche – größer"
    )
    assert store.layers.record("measures", "kifaz") == before["kifaz"]


# A new measure's properties, good for an import, as a GeoJSON feature holds them.
NEW_BENCH = {
    "id": "neue-bank",
    "title": "Neue Bank am Weiher",
    "summary": "Eine Sitzbank für Ältere.",
    "category": "wohnumfeld_gruen",
    "status": "idee",
    "accuracy": "approximate",
    "sources": [{"title": "Beirat, Protokoll", "url": "https://example.org/p"}],
}


def test_new_features_come_from_geojson_with_nested_properties(app, planner_client):
    client, store = planner_client, _store(app)
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [8.4745, 50.5660]},
        "properties": {**NEW_BENCH, "notiz": "nur für uns"},
    }
    content = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
    url, html, dry_run = _preview(client, content, "neu.geojson")
    assert dry_run["created"] == {"neue-bank"} and not dry_run["updated"]
    assert "notiz" in html, "columns without meaning are named"
    assert _apply(client, url, html).status_code == 303
    created = store.layers.record("measures", "neue-bank")
    assert (
        created.title == "Neue Bank am Weiher" and created.sources[0].title == "Beirat, Protokoll"
    )
    assert len(store.layers.records("measures")) == 8


def test_places_can_be_imported_too(app, planner_client, tmp_path):
    client, store = planner_client, _store(app)
    path = _download(client, "/export/locations.gpkg", tmp_path)
    frame = gpd.read_file(path)
    frame.loc[frame["id"] == "kifaz", "opening_hours"] = "Mo–Fr 7–17 Uhr"
    url, html, dry_run = _preview(
        client, _gpkg_bytes(frame, tmp_path, "orte.gpkg", "locations"), "orte.gpkg", "locations"
    )
    assert dry_run["updated"] == {"kifaz": {"opening_hours"}}
    assert _apply(client, url, html).status_code == 303
    assert store.layers.record("locations", "kifaz").opening_hours == "Mo–Fr 7–17 Uhr"


# -- files that cannot be read at all -----------------------------------------------------------


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _shapefile_parts(tmp_path: Path, with_prj: bool = True) -> dict[str, bytes]:
    frame = gpd.GeoDataFrame(
        {"id": ["kifaz"], "title": ["Straße"]}, geometry=[Point(8.474, 50.566)], crs=4326
    )
    frame.to_file(tmp_path / "teil.shp", encoding="UTF-8")
    parts = {p.name: p.read_bytes() for p in tmp_path.glob("teil.*")}
    if not with_prj:
        parts.pop("teil.prj")
    return parts


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("damaged-gpkg", "lässt sich nicht als GeoPackage lesen"),
        ("not-a-zip", "keine ZIP-Datei"),
        ("zip-without-shapefile", "enthält kein Shapefile"),
        ("shapefile-without-dbf", "fehlt in der ZIP-Datei „teil.dbf“"),
        ("latin-1-geojson", "nicht UTF-8-kodiert"),
        ("latin-1-shapefile", "nicht UTF-8-kodiert"),
        ("wrong-ending", "Bitte eine GeoPackage-Datei"),
        ("broken-geojson", "lässt sich nicht als GeoJSON lesen"),
    ],
)
def test_unreadable_files_are_refused_with_a_german_message(
    app, planner_client, tmp_path, case, message
):
    before = _snapshot(app)
    parts = _shapefile_parts(tmp_path)
    latin = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"id": "kifaz", "title": "Straße"},
                    "geometry": {"type": "Point", "coordinates": [8.474, 50.566]},
                }
            ],
        },
        ensure_ascii=False,
    ).encode("latin-1")
    dbf = parts["teil.dbf"].replace("Straße".encode(), "Straße".encode("latin-1") + b" ")
    files = {
        "damaged-gpkg": (b"SQLite format 3\x00" + b"\x00" * 200, "kaputt.gpkg"),
        "not-a-zip": (b"PK\x03\x04 nur der Anfang", "kaputt.zip"),
        "zip-without-shapefile": (_zip({"liesmich.txt": b"nichts"}), "leer.zip"),
        "shapefile-without-dbf": (
            _zip({k: v for k, v in parts.items() if not k.endswith(".dbf")}),
            "teil.zip",
        ),
        "latin-1-geojson": (latin, "latin.geojson"),
        "latin-1-shapefile": (_zip({**parts, "teil.dbf": dbf}), "latin.zip"),
        "wrong-ending": (b"id;title", "tabelle.csv"),
        "broken-geojson": (b'{"type": "FeatureCollection", "features": [', "halb.geojson"),
    }
    content, name = files[case]
    response = _upload(planner_client, content, name)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _snapshot(app) == before
    imports = Path(app.instance_path) / "imports"
    assert not imports.exists() or list(imports.iterdir()) == [], "nothing kept"


def test_size_and_feature_limits(app, planner_client, tmp_path):
    client = planner_client
    frame = _measures_gpkg(client, tmp_path, 4326)
    # Larger than the app's 1 MB limit for other requests, within the 20 MB for imports.
    padded = frame.to_json(default=str).encode() + b" " * (1_500_000)
    assert _upload(client, padded, "gross.geojson").status_code == 303

    app.config["IMPORT_MAX_BYTES"] = 100_000
    refused = _upload(client, padded, "gross.geojson")
    assert refused.status_code == 413
    assert "Die Datei ist zu groß; höchstens 0,1 MB sind möglich." in refused.get_data(as_text=True)

    app.config["IMPORT_MAX_BYTES"] = 20 * 1024 * 1024
    app.config["IMPORT_MAX_FEATURES"] = 3
    many = _upload(client, _gpkg_bytes(frame, tmp_path), "viele.gpkg")
    assert many.status_code == 400
    assert "enthält mehr als 3 Objekte; höchstens 3" in many.get_data(as_text=True)


# -- features that are wrong --------------------------------------------------------------------


def _edited(frame: gpd.GeoDataFrame, case: str) -> gpd.GeoDataFrame:
    first = frame["id"] == "kifaz"
    if case == "bad-geometry":
        frame = frame.copy()
        bowtie = Polygon([(8.470, 50.565), (8.472, 50.567), (8.472, 50.565), (8.470, 50.567)])
        frame.loc[first, "geometry"] = gpd.GeoSeries([bowtie], crs=4326).to_crs(frame.crs).values
    elif case == "unknown-status":
        frame.loc[first, "status"] = "fast_fertig"
    elif case == "missing-id":
        frame.loc[first, "id"] = None
    elif case == "outside":
        frame.loc[first, "geometry"] = (
            gpd.GeoSeries([Point(8.50, 50.58)], crs=4326).to_crs(frame.crs).values
        )
    elif case == "duplicate-id":
        frame.loc[frame.index[1], "id"] = "kifaz"
    elif case == "broken-sources":
        frame.loc[first, "sources"] = "Stadt Wetzlar <https://www.wetzlar.de>"
    elif case == "timeline-status-object":
        frame.loc[first, "timeline"] = json.dumps([{"date": "2026", "status": {"a": 1}}])
    elif case in ("huge-number", "superscript-number"):
        # A text column now: int() of 5,000 digits raises, int("²") too.
        frame["cost_eur"] = frame["cost_eur"].astype(object)
        frame.loc[first, "cost_eur"] = "9" * 5000 if case == "huge-number" else "²"
    return frame


@pytest.mark.both_databases
@pytest.mark.parametrize(
    ("case", "label", "reason"),
    [
        ("bad-geometry", "kifaz", "ist ungültig"),
        ("unknown-status", "kifaz", "unbekannter Wert &#39;fast_fertig&#39;"),
        ("missing-id", "#", "id: fehlt, ist aber Pflicht"),
        ("outside", "kifaz", "außerhalb des Quartiers"),
        ("duplicate-id", "kifaz (#", "mehrfach"),
        ("broken-sources", "kifaz", "keine gültige JSON-Liste"),
        ("huge-number", "kifaz", "cost_eur: muss eine ganze Zahl sein"),
        ("superscript-number", "kifaz", "cost_eur: muss eine ganze Zahl sein"),
        ("timeline-status-object", "kifaz", "timeline[0].status: unbekannter Status"),
    ],
)
def test_invalid_features_are_listed_and_block_the_import(
    app, planner_client, tmp_path, case, label, reason
):
    client = planner_client
    before = _snapshot(app)
    frame = _measures_gpkg(client, tmp_path)
    frame.loc[frame["id"] == "abriss-alte-kita", "title"] = "Abriss – geändert"
    url, html, dry_run = _preview(client, _gpkg_bytes(_edited(frame, case), tmp_path), "f.gpkg")
    matching = [k for k in dry_run["invalid"] if k.startswith(label)]
    assert matching, dry_run["invalid"]
    assert reason in dry_run["invalid"][matching[0]]
    assert "abriss-alte-kita" in dry_run["updated"], "the valid change is shown"
    assert 'name="fingerprint"' not in html, "no apply button"
    assert _apply(client, url, html).status_code == 400
    assert _snapshot(app) == before


def test_wrong_or_missing_crs_is_named(app, planner_client, tmp_path):
    client = planner_client
    before = _snapshot(app)
    utm = _measures_gpkg(client, tmp_path, 25832)

    # Metres written as if they were degrees (GeoJSON without a crs member is EPSG:4326).
    as_degrees = json.loads(utm.to_json(drop_id=True, default=str))
    as_degrees.pop("crs", None)
    _url, _html, dry_run = _preview(client, json.dumps(as_degrees).encode(), "utm.geojson")
    assert len(dry_run["invalid"]) == 7
    assert all("Länge/Breite (EPSG:4326)" in r for r in dry_run["invalid"].values())

    # Degrees in a file that claims EPSG:25832.
    degrees = _measures_gpkg(client, tmp_path, 4326).set_crs(25832, allow_override=True)
    _url, _html, dry_run = _preview(client, _gpkg_bytes(degrees, tmp_path), "falsch.gpkg")
    assert all(
        "km vom Quartier entfernt – stimmt das Koordinatensystem der Datei (EPSG:25832)" in r
        for r in dry_run["invalid"].values()
    ), dry_run["invalid"]

    # A Shapefile without .prj.
    parts = _shapefile_parts(tmp_path, with_prj=False)
    _url, html, dry_run = _preview(client, _zip(parts), "ohne-prj.zip")
    assert "kein Koordinatensystem" in dry_run["invalid"]["kifaz"]
    assert "keines angegeben" in html
    assert _snapshot(app) == before


# -- the steps between preview and apply ---------------------------------------------------------


@pytest.mark.both_databases
def test_apply_refuses_a_preview_that_no_longer_holds(app, planner_client, tmp_path):
    client, store = planner_client, _store(app)
    frame = _measures_gpkg(client, tmp_path)
    _move_on(frame, "kifaz", "in_umsetzung")
    url, html, _dry_run = _preview(client, _gpkg_bytes(frame, tmp_path), "a.gpkg")
    # Meanwhile someone changes the same record another way.
    other = store.layers.record("measures", "kifaz")
    store.layers.import_records("measures", [_moved(other)])
    changed = store.layers.record("measures", "kifaz")
    response = _apply(client, url, html)
    assert response.status_code == 409
    # The file's copy of the KiFaZ is older now: its one change is refused as stale.
    assert "bevor diese Objekte in der Karte geändert wurden" in response.get_data(as_text=True)
    assert store.layers.record("measures", "kifaz") == changed


def _moved(measure):
    return dataclasses.replace(measure, geometry=translate(measure.geometry, xoff=0.0001))


@pytest.mark.both_databases
def test_another_worker_can_apply_what_one_previewed(app, planner_client, tmp_path, database_url):
    frame = _measures_gpkg(planner_client, tmp_path)
    _move_on(frame, "kifaz", "in_umsetzung")
    url, html, _dry_run = _preview(planner_client, _gpkg_bytes(frame, tmp_path), "a.gpkg")
    # A second app: the same database and instance folder, no shared process memory.
    other = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": database_url})
    other.instance_path = app.instance_path
    try:
        second = other.test_client()
        second.set_cookie("session", planner_client.get_cookie("session").value)
        assert _apply(second, url, html).status_code == 303
    finally:
        other.extensions["quartierskarte.store"].engine.dispose()
    assert _store(app).layers.record("measures", "kifaz").status == "in_umsetzung"


def test_uploads_belong_to_their_planner_and_can_be_discarded(app, client, runner, tmp_path):
    for name in ("lea", "max"):
        create_planner(runner, name)
    _login(client, "lea")
    frame = _measures_gpkg(client, tmp_path)
    url, _html, _dry_run = _preview(client, _gpkg_bytes(frame, tmp_path), "a.gpkg")
    assert client.get(url + "x").status_code == 404
    assert client.get("/planung/import/..%2F..%2Fetc").status_code == 404

    intruder = app.test_client()
    _login(intruder, "max")
    assert intruder.get(url).status_code == 404

    discarded = client.post(url + "/verwerfen", data={"csrf_token": _csrf(client, url)})
    assert discarded.status_code == 303
    assert client.get(url).status_code == 404
    assert list((Path(app.instance_path) / "imports").iterdir()) == []


def test_stale_uploads_are_removed(app, planner_client, tmp_path):
    frame = _measures_gpkg(planner_client, tmp_path)
    first, _html, _ = _preview(planner_client, _gpkg_bytes(frame, tmp_path), "a.gpkg")
    app.config["IMPORT_MAX_AGE_S"] = -1
    _preview(planner_client, _gpkg_bytes(frame, tmp_path), "b.gpkg")
    assert planner_client.get(first).status_code == 404
    assert len(list((Path(app.instance_path) / "imports").iterdir())) == 1


@pytest.mark.usefixtures("planner")
def test_anonymous_users_cannot_reach_the_import(app, client, tmp_path):
    token = _csrf(client)
    for method, path in [
        ("GET", "/planung/import/"),
        ("POST", "/planung/import/"),
        ("GET", "/planung/import/" + "a" * 32),
        ("POST", "/planung/import/" + "a" * 32 + "/anwenden"),
        ("POST", "/planung/import/" + "a" * 32 + "/verwerfen"),
    ]:
        response = client.open(
            path,
            method=method,
            data={"csrf_token": token, "layer": "measures", "file": (io.BytesIO(b"x"), "a.gpkg")},
        )
        assert response.status_code == 302, (method, path)
        assert "/planung/anmelden" in response.headers["Location"]
    imports = Path(app.instance_path) / "imports"
    assert not imports.exists()


def test_the_upload_page_is_labelled(planner_client):
    html = planner_client.get("/planung/import/").get_data(as_text=True)
    assert html.count("<fieldset>") == html.count("<legend>") == 2
    assert '<label for="file">' in html and 'enctype="multipart/form-data"' in html
    assert "GIS-Import" in html and "<script" not in html and "<style" not in html


HUGE = "9" * 5000


@pytest.mark.parametrize(
    ("properties", "column"),
    [
        # A number far past Python's 4,300 digits for int(), in a column of numbers…
        # (written into the file's text below: int() of it would raise here).
        ({"cost_eur": "HUGE"}, "cost_eur"),
        # One past 64 bits: GDAL's GeoJSON reader refused the whole file for it.
        ({"start_year": "LONG"}, "start_year"),
        # … and inside the JSON text of a nested column, as a GeoPackage holds it.
        ({"sources": f'[{{"title": "Beirat", "url": {HUGE}}}]'}, "sources"),
    ],
    ids=["number", "past-64-bits", "nested-text"],
)
def test_a_number_of_thousands_of_digits_is_a_bad_value_of_its_feature(
    app, planner_client, properties, column
):
    client, store = planner_client, _store(app)
    before = store.layers.records("measures")
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [8.4745, 50.5660]},
            "properties": {**NEW_BENCH, "id": record_id, **extra},
        }
        for record_id, extra in (("neue-bank", {}), ("riesenzahl", properties))
    ]
    text = json.dumps({"type": "FeatureCollection", "features": features})
    content = text.replace('"HUGE"', HUGE).replace('"LONG"', "9" * 19).encode()
    url, html, dry_run = _preview(client, content, "riesig.geojson")
    assert dry_run["created"] == {"neue-bank"}
    [(label, cell)] = dry_run["invalid"].items()
    assert "riesenzahl" in label and cell.split()[1] == f"{column}:"
    assert store.layers.records("measures") == before
