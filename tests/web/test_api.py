"""The read API: layers, filters, single features, caching and compression."""

from __future__ import annotations

import dataclasses
import gzip
import json
import random

import pytest

from tests.factories import add_idea, seed_with


@pytest.mark.both_databases
def test_layers_lists_every_layer_with_counts_and_extent(client, seed):
    response = client.get("/api/layers")
    assert response.status_code == 200
    layers = {layer["name"]: layer for layer in response.get_json()["layers"]}
    assert list(layers) == ["quartier", "measures", "locations", "ideas"]
    assert layers["measures"]["count"] == len(seed.measures)
    assert layers["measures"]["title"] == "Maßnahmen"
    assert set(layers["measures"]["geometry_types"]) == {"Point", "Polygon"}
    assert layers["quartier"]["bbox"] == list(seed.quartier.geometry.bounds)
    assert layers["ideas"]["count"] == 0 and layers["ideas"]["bbox"] is None
    assert layers["locations"]["changed_at"].endswith("Z")


def test_measures_layer_has_the_kifaz_as_completed_with_sources(client):
    response = client.get("/api/layers/measures")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    collection = response.get_json()
    assert collection["type"] == "FeatureCollection"
    kifaz = next(f for f in collection["features"] if f["id"] == "kifaz")
    assert kifaz["properties"]["status"] == "abgeschlossen"
    assert kifaz["properties"]["cost_eur"] == 8_370_000
    assert any("wittich" in s["url"] for s in kifaz["properties"]["sources"])
    # RFC 7946: longitude first, latitude second.
    lon, lat = kifaz["geometry"]["coordinates"]
    assert 8 < lon < 9 and 50 < lat < 51


@pytest.mark.both_databases
def test_filters_combine(client, seed):
    ids = {
        f["id"]
        for f in client.get(
            "/api/layers/measures?status=abgeschlossen&category=spiel_freizeit"
        ).get_json()["features"]
    }
    assert ids == {
        m.id
        for m in seed.measures
        if m.status == "abgeschlossen" and m.category == "spiel_freizeit"
    }
    repeated = client.get("/api/layers/measures?status=idee&status=abgeschlossen").get_json()
    assert len(repeated["features"]) == sum(
        m.status in ("idee", "abgeschlossen") for m in seed.measures
    )
    schools = client.get("/api/layers/locations?kind=schule").get_json()["features"]
    assert {f["id"] for f in schools} == {"eichendorffschule", "dalheimschule"}
    near = client.get("/api/layers/locations?bbox=8.4700,50.5660,8.4715,50.5665").get_json()
    assert [f["id"] for f in near["features"]] == ["kifaz"]


def test_single_features(client):
    measure = client.get("/api/measures/kifaz")
    assert measure.status_code == 200
    assert measure.get_json()["properties"]["timeline"][-1]["date"] == "2023-05-12"
    location = client.get("/api/locations/kifaz").get_json()
    assert location["properties"]["address"].startswith("Berliner Ring 39")
    missing = client.get("/api/measures/gibt-es-nicht")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"


def test_ideas_layer_shows_approved_ideas_without_personal_data(store, client):
    for idea_id, state in (("frei", "approved"), ("offen", "pending")):
        add_idea(
            store,
            idea_id,
            state=state,
            title="Trinkbrunnen",
            description="Ein Trinkbrunnen an der Neukölln-Anlage",
            lon=8.4790,
            lat=50.5630,
            name="Maria Muster",
            email="maria@example.org",
        )
    response = client.get("/api/layers/ideas")
    features = response.get_json()["features"]
    assert [f["id"] for f in features] == ["frei"]
    text = response.get_data(as_text=True)
    assert "Maria" not in text and "maria@example.org" not in text
    assert "email" not in text and "author" not in text
    assert client.get("/api/ideas/offen").status_code == 404
    assert client.get("/api/ideas/frei").status_code == 200


@pytest.mark.both_databases
def test_conditional_requests_answer_304(client):
    first = client.get("/api/layers/measures")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert client.get("/api/layers/measures", headers={"If-None-Match": etag}).status_code == 304
    assert (
        client.get("/api/layers/measures", headers={"If-Modified-Since": modified}).status_code
        == 304
    )
    # A different filter is a different document with a different ETag.
    other = client.get("/api/layers/measures?status=idee", headers={"If-None-Match": etag})
    assert other.status_code == 200
    assert (
        client.get(
            "/api/layers", headers={"If-None-Match": client.get("/api/layers").headers["ETag"]}
        ).status_code
        == 304
    )


@pytest.mark.both_databases
def test_etag_changes_when_the_layer_changes(store, client, seed):
    etag = client.get("/api/layers/measures").headers["ETag"]
    store.layers.load_seed(
        seed_with(seed, dataclasses.replace(seed.measures[0], summary="Geändert"))
    )
    assert client.get("/api/layers/measures", headers={"If-None-Match": etag}).status_code == 200


