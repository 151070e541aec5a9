"""GIS clients against a live /ogc: pyogrio (GDAL 3.12 in its wheel) and Debian's GDAL 3.6.

Every collection must read the same through the OGC API as through the read API, with
filters, reprojection and single features; GDAL 3.6 pages with its default of 10
features per request, which must stay fast.

pyogrio runs in a process of its own: it holds the GIL while GDAL downloads the pages,
so in this process it would stall the server thread of ``live_server`` for good.
"""

from __future__ import annotations

import json
import multiprocessing
import re
import subprocess
import time
import urllib.request
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pyogrio
import pytest
import shapely
from flask import request
from pyproj import Transformer
from shapely.geometry import LinearRing, Point, Polygon

from tests.factories import idea, measure, seed_with
from tests.web.test_ogc import COLLECTIONS, LAYERS, _add_ideas

GDAL_36_PAGE_SIZE = 10


@pytest.fixture
def requests_seen(app) -> list[str]:
    """Path and query of every request the app answers (registered before the first)."""
    seen: list[str] = []

    @app.after_request
    def record(response):
        seen.append(request.full_path.rstrip("?"))
        return response

    return seen


@pytest.fixture
def with_ideas(store):
    _add_ideas(store)


def _in_child(function: str, *args, **kwargs):
    return getattr(pyogrio, function)(*args, **kwargs)


@pytest.fixture(scope="module")
def gdal_process():
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        yield pool


@pytest.fixture
def read(gdal_process):
    """``pyogrio.read_dataframe`` in the GDAL process."""

    def read_dataframe(*args, **kwargs):
        return gdal_process.submit(_in_child, "read_dataframe", *args, **kwargs).result(120)

    return read_dataframe


@pytest.fixture
def list_layers(gdal_process):
    def list_layers(path):
        return gdal_process.submit(_in_child, "list_layers", path).result(120)

    return list_layers


def _oapif(live_server: str) -> str:
    return f"OAPIF:{live_server}/ogc"


def _read_api(read, live_server: str, layer: str):
    """The read API's GeoJSON, read by GDAL's GeoJSON driver for a like-for-like compare."""
    return read(f"{live_server}/api/layers/{layer}")


def _ogr(*args: str, timeout: float = 120) -> str:
    """Debian's GDAL command-line tools (gdal-bin), not the copy inside pyogrio."""
    result = subprocess.run(
        [*args[:1], "--config", "GDAL_HTTP_TIMEOUT", "30", *args[1:]],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
    assert "ERROR" not in result.stderr, result.stderr
    return result.stdout


def test_debian_gdal_is_the_old_one_clients_use():
    version = _ogr("ogrinfo", "--version")
    assert re.match(r"GDAL 3\.\d+", version), version


# -- pyogrio ---------------------------------------------------------------------------


@pytest.mark.parametrize("layer", LAYERS)
def test_pyogrio_reads_every_collection_like_the_read_api(
    live_server, with_ideas, read, list_layers, layer
):
    assert sorted(name for name, _type in list_layers(_oapif(live_server))) == sorted(COLLECTIONS)
    ogc = read(_oapif(live_server), layer=layer)
    api = _read_api(read, live_server, layer)
    assert len(ogc) == len(api) > 0
    assert list(ogc.columns) == list(api.columns)
    pd.testing.assert_frame_equal(
        pd.DataFrame(ogc.drop(columns="geometry")), pd.DataFrame(api.drop(columns="geometry"))
    )
    # Same coordinates; the OGC API says CRS84 (lon/lat) where GeoJSON implies it.
    assert ogc.crs.to_string() == "OGC:CRS84"
    api = api.set_crs(ogc.crs, allow_override=True)
    assert ogc.geometry.geom_equals_exact(api.geometry, tolerance=0).all()
    if layer == "ideas":
        assert list(ogc["id"]) == ["spielgeraete", "bank-am-ring"]
        assert not {"email", "author_name"} & set(ogc.columns)


@pytest.mark.both_databases
def test_pyogrio_bbox_and_property_filter_give_the_right_subset(
    live_server, seed, requests_seen, read
):
    done = read(_oapif(live_server), layer="measures", where="status = 'abgeschlossen'")
    assert set(done["id"]) == {m.id for m in seed.measures if m.status == "abgeschlossen"}
    # GDAL found status among the parameters in /ogc/api and let the server filter.
    assert any(
        parse_qs(urlsplit(p).query).get("status") == ["abgeschlossen"] for p in requests_seen
    )
    near = read(_oapif(live_server), layer="locations", bbox=(8.4700, 50.5660, 8.4715, 50.5665))
    assert list(near["id"]) == ["kifaz"]
    assert any("bbox=" in p for p in requests_seen)


def test_pyogrio_reprojects_to_epsg_25832_like_pyproj(live_server, requests_seen, read):
    plain = read(_oapif(live_server), layer="locations")
    utm = read(_oapif(live_server), layer="locations", CRS="EPSG:25832")
    assert utm.crs.to_epsg() == 25832
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)
    assert list(utm["id"]) == list(plain["id"])
    for lonlat, projected in zip(plain.geometry, utm.geometry, strict=True):
        expected = to_utm.transform(lonlat.x, lonlat.y)
        assert (projected.x, projected.y) == pytest.approx(expected, abs=1e-6)
        assert 400_000 < projected.x < 500_000
    assert any(
        parse_qs(urlsplit(p).query).get("crs") == ["http://www.opengis.net/def/crs/EPSG/0/25832"]
        for p in requests_seen
    )


