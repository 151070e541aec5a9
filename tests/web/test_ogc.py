"""OGC API – Features under /ogc: documents, paging, CRS, filters, errors, HTML pages.

Reading the service with GDAL (pyogrio and Debian's ogrinfo/ogr2ogr) is in
``test_ogc_gdal.py``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from pyproj import Transformer
from shapely.geometry import shape

from measures.domain import crs
from measures.domain.errors import QueryError
from measures.ogc import crs as ogc_crs
from measures.ogc import params
from measures.ogc.datetimes import parse_datetime
from measures.ogc.negotiation import choose_format
from tests.factories import add_idea
from tests.web.failures import assert_reveals_nothing, break_store

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
LAYERS = ["quartier", "measures", "locations", "ideas"]
# Measures hold points, lines and areas: a collection for each besides the whole layer.
COLLECTIONS = [
    "quartier",
    "measures",
    "measures-punkte",
    "measures-linien",
    "measures-flaechen",
    "locations",
    "ideas",
]
BROWSER = [("text/html", 1.0), ("application/xhtml+xml", 1.0), ("*/*", 0.8)]
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def _add_ideas(store) -> None:
    """Two approved ideas (one with contact data) and one waiting for moderation."""
    for idea_id, state, created, category in (
        ("bank-am-ring", "approved", datetime(2026, 3, 1, 9, 0, tzinfo=UTC), "wohnumfeld_gruen"),
        ("spielgeraete", "approved", datetime(2026, 6, 15, 18, 30, tzinfo=UTC), "spiel_freizeit"),
        ("geheim", "pending", datetime(2026, 7, 1, 8, 0, tzinfo=UTC), "wohnen"),
    ):
        add_idea(
            store,
            idea_id,
            state=state,
            description="Vorschlag aus dem Quartier",
            category=category,
            created_at=created,
            name="Erika Muster",
            email="erika@example.org",
        )


@pytest.fixture
def ideas(app):
    _add_ideas(app.extensions["quartierskarte.store"])


def _rels(document: dict) -> dict[str, list[dict]]:
    rels: dict[str, list[dict]] = {}
    for link in document["links"]:
        rels.setdefault(link["rel"], []).append(link)
    return rels


def _all_items(client, layer: str, query: str = "") -> list[dict]:
    response = client.get(f"/ogc/collections/{layer}/items?limit=10000{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["features"]


# -- landing page, conformance, OpenAPI ------------------------------------------------


def test_landing_page_links_to_api_conformance_and_collections(client):
    response = client.get("/ogc")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    rels = _rels(response.get_json())
    assert rels["self"][0]["type"] == "application/json"
    assert rels["alternate"][0]["type"] == "text/html"
    assert rels["service-desc"][0]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert urlsplit(rels["service-desc"][0]["href"]).path == "/ogc/api"
    assert rels["service-doc"][0]["type"] == "text/html"
    assert urlsplit(rels["conformance"][0]["href"]).path == "/ogc/conformance"
    assert urlsplit(rels["data"][0]["href"]).path == "/ogc/collections"
    assert client.get("/ogc/").get_json() == response.get_json()


def test_conformance_names_parts_1_to_3(client):
    classes = set(client.get("/ogc/conformance").get_json()["conformsTo"])
    base = "http://www.opengis.net/spec/ogcapi-features-"
    assert {
        base + "1/1.0/conf/core",
        base + "1/1.0/conf/oas30",
        base + "1/1.0/conf/geojson",
        base + "1/1.0/conf/html",
        base + "2/1.0/conf/crs",
        base + "3/1.0/conf/queryables",
        base + "3/1.0/conf/queryables-query-parameters",
    } <= classes


def _resolve(document: dict, node):
    if isinstance(node, dict) and "$ref" in node:
        target = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return target
    return node


def _refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_openapi_describes_every_path_parameter_and_response(client):
    response = client.get("/ogc/api")
    assert response.status_code == 200
    assert response.content_type == "application/vnd.oai.openapi+json;version=3.0"
    document = response.get_json()
    assert document["openapi"].startswith("3.0.")
    assert urlsplit(document["servers"][0]["url"]).path == "/ogc"
    expected = {"/", "/conformance", "/api", "/collections"}
    for layer in COLLECTIONS:
        base = f"/collections/{layer}"
        expected |= {base, base + "/items", base + "/items/{featureId}", base + "/queryables"}
        expected |= {base + "/schema"}
    # The XML schema for GDAL: only the ideas hold no JSON lists (measures.ogc.gml_schema).
    expected |= {"/collections/ideas/schema.xsd"}
    assert set(document["paths"]) == expected
    # Every reference points at something that exists.
    for ref in set(_refs(document)):
        assert _resolve(document, {"$ref": ref}) is not None, ref
    for path, item in document["paths"].items():
        operation = item["get"]
        assert "200" in operation["responses"] and "400" in operation["responses"], path
        names = {_resolve(document, p)["name"] for p in operation["parameters"]}
        if "{featureId}" in path:
            assert "404" in operation["responses"]
        if "schema" not in path:
            assert "f" in names, path
    item_params = {
        layer: {
            _resolve(document, p)["name"]
            for p in document["paths"][f"/collections/{layer}/items"]["get"]["parameters"]
        }
        for layer in LAYERS
    }
    common = {"f", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime"}
    # Measures, places and ideas belong to a Quartier (a queryable); the Quartiere do not.
    assert item_params["measures"] == common | {"status", "category", "quartier"}
    assert item_params["locations"] == common | {"kind", "quartier"}
    assert item_params["ideas"] == common | {"category", "quartier"}
    assert item_params["quartier"] == common
    limit = document["components"]["parameters"]["limit"]["schema"]
    assert (limit["minimum"], limit["default"], limit["maximum"]) == (1, 100, 10000)


# -- collections -----------------------------------------------------------------------


@pytest.mark.both_databases
def test_collections_describe_extent_crs_and_items(client, seed, ideas):
    document = client.get("/ogc/collections").get_json()
    collections = {c["id"]: c for c in document["collections"]}
    assert list(collections) == COLLECTIONS
    for layer, collection in collections.items():
        assert collection["title"] and collection["description"]
        assert collection["itemType"] == "feature"
        assert collection["storageCrs"] == CRS84
        assert collection["crs"] == [CRS84, EPSG + "4326", EPSG + "25832", EPSG + "3857"]
        assert collection["extent"]["spatial"]["crs"] == CRS84
        assert len(collection["extent"]["spatial"]["bbox"][0]) == 4
        start, end = collection["extent"]["temporal"]["interval"][0]
        assert start <= end
        items = [
            link
            for link in collection["links"]
            if link["rel"] == "items" and link["type"] == "application/geo+json"
        ]
        # GDAL appends /{featureId} to this link: it must not carry a query string.
        assert [link["href"] for link in items] == [
            f"http://localhost/ogc/collections/{layer}/items"
        ]
        assert client.get(f"/ogc/collections/{layer}").get_json() == collection
    assert collections["quartier"]["extent"]["spatial"]["bbox"] == [
        list(seed.quartier.geometry.bounds)
    ]
    # The interval of the last changes (updated_at), what datetime filters on.
    changes = sorted(f["properties"]["updated_at"] for f in _all_items(client, "ideas"))
    first, last = collections["ideas"]["extent"]["temporal"]["interval"][0]
    assert [parse_datetime(t).start.replace(microsecond=0) for t in (first, last)] == [
        parse_datetime(t).start.replace(microsecond=0) for t in (changes[0], changes[-1])
    ]


def test_queryables_list_the_filterable_properties(client):
    expected = {
        "quartier": set(),
        "measures": {"status", "category", "quartier"},
        "locations": {"kind", "quartier"},
        "ideas": {"category", "quartier"},
    }
    for layer, names in expected.items():
        response = client.get(f"/ogc/collections/{layer}/queryables")
        assert response.status_code == 200
        assert response.mimetype == "application/schema+json"
        schema = response.get_json()
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"].endswith(f"/ogc/collections/{layer}/queryables")
        assert schema["type"] == "object" and schema["additionalProperties"] is False
        assert set(schema["properties"]) == names
    status = client.get("/ogc/collections/measures/queryables").get_json()["properties"]["status"]
    assert {"const": "abgeschlossen", "title": "abgeschlossen"} in status["oneOf"]


# -- items: attributes, paging, filters ------------------------------------------------


@pytest.mark.parametrize("layer", LAYERS)
def test_items_have_the_attributes_of_the_read_api(client, ideas, layer):
    api = client.get(f"/api/layers/{layer}").get_json()["features"]
    ogc = _all_items(client, layer)
    assert ogc == api
    assert ogc, "every layer has features here"
    one = client.get(f"/ogc/collections/{layer}/items/{api[0]['id']}")
    assert one.status_code == 200
    assert one.mimetype == "application/geo+json"
    feature = one.get_json()
    assert {k: v for k, v in feature.items() if k != "links"} == api[0]
    assert {link["rel"] for link in feature["links"]} == {"self", "alternate", "collection"}


def test_ideas_are_only_approved_ones_without_personal_data(client, ideas):
    response = client.get("/ogc/collections/ideas/items")
    assert [f["id"] for f in response.get_json()["features"]] == ["spielgeraete", "bank-am-ring"]
    text = response.get_data(as_text=True)
    assert "erika" not in text.lower() and "Muster" not in text
    assert client.get("/ogc/collections/ideas/items/geheim").status_code == 404
    html = client.get("/ogc/collections/ideas/items?f=html").get_data(as_text=True)
    assert "erika" not in html.lower() and "geheim" not in html


@pytest.mark.both_databases
def test_paging_with_next_and_prev_links(client, seed):
    total = len(seed.locations)
    first = client.get("/ogc/collections/locations/items?limit=4").get_json()
    assert (first["numberMatched"], first["numberReturned"]) == (total, 4)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", first["timeStamp"])
    rels = _rels(first)
    assert "prev" not in rels
    assert {"self", "alternate", "next", "collection"} <= set(rels)
    seen = [f["id"] for f in first["features"]]
    page = first
    while "next" in _rels(page):
        link = _rels(page)["next"][0]
        assert link["type"] == "application/geo+json"
        query = parse_qs(urlsplit(link["href"]).query)
        assert query["limit"] == ["4"]
        page = client.get(link["href"]).get_json()
        assert page["numberMatched"] == total
        prev = parse_qs(urlsplit(_rels(page)["prev"][0]["href"]).query)
        assert int(prev.get("offset", ["0"])[0]) == int(query["offset"][0]) - 4
        seen += [f["id"] for f in page["features"]]
    assert page["numberReturned"] == total % 4 or page["numberReturned"] == 4
    assert seen == [f["id"] for f in _all_items(client, "locations")]
    assert len(seen) == total
    beyond = client.get(f"/ogc/collections/locations/items?offset={total + 5}").get_json()
    assert beyond["features"] == [] and beyond["numberMatched"] == total
    assert "next" not in _rels(beyond) and "prev" in _rels(beyond)


def _statements(app, url: str) -> tuple[dict, list[str]]:
    engine = app.extensions["quartierskarte.store"].engine
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        page = client_get_json(app, url)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return page, [s for s in statements if "FROM locations" in s]


def client_get_json(app, url: str) -> dict:
    response = app.test_client().get(url)
    assert response.status_code == 200
    return response.get_json()


@pytest.mark.both_databases
def test_without_the_cache_paging_runs_in_the_database(app):
    """One count and one page query, each with LIMIT/OFFSET or COUNT in the SQL."""
    app.config["LAYER_CACHE_BYTES"] = 0
    page, reading = _statements(app, "/ogc/collections/locations/items?limit=3&offset=6")
    assert page["numberReturned"] == 3
    assert len(reading) == 2
    assert any("count(" in s.lower() for s in reading)
    assert any("LIMIT" in s and "OFFSET" in s for s in reading)


@pytest.mark.both_databases
def test_with_the_cache_the_layer_is_read_once_for_all_pages(app):
    """The first page reads the layer into its index; the following ones read nothing."""
    first, reading = _statements(app, "/ogc/collections/locations/items?limit=3")
    assert first["numberReturned"] == 3 and len(reading) == 1
    for offset in (3, 6, 9):
        url = f"/ogc/collections/locations/items?limit=3&offset={offset}"
        page, reading = _statements(app, url)
        assert page["numberMatched"] == first["numberMatched"] and reading == []


@pytest.mark.both_databases
def test_property_filters_and_bbox_give_the_right_subset(client, seed, ideas):
    def ids(query, layer="measures"):
        return {f["id"] for f in _all_items(client, layer, query)}

    assert ids("&status=abgeschlossen") == {
        m.id for m in seed.measures if m.status == "abgeschlossen"
    }
    assert ids("&status=abgeschlossen,idee&category=spiel_freizeit") == {
        m.id
        for m in seed.measures
        if m.status in ("abgeschlossen", "idee") and m.category == "spiel_freizeit"
    }
    assert ids("&kind=schule", "locations") == {"eichendorffschule", "dalheimschule"}
    assert ids("&category=spiel_freizeit", "ideas") == {"spielgeraete"}
    assert ids("&bbox=8.4700,50.5660,8.4715,50.5665", "locations") == {"kifaz"}
    matched = client.get("/ogc/collections/measures/items?status=abgeschlossen&limit=1").get_json()
    assert matched["numberMatched"] == sum(m.status == "abgeschlossen" for m in seed.measures)
    # The filters travel with the paging links.
    next_query = parse_qs(urlsplit(_rels(matched)["next"][0]["href"]).query)
    assert next_query["status"] == ["abgeschlossen"]


@pytest.mark.both_databases
def test_datetime_filters_on_the_last_change_in_every_collection(app, client, seed, ideas):
    def ids(layer, value):
        return {f["id"] for f in _all_items(client, layer, f"&datetime={value}")}

    every_measure = {m.id for m in seed.measures}
    updated = _all_items(client, "measures")[0]["properties"]["updated_at"]
    assert ids("measures", "2000-01-01T00:00:00Z/..") == every_measure
    assert ids("measures", "../2000-01-01T00:00:00Z") == set()
    assert ids("measures", updated) == every_measure
    assert ids("measures", updated[:10]) == every_measure
    # Ideas: approved after `since`, so changed after it; handed in months before.
    since = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    app.extensions["quartierskarte.store"].ideas.approve("geheim", "lea")
    approved = {"bank-am-ring", "spielgeraete", "geheim"}
    assert ids("ideas", "2026-01-01T00:00:00Z/..") == approved
    assert ids("ideas", f"{since}/..") == {"geheim"}
    assert ids("ideas", f"../{since}") == {"bank-am-ring", "spielgeraete"}
    # Not when they were handed in (created_at): nothing changed on 1 March.
    assert ids("ideas", "2026-03-01") == set()
    # The way GDAL writes a date in a filter: a bare T after the date.
    assert ids("ideas", "2026-06-15T/..") == approved
    # The collection's temporal extent is that of its last changes.
    extent = client.get("/ogc/collections/ideas").get_json()["extent"]["temporal"]["interval"]
    assert extent[0][0] < since < extent[0][1]


# -- coordinate reference systems ------------------------------------------------------


def test_crs84_is_lon_lat_and_epsg_4326_is_lat_lon(client):
    default = client.get("/ogc/collections/measures/items/kifaz")
    assert default.headers["Content-Crs"] == f"<{CRS84}>"
    lon, lat = default.get_json()["geometry"]["coordinates"]
    assert 8 < lon < 9 and 50 < lat < 51
    latlon = client.get(f"/ogc/collections/measures/items/kifaz?crs={EPSG}4326")
    assert latlon.headers["Content-Crs"] == f"<{EPSG}4326>"
    assert latlon.get_json()["geometry"]["coordinates"] == [lat, lon]
    page = client.get(f"/ogc/collections/locations/items?crs={EPSG}4326")
    assert page.headers["Content-Crs"] == f"<{EPSG}4326>"
    kifaz = next(f for f in page.get_json()["features"] if f["id"] == "kifaz")
    assert kifaz["geometry"]["coordinates"][0] > 50


@pytest.mark.parametrize("code", ["25832", "3857"])
def test_projected_crs_equal_what_pyproj_computes(client, code):
    to_projected = Transformer.from_crs("EPSG:4326", f"EPSG:{code}", always_xy=True)
    plain = {f["id"]: f for f in _all_items(client, "measures")}
    response = client.get(f"/ogc/collections/measures/items?limit=10000&crs={EPSG}{code}")
    assert response.headers["Content-Crs"] == f"<{EPSG}{code}>"
    for feature in response.get_json()["features"]:
        expected = shape(plain[feature["id"]]["geometry"])
        got = shape(feature["geometry"])
        coords = list(
            expected.exterior.coords if expected.geom_type == "Polygon" else expected.coords
        )
        got_coords = list(got.exterior.coords if got.geom_type == "Polygon" else got.coords)
        for (lon, lat), (x, y) in zip(coords, got_coords, strict=True):
            assert (x, y) == pytest.approx(to_projected.transform(lon, lat), abs=1e-6)


@pytest.mark.both_databases
def test_bbox_crs_accepts_lat_lon_and_projected_boxes(client):
    lonlat = {
        f["id"] for f in _all_items(client, "locations", "&bbox=8.4700,50.5660,8.4715,50.5665")
    }
    latlon = {
        f["id"]
        for f in _all_items(
            client, "locations", f"&bbox=50.5660,8.4700,50.5665,8.4715&bbox-crs={EPSG}4326"
        )
    }
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)
    x1, y1 = to_utm.transform(8.4700, 50.5660)
    x2, y2 = to_utm.transform(8.4715, 50.5665)
    utm = {
        f["id"]
        for f in _all_items(client, "locations", f"&bbox={x1},{y1},{x2},{y2}&bbox-crs={EPSG}25832")
    }
    assert lonlat == latlon == {"kifaz"}
    assert "kifaz" in utm


# -- errors ----------------------------------------------------------------------------

BAD_REQUESTS = [
    "/ogc/collections/measures/items?bbox=8.4,50.5,8.5",
    "/ogc/collections/measures/items?bbox=a,b,c,d",
    "/ogc/collections/measures/items?bbox=8.5,50.5,8.4,50.6",
    "/ogc/collections/measures/items?crs=EPSG:4326",
    "/ogc/collections/measures/items?crs=http://www.opengis.net/def/crs/EPSG/0/31467",
    f"/ogc/collections/measures/items?crs={EPSG}32617",
    f"/ogc/collections/measures/items?bbox=1,2,3,4&bbox-crs={EPSG}32617",
    "/ogc/collections/measures/items?bbox=1,2,3,4&bbox-crs=urn:ogc:def:crs:EPSG::4326",
    "/ogc/collections/measures/items?limit=0",
    "/ogc/collections/measures/items?limit=-5",
    "/ogc/collections/measures/items?limit=zehn",
    "/ogc/collections/measures/items?offset=1.5",
    "/ogc/collections/measures/items?offset=-1",
    "/ogc/collections/measures/items?status=fertig",
    "/ogc/collections/measures/items?kind=schule",
    "/ogc/collections/measures/items?stauts=idee",
    "/ogc/collections/measures/items?datetime=gestern",
    "/ogc/collections/measures/items?datetime=2024-13-01",
    "/ogc/collections/measures/items?datetime=2025-01-01T00:00:00Z/2024-01-01T00:00:00Z",
    "/ogc/collections/measures/items?datetime=../..",
    "/ogc/collections/measures/items?f=xml",
    "/ogc/collections/measures/items?limit=1&limit=2",
    "/ogc/collections/measures/items/kifaz?limit=1",
    "/ogc/collections/measures/items/kifaz?crs=EPSG:25832",
    "/ogc/collections?bbox=1,2,3,4",
    "/ogc?sprache=de",
]


def test_every_crs_offered_passes_the_rule_of_exports_and_uploads():
    # The list is the service's; each must cover Dalheim with every grid at hand.
    for uri, code in ogc_crs.SUPPORTED.items():
        assert crs.parse_crs(uri, "crs", ogc_crs.SUPPORTED) == code


@pytest.mark.parametrize("url", BAD_REQUESTS)
def test_bad_parameters_get_400_with_an_ogc_exception(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"code", "description", "status"}
    assert body["status"] == 400 and body["code"] == "InvalidParameterValue"
    assert body["description"] and "Traceback" not in body["description"]


@pytest.mark.parametrize(
    "url",
    [
        "/ogc/collections/strassen",
        "/ogc/collections/strassen/items",
        "/ogc/collections/strassen/queryables",
        "/ogc/collections/measures/items/gibt-es-nicht",
        "/ogc/gibt-es-nicht",
    ],
)
def test_unknown_collection_or_item_is_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.get_json() == {
        "code": "NotFound",
        "description": response.get_json()["description"],
        "status": 404,
    }
    assert response.get_json()["description"]


def test_internal_errors_reveal_nothing(app, client, monkeypatch):
    break_store(app, monkeypatch, "page", "records")
    for url in ("/ogc/collections/measures/items", "/ogc/collections/measures/items?f=html"):
        assert_reveals_nothing(client.get(url))


def test_a_limit_above_the_maximum_is_cut_to_it_with_a_next_link(client, monkeypatch):
    everything = client.get("/ogc/collections/locations/items?limit=100000")
    assert everything.status_code == 200
    total = everything.get_json()["numberMatched"]
    assert everything.get_json()["numberReturned"] == total > 3
    monkeypatch.setattr(params, "MAX_LIMIT", 3)
    page = client.get("/ogc/collections/locations/items?limit=100000")
    assert page.status_code == 200
    body = page.get_json()
    assert (body["numberReturned"], body["numberMatched"]) == (3, total)
    following = parse_qs(urlsplit(_rels(body)["next"][0]["href"]).query)
    assert (following["limit"], following["offset"]) == (["3"], ["3"])


def test_the_rate_limit_counts_features_not_requests(store, make_app):
    # 100 per request but a page of items; a page what it held, at least 20.
    client = make_app(RATELIMIT_OGC="200 per minute").test_client()
    statuses = [client.get("/ogc/collections").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    pages = make_app(RATELIMIT_OGC="200 per minute").test_client()
    small = [pages.get("/ogc/collections/locations/items?limit=1").status_code for _ in range(11)]
    assert small == [200] * 10 + [429]
    # A limit far above the collection's size costs what came back: 30 ideas.
    for n in range(30):
        add_idea(store, f"idee-{n}")
    large = make_app(RATELIMIT_OGC="60 per minute").test_client()
    everything = [large.get("/ogc/collections/ideas/items?limit=10000") for _ in range(3)]
    assert [r.status_code for r in everything] == [200, 200, 429]
    assert everything[0].get_json()["numberReturned"] == 30
    refused = client.get("/ogc/collections")
    body = refused.get_json()
    assert body["status"] == 429 and body["code"] == "TooManyRequests"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # Answers within the limit carry no counter headers (they cost a read each).
    assert "X-RateLimit-Remaining" not in client.get("/ogc").headers


# -- content negotiation and HTML ------------------------------------------------------


def test_content_negotiation_unit():
    assert choose_format([], []) == "json"
    assert choose_format([], [("*/*", 1.0)]) == "json"
    assert choose_format([], BROWSER) == "html"
    assert choose_format([], [("application/geo+json", 1.0), ("application/json", 1.0)]) == "json"
    assert choose_format(["html"], [("application/json", 1.0)]) == "html"
    assert choose_format(["json"], BROWSER) == "json"
    with pytest.raises(QueryError):
        choose_format(["xml"], [])


def test_datetime_parsing_unit():
    day = parse_datetime("2024-05-01")
    assert day.start == datetime(2024, 5, 1, tzinfo=UTC)
    assert day.end == datetime(2024, 5, 1, 23, 59, 59, 999999, tzinfo=UTC)
    open_start = parse_datetime("../2024-05-01T10:00:00Z")
    assert open_start.start is None
    assert open_start.end == datetime(2024, 5, 1, 10, tzinfo=UTC)
    for bad in ("", "..", "2024-05-01T10:00", "2024/05/01", "2024-05-01T10:00:00Z/x"):
        with pytest.raises(QueryError):
            parse_datetime(bad)


def test_browsers_get_html_and_gis_clients_get_json(client):
    as_browser = client.get("/ogc/collections/measures/items", headers={"Accept": BROWSER_ACCEPT})
    assert as_browser.mimetype == "text/html"
    as_gdal = client.get(
        "/ogc/collections/measures/items",
        headers={"Accept": "application/geo+json, application/json"},
    )
    assert as_gdal.mimetype == "application/geo+json"
    openapi = client.get(
        "/ogc/api",
        headers={
            "Accept": "application/vnd.oai.openapi+json;version=3.0, "
            "application/openapi+json;version=3.0, application/json"
        },
    )
    assert openapi.content_type == "application/vnd.oai.openapi+json;version=3.0"
    assert client.get("/ogc/api?f=html").mimetype == "text/html"
    error = client.get("/ogc/collections/strassen", headers={"Accept": BROWSER_ACCEPT})
    assert error.status_code == 404 and error.mimetype == "text/html"
    assert "Die Sammlung 'strassen' gibt es nicht." in unescape(error.get_data(as_text=True))


HTML_PAGES = {
    "/ogc": "OGC API – Features",
    "/ogc/conformance": "Konformitätsklassen",
    "/ogc/api": "API-Beschreibung",
    "/ogc/collections": "Sammlungen",
    "/ogc/collections/measures": "Maßnahmen",
    "/ogc/collections/measures/queryables": "Filterbare Eigenschaften",
    "/ogc/collections/measures/items": "Objekte 1 bis",
    "/ogc/collections/locations/items?kind=schule": "Objekte 1 bis 2 von 2",
    "/ogc/collections/measures/items/kifaz": "Kinder- und Familienzentrum (KiFaZ)",
    "/ogc/collections/quartier/items/dalheim": "Eigenschaften",
}
MAP_PAGES = {
    "/ogc/collections/measures",
    "/ogc/collections/measures/items",
    "/ogc/collections/locations/items?kind=schule",
    "/ogc/collections/measures/items/kifaz",
    "/ogc/collections/quartier/items/dalheim",
}


@pytest.mark.parametrize("url", list(HTML_PAGES))
def test_html_pages_are_german_with_a_map_and_nothing_foreign(app, client, url):
    separator = "&" if "?" in url else "?"
    response = client.get(url + separator + "f=html")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert '<html lang="de" dir="ltr">' in html
    assert HTML_PAGES[url] in " ".join(unescape(html).split())
    # Nothing is loaded from another host: scripts and stylesheets are the app's own.
    loaded = re.findall(r'<(?:script|img|iframe)[^>]*\ssrc="([^"]*)"', html)
    loaded += re.findall(r'<link[^>]*\shref="([^"]*)"', html)
    assert loaded and all(urlsplit(u).netloc in ("", "localhost") for u in loaded), loaded
    # No inline script: only script files and JSON data blocks (for a strict CSP later).
    for tag, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S):
        assert "src=" in tag or 'type="application/json"' in tag, tag
        assert "src=" not in tag or not body.strip()
    assert "onclick=" not in html.lower()
    if url in MAP_PAGES:
        assert "data-ogc-map" in html
        assert "/vendor/leaflet/" in html and "/static/js/ogc-map.js" in html
        tile_url = re.search(r'data-tile-url="([^"]*)"', html).group(1)
        assert tile_url == app.config["TILE_URL"]
