"""The URLs of several Quartiere: each page, API answer and planners' route of a Quartier
lies under /q/<slug>/ and shows only that Quartier's records; the old URLs of an
installation with one Quartier keep working; ``/`` shows the only Quartier or a map of all.

The second Quartier is invented for the tests (``tests/factories.py``).
"""

from __future__ import annotations

import re

import pytest

from tests.factories import (
    EXAMPLE_LAT,
    EXAMPLE_LON,
    EXAMPLE_SLUG,
    LAT,
    LON,
    PASSWORD,
    add_example_quartier,
    add_idea,
    idea_feature,
)

PREFIX = "/q/<quartier>"
# A value for each variable of a route, so that every route can be asked.
SAMPLE = {
    "measure_id": "kifaz",
    "location_id": "kifaz",
    "idea_id": "frei",
    "name": "measures",
    "token": "kein-gueltiges-token",
    "photo_id": "unbekannt",
    "variant": "klein",
    "kind": "massnahmen",
    "record_id": "kifaz",
    "planner_id": "1",
    "version_id": "1",
    "comment_id": "unbekannt",
    "report_id": "unbekannt",
    "step_id": "1",
    "file_id": "1",
    "filename": "dokument.pdf",
    "table": "status",
    # Dalheim's Beirat session and its item.
    "session_id": "1",
    "item_id": "1",
}


@pytest.fixture
def two(store, seed):
    """The seeded database with the invented second Quartier, and an approved idea in each."""
    add_example_quartier(store, seed)
    add_idea(store, "frei")
    add_idea(store, "drueben", quartier=EXAMPLE_SLUG, lon=EXAMPLE_LON, lat=EXAMPLE_LAT)
    return store


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_every_old_url_answers_as_its_dalheim_url(app, client, store):
    add_idea(store, "frei")
    # OGC API and exports answer for all Quartiere at their old URLs (see below).
    rules = [
        r
        for r in app.url_map.iter_rules()
        if r.rule.startswith(PREFIX) and r.endpoint.partition(".")[0] not in ("ogc", "export")
    ]
    assert len(rules) >= 30
    for rule in rules:
        if "GET" not in rule.methods:
            continue
        values = {name: SAMPLE[name] for name in rule.arguments if name != "quartier"}
        new = rule.rule.replace(PREFIX, "/q/dalheim")
        old = rule.rule[len(PREFIX) :] or "/"
        for name, value in values.items():
            new = re.sub(rf"<(?:\w+:)?{name}>", value, new)
            old = re.sub(rf"<(?:\w+:)?{name}>", value, old)
        answered_new, answered_old = client.get(new), client.get(old)
        assert answered_old.status_code == answered_new.status_code, (old, new)
        assert answered_old.mimetype == answered_new.mimetype, old
        if rule.endpoint.startswith("api.") and answered_new.status_code == 200:
            assert answered_old.get_data() == answered_new.get_data(), old


def test_the_old_start_page_is_the_map_of_the_only_quartier(client, store):
    start = _html(client.get("/"))

    def same(html: str) -> str:
        # Apart from the page's own address in the language links, the nonce and the
        # CSRF token of the form and of the map's configuration (signed with the time:
        # the two requests may fall into different seconds).
        return re.sub(
            r'weiter=[^"]*|nonce="[^"]*"|nonce-[A-Za-z0-9_-]+|name="csrf_token"[^>]*'
            r'|"csrf": "[^"]*"',
            "",
            html,
        )

    # The one difference: the Quartier's own page offers its own downloads, ``/`` those of
    # the whole city, which with one Quartier are the same.
    at_own_address = _html(client.get("/q/dalheim/")).replace("/q/dalheim/export", "/export")
    assert same(start) == same(at_own_address)
    assert 'id="map-config"' in start


@pytest.mark.both_databases
def test_with_several_quartiere_the_start_page_maps_them_all(client, two):
    start = _html(client.get("/"))
    assert 'href="/q/beispiel/"' in start and 'href="/q/dalheim/"' in start
    assert "Beispielquartier (erfunden, nur für Tests)" in start
    assert 'id="map-config"' not in start  # the overview, not a Quartier's map


def test_an_unknown_quartier_is_a_german_404_page_or_the_api_error(client, store):
    page = client.get("/q/gibt-es-nicht/massnahmen")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "Ein Quartier &#39;gibt-es-nicht&#39; gibt es hier nicht." in page.get_data(
        as_text=True
    ) or "Ein Quartier 'gibt-es-nicht' gibt es hier nicht." in page.get_data(as_text=True)
    api = client.get("/q/gibt-es-nicht/api/layers/measures")
    assert api.status_code == 404
    assert api.get_json() == {
        "error": {
            "status": 404,
            "code": "not_found",
            "message": "Ein Quartier 'gibt-es-nicht' gibt es hier nicht.",
            "parameter": "quartier",
        }
    }


