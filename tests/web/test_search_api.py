"""GET /api/search: the map's search box, answered from our own gazetteer."""

from __future__ import annotations

import pytest


def test_streets_places_and_measures_are_found(client):
    body = client.get("/api/search?q=berliner").get_json()
    assert body["query"] == "berliner"
    first = body["results"][0]
    assert first == {
        "type": "street",
        "id": "Berliner Ring",
        "name": "Berliner Ring",
        "description": "Straße",
        "feature": None,
        "lon": pytest.approx(8.4722),
        "lat": pytest.approx(50.5666),
    }
    kifaz = client.get("/api/search?q=kifaz").get_json()["results"]
    assert {r["feature"] for r in kifaz} >= {"locations:kifaz", "measures:kifaz"}
    assert "Maßnahme · abgeschlossen" in {r["description"] for r in kifaz}


def test_spelling_is_forgiven(client):
    names = [r["name"] for r in client.get("/api/search?q=HOHE strasse").get_json()["results"]]
    assert names[0] == "Hohe Straße"


def test_the_answer_speaks_the_language_of_the_request(client):
    client.get("/sprache/en?weiter=/")
    body = client.get("/api/search?q=hohe").get_json()
    assert body["results"][0]["description"] == "Street"


@pytest.mark.parametrize("query", ["", "q=", "q=%20%20", "q=" + "x" * 101])
def test_an_empty_or_overlong_query_is_a_clear_400(client, query):
    response = client.get("/api/search?" + query)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["parameter"] == "q" and "1 bis 100 Zeichen" in error["message"]


def test_the_search_is_described_in_the_openapi_document(client):
    document = client.get("/api/openapi.json").get_json()
    operation = document["paths"]["/api/search"]["get"]
    assert operation["parameters"][0]["name"] == "q"
    assert "SearchResults" in document["components"]["schemas"]
