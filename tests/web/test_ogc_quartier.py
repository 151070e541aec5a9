"""The city-wide OGC API and read API filter by Quartier: ``quartier`` is a queryable of
measures, places and ideas, derived from the layers' definition like the other filters; a
Quartier's own URL cannot be widened by it, and a wrong value is a German 400.

The second Quartier is invented for the tests (``tests/factories.py``).
"""

from __future__ import annotations

import pytest

from tests.factories import EXAMPLE_LAT, EXAMPLE_LON, EXAMPLE_SLUG, add_example_quartier, add_idea


@pytest.fixture
def two(store, seed):
    add_example_quartier(store, seed)
    add_idea(store, "hier")
    add_idea(store, "dort", quartier=EXAMPLE_SLUG, lon=EXAMPLE_LON, lat=EXAMPLE_LAT)
    return store


def _ids(client, path: str) -> set[str]:
    response = client.get(path, headers={"Accept": "application/geo+json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return {f["id"] for f in response.get_json()["features"]}


@pytest.mark.both_databases
@pytest.mark.parametrize(
    ("collection", "theirs"),
    [("measures", "beispiel-platz"), ("locations", "beispiel-treff"), ("ideas", "dort")],
)
def test_the_city_wide_collections_filter_by_quartier(client, two, collection, theirs):
    items = f"/ogc/collections/{collection}/items?f=json&limit=1000"
    everything = _ids(client, items)
    ours = _ids(client, items + "&quartier=dalheim")
    only_theirs = _ids(client, items + f"&quartier={EXAMPLE_SLUG}")
    assert only_theirs == {theirs}
    assert theirs not in ours and ours and ours | only_theirs == everything
    assert _ids(client, items + f"&quartier=dalheim,{EXAMPLE_SLUG}") == everything
    # The read API is a Quartier's: the filter narrows it, never widens it.
    layer = f"/api/layers/{collection}?quartier={EXAMPLE_SLUG}"
    read = client.get(f"/q/{EXAMPLE_SLUG}{layer}").get_json()
    assert {f["id"] for f in read["features"]} == {theirs}
    assert client.get(f"/q/dalheim{layer}").get_json()["features"] == []


@pytest.mark.both_databases
def test_a_quartiers_own_url_is_not_widened_by_the_filter(client, two):
    items = "/q/dalheim/ogc/collections/measures/items?f=json&limit=1000"
    assert _ids(client, items + f"&quartier={EXAMPLE_SLUG}") == set()
    assert "beispiel-platz" not in _ids(client, items + "&quartier=dalheim")
    assert _ids(client, f"/q/{EXAMPLE_SLUG}/ogc/collections/measures/items?f=json") == {
        "beispiel-platz"
    }


def test_quartier_is_a_queryable_of_measures_places_and_ideas(client, two):
    for collection in ("measures", "locations", "ideas"):
        document = client.get(f"/ogc/collections/{collection}/queryables?f=json").get_json()
        assert document["properties"]["quartier"]["type"] == "string", collection
    openapi = client.get("/ogc/api?f=json").get_json()
    names = {p["name"] for p in openapi["components"]["parameters"].values() if "name" in p}
    assert "quartier" in names


@pytest.mark.parametrize(
    ("value", "words"),
    [("nirgends", "Unbekannter Wert für 'quartier': nirgends"), ("Dal heim", "Kleinbuchstaben")],
)
def test_a_wrong_quartier_is_a_german_400_in_the_json_shape(client, two, value, words):
    for path in ("/ogc/collections/measures/items?f=json&", "/api/layers/measures?"):
        response = client.get(path + "quartier=" + value.replace(" ", "%20"))
        assert response.status_code == 400, path
        body = response.get_data(as_text=True)
        assert words in body and "Traceback" not in body and "SELECT" not in body


def test_the_service_is_named_after_the_quartier_of_its_url_or_all(client, two):
    ours = client.get("/q/dalheim/ogc?f=json").get_json()
    assert ours["title"] == "Quartierskarte Dalheim – OGC API Features"
    everyone = client.get("/ogc?f=json").get_json()
    assert everyone["title"] == "Quartierskarte (alle Quartiere) – OGC API Features"
    api = client.get("/q/dalheim/ogc/api?f=json").get_json()
    assert api["info"]["title"] == ours["title"] and "Dalheim" in api["info"]["description"]


def test_the_only_quartier_names_the_service_at_the_old_address(client):
    assert client.get("/ogc?f=json").get_json()["title"] == (
        "Quartierskarte Dalheim – OGC API Features"
    )