def test_pyogrio_fetches_one_feature_by_id(live_server, requests_seen, read):
    kifaz = read(_oapif(live_server), layer="measures", where="id = 'kifaz'")
    assert list(kifaz["id"]) == ["kifaz"]
    assert kifaz.loc[0, "cost_eur"] == 8_370_000
    # GDAL built the URL from the collection's items link plus /{featureId}.
    assert "/ogc/collections/measures/items/kifaz" in requests_seen


# -- Debian's GDAL 3.6: ogrinfo and ogr2ogr --------------------------------------------


def _api_ids(client, layer: str) -> list[str]:
    return [f["id"] for f in client.get(f"/api/layers/{layer}").get_json()["features"]]


@pytest.mark.parametrize("layer", LAYERS)
def test_ogrinfo_reads_every_collection(live_server, client, with_ideas, requests_seen, layer):
    expected = _api_ids(client, layer)
    summary = _ogr("ogrinfo", "-ro", "-so", _oapif(live_server), layer)
    assert f"Feature Count: {len(expected)}" in summary
    listing = _ogr("ogrinfo", "-ro", "-al", "-q", _oapif(live_server), layer)
    assert listing.count(f"OGRFeature({layer}):") == len(expected)
    assert re.findall(r"^  id \(String\) = (.*)$", listing, flags=re.M) == expected
    pages = [p for p in requests_seen if p.startswith(f"/ogc/collections/{layer}/items?")]
    # GDAL 3.6 asks for 10 at a time and follows the next links.
    assert len(pages) >= 1 + len(expected) // GDAL_36_PAGE_SIZE


@pytest.mark.parametrize("layer", LAYERS)
def test_ogr2ogr_copies_every_collection(live_server, client, with_ideas, tmp_path, layer):
    target = tmp_path / f"{layer}.geojson"
    _ogr("ogr2ogr", "-f", "GeoJSON", str(target), _oapif(live_server), layer)
    copied = json.loads(target.read_text(encoding="utf-8"))
    assert [f["properties"]["id"] for f in copied["features"]] == _api_ids(client, layer)


