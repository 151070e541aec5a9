"""The read API: layers, filters, single features, caching and compression."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime

from shapely.geometry import Point

from measures.model import Idea, IdeaContact


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


def test_ideas_layer_shows_approved_ideas_without_personal_data(app, client):
    store = app.extensions["quartierskarte.store"]
    for idea_id, state in (("frei", "approved"), ("offen", "pending")):
        store.add_idea(
            Idea(
                id=idea_id,
                title="Trinkbrunnen",
                description="Ein Trinkbrunnen an der Neukölln-Anlage",
                category="wohnumfeld_gruen",
                geometry=Point(8.4790, 50.5630),
                created_at=datetime(2026, 11, 2, tzinfo=UTC),
                moderation_state=state,
            ),
            IdeaContact(idea_id, "Maria Muster", "maria@example.org"),
        )
    response = client.get("/api/layers/ideas")
    features = response.get_json()["features"]
    assert [f["id"] for f in features] == ["frei"]
    text = response.get_data(as_text=True)
    assert "Maria" not in text and "maria@example.org" not in text
    assert "email" not in text and "author" not in text
    assert client.get("/api/ideas/offen").status_code == 404
    assert client.get("/api/ideas/frei").status_code == 200


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


def test_etag_changes_when_the_layer_changes(app, client, seed):
    import dataclasses

    etag = client.get("/api/layers/measures").headers["ETag"]
    edited = dataclasses.replace(seed.measures[0], summary="Geändert")
    app.extensions["quartierskarte.store"].load_seed(
        dataclasses.replace(seed, measures=(edited, *seed.measures[1:]))
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