@pytest.mark.both_databases
def test_each_quartier_shows_only_its_own_records(client, two):
    paths = {
        "beispiel-platz": "massnahmen/beispiel-platz",
        "beispiel-treff": "orte/beispiel-treff",
        "drueben": "ideen/drueben",
        "kifaz": "massnahmen/kifaz",
        "frei": "ideen/frei",
    }
    for slug, own, other in (
        (EXAMPLE_SLUG, ("beispiel-platz", "beispiel-treff", "drueben"), ("kifaz", "frei")),
        ("dalheim", ("kifaz", "frei"), ("beispiel-platz", "beispiel-treff", "drueben")),
    ):
        ids = set()
        for layer in ("measures", "locations", "ideas"):
            answer = client.get(f"/q/{slug}/api/layers/{layer}")
            assert answer.status_code == 200
            found = {f["id"] for f in answer.get_json()["features"]}
            assert {f["properties"]["quartier"] for f in answer.get_json()["features"]} <= {slug}
            ids |= found
        assert set(own) <= ids and not set(other) & ids, slug
        (boundary,) = client.get(f"/q/{slug}/api/layers/quartier").get_json()["features"]
        assert boundary["id"] == slug
        counts = {
            layer["name"]: layer["count"]
            for layer in client.get(f"/q/{slug}/api/layers").get_json()["layers"]
        }
        assert counts["quartier"] == 1
        lists = "".join(
            _html(client.get(f"/q/{slug}/{page}")) for page in ("massnahmen", "orte", "ideen")
        )
        map_page = _html(client.get(f"/q/{slug}/"))
        for record_id in own:
            assert f'href="/q/{slug}/{paths[record_id]}"' in lists, (slug, record_id)
        for record_id in other:
            assert f'{paths[record_id]}"' not in lists, (slug, record_id)
            assert f'"{record_id}"' not in map_page, (slug, record_id)
        points = client.get(f"/q/{slug}/api/layers/ideas/points").get_json()
        assert len(points["lon"]) == 1


@pytest.mark.both_databases
def test_a_record_of_another_quartier_is_not_found_there(client, two):
    assert client.get("/q/beispiel/massnahmen/beispiel-platz").status_code == 200
    assert client.get("/q/dalheim/massnahmen/beispiel-platz").status_code == 404
    assert client.get("/q/beispiel/massnahmen/kifaz").status_code == 404
    assert client.get("/q/beispiel/orte/kifaz").status_code == 404
    assert client.get("/q/beispiel/ideen/frei").status_code == 404
    assert client.get("/q/beispiel/api/measures/kifaz").status_code == 404
    assert client.get("/q/beispiel/api/ideas/frei").status_code == 404
    assert client.get("/q/dalheim/api/ideas/drueben").status_code == 404
    assert client.get("/q/dalheim/api/layers/quartier").get_json()["features"][0]["id"] == (
        "dalheim"
    )
    near = client.get(f"/q/beispiel/api/ideas/nearby?lon={LON}&lat={LAT}&radius=1000")
    assert near.get_json()["features"] == []


@pytest.mark.both_databases
def test_a_pin_inside_one_quartier_but_outside_the_other_is_refused_there(client, two):
    refused = client.post(
        f"/q/{EXAMPLE_SLUG}/api/ideas", json=idea_feature(lon=LON, lat=LAT, title="Bank")
    )
    assert refused.status_code == 400
    assert "außerhalb des Quartiers Beispielquartier" in refused.get_json()["error"]["message"]
    accepted = client.post(
        f"/q/{EXAMPLE_SLUG}/api/ideas",
        json=idea_feature(lon=EXAMPLE_LON, lat=EXAMPLE_LAT, title="Bank drüben"),
    )
    assert accepted.status_code == 201
    assert "/q/beispiel/ideen/status/" in accepted.get_json()["status_url"]
    assert client.post(
        "/q/dalheim/api/ideas", json=idea_feature(lon=EXAMPLE_LON, lat=EXAMPLE_LAT)
    ).status_code == (400)
    assert client.post("/q/dalheim/api/ideas", json=idea_feature()).status_code == 201


@pytest.mark.both_databases
def test_a_status_link_works_only_under_its_own_quartier(client, two):
    created = client.post(
        f"/q/{EXAMPLE_SLUG}/api/ideas", json=idea_feature(lon=EXAMPLE_LON, lat=EXAMPLE_LAT)
    ).get_json()
    path = created["status_url"].split("localhost", 1)[1]
    assert client.get(path).status_code == 200
    assert client.get(path.replace("/q/beispiel/", "/q/dalheim/")).status_code == 404


def _login(client, path="/q/dalheim/planung/anmelden"):
    html = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    client.post(path, data={"username": "lea", "password": PASSWORD, "csrf_token": token})