def test_gdal_36_pages_through_a_large_collection_quickly(app, store, seed, live_server):
    extra = [
        measure(
            seed,
            f"probe-{i:04d}",
            title=f"Probe {i:04d}",
            geometry=Point(8.470 + (i % 20) * 0.0002, 50.563 + (i // 20) * 0.0002),
        )
        for i in range(250)
    ]
    store.layers.load_seed(seed_with(seed, *extra))
    started = time.monotonic()
    listing = _ogr("ogrinfo", "-ro", "-al", "-q", _oapif(live_server), "measures")
    elapsed = time.monotonic() - started
    assert listing.count("OGRFeature(measures):") == len(seed.measures) + len(extra)
    # 26 pages of 10; each costs a few milliseconds, so this takes seconds, not minutes.
    assert elapsed < 60, f"GDAL 3.6 needed {elapsed:.1f} s"


# -- ring orientation (RFC 7946 §3.1.6) ---------------------------------------------------


def _rings(geometry: dict) -> list[tuple[str, list]]:
    """("outer" or "hole", coordinates) of every ring of a Polygon or MultiPolygon."""
    polygons = {"Polygon": [geometry["coordinates"]], "MultiPolygon": geometry["coordinates"]}
    return [
        ("outer" if i == 0 else "hole", ring)
        for polygon in polygons.get(geometry["type"], [])
        for i, ring in enumerate(polygon)
    ]


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


@pytest.mark.both_databases
def test_areas_wind_counter_clockwise_with_clockwise_holes(app, store, seed, live_server):
    # Stored the other way round: outer ring clockwise, hole counter-clockwise.
    outer = [(8.470, 50.563), (8.470, 50.565), (8.473, 50.565), (8.473, 50.563)]
    hole = [(8.471, 50.5635), (8.472, 50.5635), (8.472, 50.5645), (8.471, 50.5645)]
    wrong_way = Polygon(outer, [hole])
    assert not shapely.is_ccw(wrong_way.exterior) and shapely.is_ccw(wrong_way.interiors[0])
    store.layers.load_seed(seed_with(seed, measure(seed, "platz-mit-loch", geometry=wrong_way)))
    documents = [
        _get_json(f"{live_server}/api/layers/measures"),
        _get_json(f"{live_server}/api/layers/quartier"),
        _get_json(f"{live_server}/ogc/collections/measures/items?limit=1000"),
        _get_json(f"{live_server}/ogc/collections/quartier/items"),
    ]
    features = [f for document in documents for f in document["features"]]
    features.append(_get_json(f"{live_server}/api/measures/platz-mit-loch"))
    features.append(_get_json(f"{live_server}/ogc/collections/measures/items/platz-mit-loch"))
    rings = [ring for f in features for ring in _rings(f["geometry"])]
    assert sum(kind == "hole" for kind, _ in rings) >= 4  # the new measure, in 4 answers
    for kind, ring in rings:
        assert shapely.is_ccw(LinearRing(ring)) == (kind == "outer"), (kind, ring[:3])


# -- datetime: what GDAL makes of a filter on updated_at ---------------------------------


@pytest.mark.both_databases
def test_gdal_where_on_updated_at_counts_what_changed_since(
    live_server, store, with_ideas, requests_seen, read
):
    # GDAL compares to the second: approve one idea in a later second than the others.
    since = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    time.sleep((since - datetime.now(UTC)).total_seconds())
    store.ideas.approve("geheim", "lea")
    where = f"updated_at >= '{since:%Y-%m-%dT%H:%M:%S}'"
    changed = read(_oapif(live_server), layer="ideas", where=where)
    assert list(changed["id"]) == ["geheim"]
    # GDAL let the server filter: datetime, which means updated_at.
    asked = [parse_qs(urlsplit(p).query).get("datetime") for p in requests_seen]
    assert [f"{since:%Y-%m-%dT%H:%M:%S}Z/.."] in asked
    before = read(_oapif(live_server), layer="ideas", where=where.replace(">=", "<"))
    assert sorted(before["id"]) == ["bank-am-ring", "spielgeraete"]
    listing = _ogr("ogrinfo", "-ro", "-al", "-q", "-where", where, _oapif(live_server), "ideas")
    assert re.findall(r"^  id \(String\) = (.*)$", listing, flags=re.M) == ["geheim"]


# -- paging through a large layer at GDAL 3.6's defaults ---------------------------------

MANY_IDEAS = 6500


def test_ogr2ogr_36_copies_thousands_of_ideas_into_a_geopackage(live_server, store, tmp_path):
    # More pages of GDAL 3.6's ten than the old limit of 600 requests a minute allowed.
    # On SQLite only: the pages come from the layer's index, not from SQL.
    for n in range(MANY_IDEAS):
        store.ideas.add(
            idea(f"i{n:05d}", lon=8.466 + (n % 100) * 0.00015, lat=50.561 + (n // 100) * 0.0001)
        )
    target = tmp_path / "ideas.gpkg"
    _ogr("ogr2ogr", "-f", "GPKG", str(target), _oapif(live_server), "ideas", timeout=600)
    copied = pyogrio.read_dataframe(target)
    assert len(copied) == MANY_IDEAS
    assert set(copied["id"]) == {f"i{n:05d}" for n in range(MANY_IDEAS)}


# -- typing a layer: geometry type and fields, also of an empty collection ----------------


def _info(gdal_process, path: str, layer: str) -> dict:
    return gdal_process.submit(_in_child, "read_info", path, layer=layer).result(120)


def test_gdal_reads_the_areas_of_measures_as_a_polygon_layer(live_server, gdal_process):
    # GDAL types a layer from its first features: measures mixes points and areas.
    assert _info(gdal_process, _oapif(live_server), "measures")["geometry_type"] == "Unknown"
    areas = _info(gdal_process, _oapif(live_server), "measures-flaechen")
    assert areas["geometry_type"] == "Polygon" and areas["features"] >= 1
    points = _info(gdal_process, _oapif(live_server), "measures-punkte")
    assert points["geometry_type"] == "Point" and points["features"] >= 1
    listing = _ogr("ogrinfo", "-ro", "-so", _oapif(live_server), "measures-flaechen")
    assert "Geometry: Polygon" in listing


def test_schemas_name_geometry_types_and_property_types(client):
    formats = {
        c: client.get(f"/ogc/collections/{c}/schema").get_json()["properties"]["geometry"]
        for c in COLLECTIONS
    }
    assert {c: f["format"] for c, f in formats.items()} == {
        "quartier": "geometry-polygon-or-multipolygon",
        "measures": "geometry-any",
        "measures-punkte": "geometry-point-or-multipoint",
        "measures-linien": "geometry-linestring-or-multilinestring",
        "measures-flaechen": "geometry-polygon-or-multipolygon",
        "locations": "geometry-point",
        "ideas": "geometry-point",
    }
    assert all(f["x-ogc-role"] == "primary-geometry" for f in formats.values())
    response = client.get("/ogc/collections/ideas/schema")
    assert response.mimetype == "application/schema+json"
    properties = response.get_json()["properties"]
    assert properties["id"]["x-ogc-role"] == "id"
    assert properties["updated_at"]["x-ogc-role"] == "primary-instant"
    assert properties["supports"]["type"] == "integer"
    assert "email" not in properties and "moderation_state" not in properties
    links = client.get("/ogc/collections/ideas").get_json()["links"]
    rels = {link["rel"]: link["href"] for link in links}
    assert rels["http://www.opengis.net/def/rel/ogc/1.0/schema"].endswith("/ideas/schema")
    assert client.get("/ogc/collections/ideas/schema?limit=1").status_code == 400


def test_the_xml_schema_is_linked_only_where_no_json_lists_are(client):
    def described_by(collection: str) -> list[str]:
        links = client.get(f"/ogc/collections/{collection}").get_json()["links"]
        return [k["href"] for k in links if k["rel"] == "describedBy"]

    assert described_by("ideas")[0].endswith("/ogc/collections/ideas/schema.xsd")
    assert described_by("measures") == [] and described_by("locations") == []
    response = client.get("/ogc/collections/ideas/schema.xsd")
    assert response.mimetype == "application/xml"
    assert b'name="updated_at" type="xs:dateTime"' in response.data
    missing = client.get("/ogc/collections/measures/schema.xsd")
    assert missing.status_code == 404 and "JSON-Listen" in missing.get_json()["description"]
    assert client.get("/ogc/collections/ideas/schema.xsd?f=json").status_code == 400


def _fields(listing: str) -> dict[str, str]:
    """``name: Type`` lines of ``ogrinfo -so``, without the geometry and CRS lines."""
    return dict(re.findall(r"^(\w+): (\w+) \(", listing, re.M))


# What a GIS needs to type the ideas layer; every public column but the id (GDAL adds
# that from the features).
IDEA_FIELDS = {
    "quartier": "String",
    "title": "String",
    "description": "String",
    "category": "String",
    "category_label": "String",
    "created_at": "DateTime",
    "supports": "Integer",
    "updated_at": "DateTime",
    # The measure the idea was taken up in.
    "measure_id": "String",
}


def test_an_empty_ideas_collection_is_typed_by_gdal(live_server, gdal_process):
    listing = _ogr("ogrinfo", "-ro", "-so", _oapif(live_server), "ideas")
    assert "Feature Count: 0" in listing and "Geometry: Point" in listing
    assert _fields(listing) == IDEA_FIELDS
    info = _info(gdal_process, _oapif(live_server), "ideas")
    assert info["geometry_type"] == "Point" and info["features"] == 0
    assert dict(zip(info["fields"], info["dtypes"], strict=True)) == {
        **{name: "object" for name in IDEA_FIELDS},
        "created_at": "datetime64[ms]",
        "updated_at": "datetime64[ms]",
        "supports": "int32",
    }


def test_ideas_read_the_same_with_the_schema_and_the_json_columns_keep_their_subtype(
    live_server, with_ideas
):
    listing = _ogr("ogrinfo", "-ro", "-so", _oapif(live_server), "ideas")
    assert _fields(listing) == {"id": "String", **IDEA_FIELDS}, "id once, then the schema"
    # Measures hold JSON lists: no XML schema, so GDAL keeps their JSON subtype.
    measures = _ogr("ogrinfo", "-ro", "-so", _oapif(live_server), "measures")
    assert "sources: String(JSON)" in measures


# -- times: GDAL 3.6 writes a fraction of .9995 s or more as second 60 -------------------


class _LateInTheSecond(datetime):
    @classmethod
    def now(cls, tz=None):
        return datetime(2026, 12, 5, 23, 16, 59, 999_600, tzinfo=UTC)


def test_a_time_late_in_its_second_reaches_a_geopackage_readable(
    live_server, store, tmp_path, monkeypatch
):
    # Stored times are whole milliseconds (rounded up); at .9996 s GDAL would write 23:16:60.
    monkeypatch.setattr("measures.domain.times.datetime", _LateInTheSecond)
    store.ideas.add(idea("spaet"))
    target = tmp_path / "ideas.gpkg"
    _ogr("ogr2ogr", "-f", "GPKG", str(target), _oapif(live_server), "ideas")
    copied = pyogrio.read_dataframe(target).set_index("id")
    updated = pd.Timestamp(copied.loc["spaet", "updated_at"])
    assert updated.tz_convert(UTC).to_pydatetime() == datetime(2026, 12, 5, 23, 17, tzinfo=UTC)
