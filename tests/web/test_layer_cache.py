"""The layer cache: serialised layers are reused, yet every change shows in the next answer.

Each worker keeps its own cache, keyed by the layer's ``changed_at`` in the database. Two
app instances on one database stand for two gunicorn workers here: a change made through
one of them (or anywhere else) must appear in the very next response of both.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.reading import layer_cache
from measures.domain.model import Idea
from measures.reading import geojson
from measures.reading.cache import LayerCache
from measures.reading.layer_index import build_index
from tests.factories import idea, idea_feature

API = "/api/layers/ideas"
OGC = "/ogc/collections/ideas/items?limit=10000"
# Answered from the layer's index (measures/reading/layer_index.py), not from an answer cached.
API_BOX = API + "?bbox=8.4735,50.5650,8.4745,50.5660&category=wohnumfeld_gruen"
URLS = [API, OGC, API_BOX]


def _idea(idea_id: str, state: str = "pending", **fields) -> Idea:
    return idea(
        idea_id,
        state=state,
        title="Mehr Bänke",
        description="Am Spielplatz fehlen Bänke für Eltern.",
        created_at=datetime(2026, 5, 1, 12, 0, tzinfo=UTC),
        **fields,
    )


def _features(client, url: str) -> dict[str, dict]:
    response = client.get(url)
    assert response.status_code == 200
    return {f["id"]: f["properties"] for f in response.get_json()["features"]}


@pytest.fixture
def other(app, make_app):
    """A client of another app on the same database, with its own cache: a second
    gunicorn worker."""
    return make_app().test_client()


@pytest.mark.parametrize("url", URLS)
def test_repeated_requests_are_answered_from_the_cache(app, store, client, url, monkeypatch):
    store.ideas.add(_idea("a1", "approved"))
    first = client.get(url)

    def no_database(*args, **kwargs):
        raise AssertionError("the layer was read again although it did not change")

    app_store = app.extensions["quartierskarte.store"]
    monkeypatch.setattr(app_store.layers, "records", no_database)
    monkeypatch.setattr(app_store.layers, "page", no_database)
    second = client.get(url)
    assert second.status_code == 200
    assert second.get_json()["features"] == first.get_json()["features"]


@pytest.mark.both_databases
@pytest.mark.parametrize("url", URLS)
def test_a_newly_approved_idea_is_in_the_next_response_of_every_worker(
    app, store, client, other, url
):
    store.ideas.add(_idea("old", "approved"))
    assert set(_features(client, url)) == {"old"}
    assert set(_features(other, url)) == {"old"}

    # Pending ideas are not public: the layer stays as it was.
    store.ideas.add(_idea("new"))
    assert set(_features(client, url)) == {"old"}

    store.ideas.approve("new", "planerin")
    assert set(_features(client, url)) == {"old", "new"}
    assert set(_features(other, url)) == {"old", "new"}


@pytest.mark.both_databases
@pytest.mark.parametrize("url", URLS)
def test_a_changed_idea_is_in_the_next_response_of_every_worker(app, store, client, other, url):
    store.ideas.add(_idea("a1", "approved"))
    assert _features(client, url)["a1"]["title"] == "Mehr Bänke"
    assert _features(other, url)["a1"]["supports"] == 0

    store.ideas.edit("a1", "planerin", "Mehr Sitzbänke", "Am Spielplatz fehlen Bänke.")
    assert _features(client, url)["a1"]["title"] == "Mehr Sitzbänke"
    assert _features(other, url)["a1"]["title"] == "Mehr Sitzbänke"

    store.ideas.support("a1")
    assert _features(other, url)["a1"]["supports"] == 1
    assert _features(client, url)["a1"]["supports"] == 1

    store.ideas.reject("a1", "planerin", "Gibt es schon.")
    assert _features(client, url) == {}
    assert _features(other, url) == {}


@pytest.mark.both_databases
def test_an_idea_submitted_through_the_api_and_approved_shows_at_once(app, store, client):
    app.config["RATELIMIT_IDEAS"] = "100 per minute"
    assert _features(client, API) == {}
    created = client.post("/api/ideas", json=idea_feature())
    assert created.status_code == 201
    idea_id = created.get_json()["id"]
    assert _features(client, API) == {}
    store.ideas.approve(idea_id, "planerin")
    assert set(_features(client, API)) == {idea_id}
    assert set(_features(client, OGC)) == {idea_id}


@pytest.mark.both_databases
def test_revalidation_still_answers_304_until_the_layer_changes(store, client):
    store.ideas.add(_idea("a1", "approved"))
    first = client.get(API)
    etag = first.headers["ETag"]
    assert client.get(API, headers={"If-None-Match": etag}).status_code == 304
    store.ideas.support("a1")
    changed = client.get(API, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


@pytest.mark.both_databases
def test_filters_are_cached_apart(store, client):
    store.ideas.add(_idea("inside", "approved"))
    store.ideas.add(_idea("other", "approved", lon=8.4800, lat=50.5610))
    box = "bbox=8.4735,50.5650,8.4745,50.5660"
    assert set(_features(client, API)) == {"inside", "other"}
    assert set(_features(client, f"{API}?{box}")) == {"inside"}
    assert set(_features(client, f"{OGC}&{box}")) == {"inside"}
    assert set(_features(client, API)) == {"inside", "other"}
    ogc_page = client.get("/ogc/collections/ideas/items?limit=1").get_json()
    assert ogc_page["numberMatched"] == 2
    assert ogc_page["numberReturned"] == 1
    assert client.get(OGC).get_json()["numberReturned"] == 2


def test_the_ogc_time_stamp_is_that_of_each_response(store, client):
    store.ideas.add(_idea("a1", "approved"))
    before = datetime.now(UTC).replace(microsecond=0)
    page = client.get(OGC).get_json()
    again = client.get(OGC).get_json()
    for document in (page, again):
        stamp = datetime.fromisoformat(document["timeStamp"].replace("Z", "+00:00"))
        assert stamp >= before
    assert list(page) == [
        "type",
        "numberMatched",
        "numberReturned",
        "timeStamp",
        "links",
        "features",
    ]


def test_a_cache_of_size_zero_reads_every_time(app, store, client, monkeypatch):
    app.config["LAYER_CACHE_BYTES"] = 0
    store.ideas.add(_idea("a1", "approved"))
    assert set(_features(client, API)) == {"a1"}
    calls = []
    app_store = app.extensions["quartierskarte.store"]
    original = app_store.layers.records
    monkeypatch.setattr(
        app_store.layers, "records", lambda *a, **k: calls.append(1) or original(*a, **k)
    )
    _features(client, API)
    _features(client, API)
    assert len(calls) == 2


def test_the_cache_keeps_to_its_size_and_drops_older_versions():
    cache = LayerCache(max_bytes=10)
    t1, t2 = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)
    assert cache.get_or_build("ideas", "a", t1, lambda: [b"1234"]) == (b"1234",)
    assert cache.get_or_build("ideas", "a", t1, lambda: [b"xxxx"]) == (b"1234",)
    cache.get_or_build("ideas", "b", t1, lambda: [b"5678"])
    assert len(cache) == 2
    # A third entry would exceed ten bytes: the least recently used one goes.
    cache.get_or_build("measures", "c", t1, lambda: [b"90ab"])
    assert len(cache) == 2
    assert cache.get_or_build("ideas", "a", t1, lambda: [b"new!"]) == (b"new!",)
    # A newer version of a layer replaces the older ones at once.
    cache.get_or_build("ideas", "a", t2, lambda: [b"t2"])
    assert cache.get_or_build("ideas", "a", t2, lambda: [b"??"]) == (b"t2",)
    assert cache.get_or_build("ideas", "b", t1, lambda: [b"b1"]) == (b"b1",)
    # Entries larger than the whole cache are served but not kept.
    assert cache.get_or_build("ideas", "big", t2, lambda: [b"x" * 11]) == (b"x" * 11,)
    # Without a recorded change nothing is kept.
    assert cache.get_or_build("ideas", "a", None, lambda: [b"n1"]) == (b"n1",)
    assert cache.get_or_build("ideas", "a", None, lambda: [b"n2"]) == (b"n2",)


def test_the_index_of_a_layer_is_kept_per_version_within_the_size():
    cache = LayerCache(max_bytes=1000)
    t1, t2 = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)
    built = []

    def build():
        built.append(1)
        return build_index([], lambda r: {})

    first = cache.index("ideas", t1, build)
    assert first is not None and cache.index("ideas", t1, build) is first
    assert len(built) == 1
    assert cache.index("ideas", t2, build) is not first
    assert len(cache) == 1  # the older version went
    # Without a recorded change, or with the cache off, there is no index: the
    # database answers instead.
    assert cache.index("ideas", None, build) is None
    assert LayerCache(max_bytes=0).index("ideas", t1, build) is None


def test_an_index_larger_than_the_cache_is_not_built_again(app):
    cache = LayerCache(max_bytes=100)
    t1, t2 = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)
    built = []

    def build():
        built.append(1)
        return build_index(
            [_idea(f"i{n}", "approved") for n in range(3)], geojson.LAYER_FEATURES["ideas"]
        )

    with app.app_context():
        first = cache.index("ideas", t1, build)
        # Used for the request that built it, then the database answers instead.
        assert first is not None and first.nbytes > 100
        assert cache.index("ideas", t1, build) is None
        assert cache.index("ideas", t2, build) is None
    assert len(built) == 1 and len(cache) == 0


@pytest.mark.both_databases
def test_with_a_small_cache_boxes_still_get_the_databases_answer(app, store, client):
    app.config["LAYER_CACHE_BYTES"] = 2000
    for n in range(5):
        store.ideas.add(_idea(f"i{n}", "approved"))
    box = f"{API}?bbox=8.47,50.56,8.48,50.57"
    assert set(_features(client, box)) == {f"i{n}" for n in range(5)}
    with app.app_context():
        assert "ideas" in layer_cache()._too_large
    store.ideas.add(_idea("i9", "approved"))
    assert set(_features(client, box)) == {*(f"i{n}" for n in range(5)), "i9"}
