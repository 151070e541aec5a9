"""Atom feeds of measures and of approved ideas: valid Atom, the right entries, linked."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.factories import EXAMPLE_LAT, EXAMPLE_LON, EXAMPLE_SLUG, add_example_quartier, add_idea

ATOM = "{http://www.w3.org/2005/Atom}"


def _feed(client, path: str) -> ET.Element:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{required}") is not None
    return root


def _entries(root: ET.Element) -> list[ET.Element]:
    entries = root.findall(f"{ATOM}entry")
    for entry in entries:
        for required in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{required}").text
    return entries


def test_the_measures_feed_has_an_entry_per_measure(app, client, seed):
    entries = _entries(_feed(client, "/massnahmen/feed.atom"))
    assert len(entries) == len(seed.measures)
    titles = " ".join(e.find(f"{ATOM}title").text for e in entries)
    assert all(m.title in titles for m in seed.measures)
    link = entries[0].find(f"{ATOM}link").get("href")
    assert "/massnahmen/" in link


def test_a_measures_feed_lists_its_dated_steps(client, seed):
    measure = next(m for m in seed.measures if m.timeline)
    entries = _entries(_feed(client, f"/massnahmen/{measure.id}/feed.atom"))
    # Newest first, as feed readers expect.
    assert [e.find(f"{ATOM}title").text.split(":")[0] for e in entries] == [
        step.date for step in reversed(measure.timeline)
    ]
    assert client.get("/massnahmen/gibt-es-nicht/feed.atom").status_code == 404


def test_the_ideas_feed_holds_approved_ideas_only_and_no_personal_data(app, client):
    store = app.extensions["quartierskarte.store"]
    add_idea(store, "offen1", title="Wartet noch", state="pending")
    add_idea(store, "frei1", title="Trinkbrunnen", name="Erika M.", email="erika@example.org")
    root = _feed(client, "/ideen/feed.atom")
    titles = [e.find(f"{ATOM}title").text for e in _entries(root)]
    assert titles == ["Trinkbrunnen"]
    text = client.get("/ideen/feed.atom").get_data(as_text=True)
    assert "erika" not in text.lower() and "Wartet noch" not in text


def test_the_pages_link_their_feeds(app, client, seed):
    add_idea(app.extensions["quartierskarte.store"], "frei2")
    measure = seed.measures[0]
    page = client.get(f"/massnahmen/{measure.id}").get_data(as_text=True)
    assert 'rel="alternate" type="application/atom+xml"' in page
    # A Quartier's pages link the feeds of that Quartier.
    assert f'href="/q/dalheim/massnahmen/{measure.id}/feed.atom"' in page
    assert 'href="/q/dalheim/massnahmen/feed.atom"' in page
    idea_page = client.get("/ideen/frei2").get_data(as_text=True)
    assert 'type="application/atom+xml"' in idea_page
    assert 'href="/q/dalheim/ideen/feed.atom"' in idea_page


def _titles(root: ET.Element) -> list[str]:
    return [e.find(f"{ATOM}title").text for e in _entries(root)]


def _links(root: ET.Element) -> list[str]:
    return [e.find(f"{ATOM}link").get("href") for e in _entries(root)]


@pytest.fixture
def two(app, store, seed):
    """Dalheim and the invented example Quartier, each with a measure and an idea."""
    add_example_quartier(store, seed)
    add_idea(store, "hier", title="Bank hier")
    add_idea(
        store, "dort", title="Bank dort", quartier=EXAMPLE_SLUG, lon=EXAMPLE_LON, lat=EXAMPLE_LAT
    )
    return store


@pytest.mark.both_databases
def test_each_quartier_has_its_own_feeds_and_the_city_one_of_all(client, seed, two):
    dalheim = _feed(client, "/q/dalheim/massnahmen/feed.atom")
    assert "Dalheim" in dalheim.find(f"{ATOM}title").text
    assert len(_entries(dalheim)) == len(seed.measures)
    assert not any("Beispielquartier" in t for t in _titles(dalheim))
    example = _feed(client, f"/q/{EXAMPLE_SLUG}/massnahmen/feed.atom")
    assert "Beispielquartier" in example.find(f"{ATOM}title").text
    assert [t.split(":")[0] for t in _titles(example)] == ["Platz im Beispielquartier"]
    assert _links(example) == [f"http://localhost/q/{EXAMPLE_SLUG}/massnahmen/beispiel-platz"]
    # The city's feed holds both, each linking its page under its own Quartier.
    city = _feed(client, "/massnahmen/feed.atom")
    assert "Alle Quartiere" in city.find(f"{ATOM}title").text
    assert len(_entries(city)) == len(seed.measures) + 1
    assert f"http://localhost/q/{EXAMPLE_SLUG}/massnahmen/beispiel-platz" in _links(city)
    assert all(
        link.startswith("http://localhost/q/dalheim/")
        for link in _links(city)
        if "beispiel" not in link
    )

    assert _titles(_feed(client, "/q/dalheim/ideen/feed.atom")) == ["Bank hier"]
    assert _titles(_feed(client, f"/q/{EXAMPLE_SLUG}/ideen/feed.atom")) == ["Bank dort"]
    assert sorted(_titles(_feed(client, "/ideen/feed.atom"))) == ["Bank dort", "Bank hier"]
    assert _links(_feed(client, f"/q/{EXAMPLE_SLUG}/ideen/feed.atom")) == [
        f"http://localhost/q/{EXAMPLE_SLUG}/ideen/dort"
    ]


@pytest.mark.both_databases
def test_a_measures_feed_is_not_there_in_another_quartier(client, seed, two):
    measure = seed.measures[0].id
    assert client.get(f"/q/dalheim/massnahmen/{measure}/feed.atom").status_code == 200
    assert client.get(f"/q/{EXAMPLE_SLUG}/massnahmen/{measure}/feed.atom").status_code == 404
    assert client.get(f"/q/{EXAMPLE_SLUG}/massnahmen/beispiel-platz/feed.atom").status_code == 200
    # The city's feed of one measure finds it wherever it lies.
    assert client.get("/massnahmen/beispiel-platz/feed.atom").status_code == 200
    missing = client.get("/q/nirgends/massnahmen/feed.atom")
    assert missing.status_code == 404
    assert "nirgends" in missing.get_data(as_text=True)
    assert "Traceback" not in missing.get_data(as_text=True)


def test_with_one_quartier_the_city_feed_is_named_after_it(client):
    root = _feed(client, "/massnahmen/feed.atom")
    title = root.find(f"{ATOM}title").text
    assert title.startswith("Fördergebiet Dalheim") and "Alle Quartiere" not in title