def test_responses_are_compressed_and_stay_cacheable(client):
    response = client.get("/api/layers/measures", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    collection = json.loads(gzip.decompress(response.get_data()))
    assert collection["type"] == "FeatureCollection"
    again = client.get(
        "/api/layers/measures",
        headers={"Accept-Encoding": "gzip", "If-None-Match": response.headers["ETag"]},
    )
    assert again.status_code == 304


def test_vendored_libraries_are_served_with_their_version(client):
    from xstatic.pkg import leaflet

    response = client.get(f"/vendor/leaflet/{leaflet.VERSION}/leaflet.js")
    assert response.status_code == 200
    assert b"Leaflet" in response.get_data()[:500]
    assert "immutable" in response.headers["Cache-Control"]
    response.close()
    assert client.get("/vendor/leaflet/0.0.1/leaflet.js").status_code == 404
    assert client.get("/vendor/unbekannt/1/x.js").status_code == 404
    assert client.get(f"/vendor/leaflet/{leaflet.VERSION}/../../__init__.py").status_code == 404


POINTS = "/api/layers/ideas/points"


def _store_idea(app, idea_id, lon, lat, category="wohnumfeld_gruen", state="approved"):
    add_idea(
        app.extensions["quartierskarte.store"],
        idea_id,
        state=state,
        title=f"Titel {idea_id}",
        category=category,
        lon=lon,
        lat=lat,
        name="Maria Muster",
        email="maria@example.org",
    )


def _points(client, url=POINTS) -> list[tuple[float, float, str]]:
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    document = response.get_json()
    assert len(document["lon"]) == len(document["lat"]) == len(document["category"])
    return [
        (lon, lat, document["categories"][c])
        for lon, lat, c in zip(document["lon"], document["lat"], document["category"], strict=True)
    ]


def test_idea_points_are_positions_and_categories_of_approved_ideas_only(app, client):
    _store_idea(app, "a1b2c3d4e5f6", 8.4790123456, 50.5630987654, "spiel_freizeit")
    _store_idea(app, "0f0f0f0f0f0f", 8.4740, 50.5655)
    _store_idea(app, "aaaaaaaaaaaa", 8.4740, 50.5601, "wohnen")
    _store_idea(app, "bbbbbbbbbbbb", 8.4760, 50.5600, state="pending")
    _store_idea(app, "cccccccccccc", 8.4770, 50.5610, state="rejected")
    response = client.get(POINTS)
    document = response.get_json()
    assert document["name"] == "ideas" and document["precision"] == 5
    assert document["categories"] == [
        "wohnumfeld_gruen",
        "spiel_freizeit",
        "fuss_radverkehr",
        "soziale_infrastruktur_bildung",
        "nahversorgung_gesundheit",
        "wohnen",
    ]
    # Rounded to five decimals and sorted by longitude, then latitude.
    assert _points(client) == [
        (8.474, 50.5601, "wohnen"),
        (8.474, 50.5655, "wohnumfeld_gruen"),
        (8.47901, 50.5631, "spiel_freizeit"),
    ]
    text = response.get_data(as_text=True)
    for private_or_detail in ("Maria", "maria@example.org", "Titel", "a1b2c3d4e5f6", "0f0f"):
        assert private_or_detail not in text


@pytest.mark.both_databases
def test_idea_points_filter_by_category_like_the_ideas_layer(app, client):
    _store_idea(app, "spiel", 8.4790, 50.5630, "spiel_freizeit")
    _store_idea(app, "gruen", 8.4740, 50.5655)
    assert _points(client, POINTS + "?category=spiel_freizeit") == [
        (8.479, 50.563, "spiel_freizeit")
    ]
    assert len(_points(client, POINTS + "?category=spiel_freizeit,wohnumfeld_gruen")) == 2
    assert _points(client, POINTS + "?category=wohnen") == []
    assert _points(client, POINTS + "?bbox=8.4735,50.5650,8.4745,50.5660") == [
        (8.474, 50.5655, "wohnumfeld_gruen")
    ]


@pytest.mark.both_databases
def test_beyond_the_most_points_the_ideas_come_counted_in_cells_that_the_popups_find(
    make_app, store
):
    spots = [
        ("a00000000001", 8.47001, 50.56301, "spiel_freizeit"),
        ("a00000000002", 8.47003, 50.56302, "wohnen"),
        ("a00000000003", 8.47004, 50.56303, "spiel_freizeit"),
        ("a00000000004", 8.47802, 50.56801, "wohnen"),
        ("a00000000005", 8.47405, 50.56501, "wohnumfeld_gruen"),
        # On the edge of the cell of the first three: in the next cell, and only there.
        ("a00000000006", 8.47005, 50.56302, "wohnen"),
    ]
    for idea_id, lon, lat, category in spots:
        add_idea(store, idea_id, state="approved", category=category, lon=lon, lat=lat)
    add_idea(store, "b00000000001", state="pending", lon=8.47002, lat=50.56302)
    client = make_app(MAP_POINTS_MOST=4).test_client()
    document = client.get(POINTS).get_json()
    cells = list(zip(document["lon"], document["lat"], document["count"], strict=True))
    assert len(cells) <= 4 and sum(document["count"]) == len(spots)
    # Cells of 2e-5° (two rounding steps) would be five; of 5e-5° the close ideas share one.
    assert document["cell"] == 0.00005 and document["precision"] == 5
    assert sorted(document["count"]) == [1, 1, 1, 3]
    keys = document["categories"]
    for number, (lon, lat, count) in enumerate(cells):
        counts = dict(zip(keys, document["counts"][number], strict=True))
        assert sum(counts.values()) == count
        assert keys[document["category"][number]] == max(counts, key=counts.get)
        # What a cell's popup asks for (idea-popup.js pinBox): its ideas, and no others.
        half = document["cell"] / 2
        box = ",".join(
            f"{value:.9f}"
            for value in (lon - half, lat - half, lon + half - 1e-9, lat + half - 1e-9)
        )
        found = client.get(f"/api/layers/ideas?bbox={box}").get_json()["features"]
        assert len(found) == count
        assert {f["properties"]["category"] for f in found} == {k for k, n in counts.items() if n}
    # Up to the most, each idea is its own point, as before.
    assert "count" not in make_app(MAP_POINTS_MOST=6).test_client().get(POINTS).get_json()


def test_cells_are_the_finest_step_that_stays_at_the_most():
    from measures.reading.idea_points import idea_points

    rng = random.Random(3)
    positions = [
        (8.46 + rng.random() * 0.02, 50.56 + rng.random() * 0.01, "wohnen") for _ in range(3000)
    ]
    cells = idea_points(positions, most=1000)
    step = cells["cell"]
    assert len(cells["lon"]) <= 1000 and sum(cells["count"]) == 3000
    assert idea_points(positions, most=len(cells["lon"]) - 1)["cell"] > step
    assert len(idea_points(positions[:1000], most=1000)["lon"]) == 1000
    # Every idea lies in the box of the one cell it is counted in, ideas on an edge too:
    # west <= lon < east and south <= lat < north, the edges as decimals of 9 places.
    positions += [(round(8.46 + n * step, 9), 50.565, "wohnen") for n in range(20)]
    cells = idea_points(positions, most=1000)
    assert cells["cell"] == step
    boxes = [
        [round(value, 9) for value in (x - step / 2, y - step / 2, x + step / 2, y + step / 2)]
        for x, y in zip(cells["lon"], cells["lat"], strict=True)
    ]
    found = [0] * len(boxes)
    for lon, lat, _category in positions:
        inside = [i for i, (w, s, e, n) in enumerate(boxes) if w <= lon < e and s <= lat < n]
        assert len(inside) == 1, (lon, lat)
        found[inside[0]] += 1
    assert found == cells["count"]


def test_idea_points_refuse_bad_parameters_with_the_error_shape(client):
    for query, parameter in (
        ("category=unbekannt", "category"),
        ("status=idee", "status"),
        ("bbox=8.47,50.56,8.48", "bbox"),
    ):
        response = client.get(f"{POINTS}?{query}")
        assert response.status_code == 400, query
        error = response.get_json()["error"]
        assert error["status"] == 400 and error["code"] == "invalid_parameter"
        assert error["parameter"] == parameter
        assert (
            error["message"]
            == client.get(f"/api/layers/ideas?{query}").get_json()["error"]["message"]
        )
    message = client.get(f"{POINTS}?category=unbekannt").get_json()["error"]["message"]
    assert message.startswith("Unbekannter Wert für 'category': unbekannt.")


@pytest.mark.both_databases
def test_idea_points_answer_304_and_show_a_newly_approved_idea_at_once(app, client, database_url):
    from app import create_app

    other = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": database_url})
    try:
        second_worker = other.test_client()
        _store_idea(app, "alt", 8.4740, 50.5655)
        first = client.get(POINTS)
        assert _points(second_worker) == _points(client) == [(8.474, 50.5655, "wohnumfeld_gruen")]
        assert (
            client.get(POINTS, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
        )

        _store_idea(app, "neu", 8.4790, 50.5630, "spiel_freizeit", state="pending")
        assert len(_points(client)) == 1
        app.extensions["quartierskarte.store"].ideas.approve("neu", "planerin")
        expected = [(8.474, 50.5655, "wohnumfeld_gruen"), (8.479, 50.563, "spiel_freizeit")]
        assert _points(client) == expected
        assert _points(second_worker) == expected
        assert (
            client.get(POINTS, headers={"If-None-Match": first.headers["ETag"]}).status_code == 200
        )
    finally:
        other.extensions["quartierskarte.store"].engine.dispose()