@pytest.mark.both_databases
def test_the_planners_area_of_a_quartier_holds_only_its_ideas(client, two, planner, runner):
    # Made with two Quartiere, the account holds no role of itself.
    runner.invoke(args=["planner", "grant", "lea", "--quartier", "dalheim", "--role", "admin"])
    add_idea(two, "wartet-dort", state="pending", quartier=EXAMPLE_SLUG, lon=EXAMPLE_LON)
    add_idea(two, "wartet-hier", state="pending")
    _login(client)
    page = _html(client.get("/q/dalheim/planung/ideen/wartet-hier"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    queue = _html(client.get("/q/dalheim/planung/"))
    assert "wartet-hier" in queue and "wartet-dort" not in queue
    assert client.get("/q/dalheim/planung/ideen/wartet-dort").status_code == 404
    refused = client.post(
        "/q/dalheim/planung/ideen/wartet-dort/freigeben", data={"csrf_token": token}
    )
    assert refused.status_code == 404
    assert two.ideas.get("wartet-dort", ("pending",)) is not None
    # A duplicate must be of the same Quartier.
    client.post(
        "/q/dalheim/planung/ideen/wartet-hier/doppelt",
        data={"csrf_token": token, "duplicate_of": "drueben"},
    )
    assert two.ideas.get("wartet-hier", ("pending",)) is not None
    # Dalheim's log holds nothing of the other Quartier; the other's is not there for lea.
    assert "wartet-dort" not in _html(client.get("/q/dalheim/planung/protokoll"))
    assert client.get("/q/beispiel/planung/protokoll").status_code == 404


def _ids(collection: dict) -> set[str]:
    return {f.get("id") or f["properties"]["id"] for f in collection["features"]}


@pytest.mark.both_databases
def test_ogc_collections_per_quartier_and_for_the_whole_city(client, two):
    for layer, dalheim_id, example_id in (
        ("measures", "kifaz", "beispiel-platz"),
        ("locations", "kifaz", "beispiel-treff"),
        ("ideas", "frei", "drueben"),
        ("quartier", "dalheim", EXAMPLE_SLUG),
    ):
        city = client.get(f"/ogc/collections/{layer}/items?f=json&limit=1000").get_json()
        assert {dalheim_id, example_id} <= _ids(city), layer
        example = client.get(f"/q/beispiel/ogc/collections/{layer}/items?f=json&limit=1000")
        assert example.status_code == 200
        assert example_id in _ids(example.get_json()), layer
        assert dalheim_id not in _ids(example.get_json()), layer
        assert (
            client.get(f"/q/beispiel/ogc/collections/{layer}/items/{dalheim_id}?f=json").status_code
            == 404
        )
    # The links of a Quartier's collections stay within it; the city's within the city.
    document = client.get("/q/beispiel/ogc/collections?f=json").get_json()
    hrefs = [link["href"] for c in document["collections"] for link in c["links"]]
    assert hrefs and all("/q/beispiel/ogc/" in href for href in hrefs)
    city_hrefs = [
        link["href"]
        for c in client.get("/ogc/collections?f=json").get_json()["collections"]
        for link in c["links"]
    ]
    assert city_hrefs and not any("/q/" in href for href in city_hrefs)
    # The extent of a Quartier's measures is that of its own.
    measures = client.get("/q/beispiel/ogc/collections/measures?f=json").get_json()
    west, south, east, north = measures["extent"]["spatial"]["bbox"][0]
    assert west >= 8.48 and east <= 8.50


def _download(client, url: str) -> bytes:
    """The file at ``url`` (the response, streamed from a file, is closed)."""
    response = client.get(url)
    try:
        assert response.status_code == 200, url
        return response.get_data()
    finally:
        response.close()


@pytest.mark.both_databases
def test_exports_per_quartier_and_for_the_whole_city(client, two, tmp_path):
    import json

    import pyogrio

    example = json.loads(_download(client, "/q/beispiel/export/measures.geojson"))
    assert _ids(example) == {"beispiel-platz"}
    city = json.loads(_download(client, "/export/measures.geojson"))
    assert {"kifaz", "beispiel-platz"} <= _ids(city)
    path = tmp_path / "alle.gpkg"
    path.write_bytes(_download(client, "/export/quartierskarte.gpkg"))
    for layer in ("measures", "locations", "ideas"):
        table = pyogrio.read_dataframe(path, layer=layer)
        assert set(table["quartier"]) == {"dalheim", EXAMPLE_SLUG}, layer
    example_gpkg = tmp_path / "beispiel.gpkg"
    example_gpkg.write_bytes(_download(client, "/q/beispiel/export/quartierskarte.gpkg"))
    assert set(pyogrio.read_dataframe(example_gpkg, layer="measures")["quartier"]) == {EXAMPLE_SLUG}
