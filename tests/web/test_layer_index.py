"""Layers answered from memory (measures/reading/layer_index.py) are the database's answers.

One app keeps its layer index, another has the cache switched off and asks the database
(SQL on the bbox columns and shapely on SQLite, ST_Intersects in PostGIS) every time; both
serve the same database. For random boxes and filters, and for boxes made to touch
features exactly at their edges, the two must send the very same bytes.
"""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime, timedelta

import pytest

from measures.domain.model import Idea
from measures.domain.vocabulary import CATEGORIES, LOCATION_KINDS, STATUSES
from measures.reading import geojson
from tests import factories

# Every comparison of memory and database is made on both backends: the database's
# answer is SQL with shapely on SQLite and ST_Intersects on PostGIS.
pytestmark = pytest.mark.both_databases

# The extent of the Quartier and a little beyond, so that some boxes hold nothing.
EXTENT = (8.462, 50.558, 8.486, 50.574)


def _ideas(count: int, rng: random.Random) -> list[Idea]:
    minx, miny, maxx, maxy = EXTENT
    states = ["approved"] * 6 + ["pending", "rejected"]
    ideas = []
    for n in range(count):
        # Rounded to five decimals, so that several ideas share a spot and box edges
        # drawn from their coordinates touch them exactly.
        lon = round(rng.uniform(minx + 0.004, maxx - 0.004), 5)
        lat = round(rng.uniform(miny + 0.003, maxy - 0.003), 5)
        ideas.append(
            factories.idea(
                f"i{n:04d}",
                title=f"Idee {n}",
                category=rng.choice(list(CATEGORIES)),
                lon=lon,
                lat=lat,
                created_at=datetime(2026, 6, 1, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 50)),
                state=rng.choice(states),
            )
        )
    return ideas


def _idea_at_the_berliner_ring(idea_id: str, state: str) -> Idea:
    return factories.idea(
        idea_id,
        state=state,
        description="Eine Idee für eine Stelle.",
        category="wohnen",
        created_at=datetime(2026, 7, 1, tzinfo=UTC),
    )


def _random_box(rng: random.Random) -> tuple[float, float, float, float]:
    minx, miny, maxx, maxy = EXTENT
    x0, x1 = sorted(rng.uniform(minx, maxx) for _ in range(2))
    y0, y1 = sorted(rng.uniform(miny, maxy) for _ in range(2))
    return x0, y0, x1, y1


def _param(box) -> str:
    return "bbox=" + ",".join(repr(v) for v in box)


@pytest.fixture
def database_only(make_app):
    """An app that answers every layer request from the database."""
    return make_app(LAYER_CACHE_BYTES=0).test_client()


@pytest.fixture
def ideas(store):
    rng = random.Random(25832)
    made = _ideas(300, rng)
    for idea in made:
        store.ideas.add(idea)
    return made


def _same(client, database_only, url: str) -> int:
    from_memory, from_database = client.get(url), database_only.get(url)
    assert from_memory.status_code == from_database.status_code == 200, url
    assert from_memory.data == from_database.data, url
    return len(from_memory.get_json()["features"])


def test_random_boxes_and_filters_give_the_databases_answer(client, database_only, ideas):
    rng = random.Random(4326)
    found = []
    for _ in range(40):
        box = _random_box(rng)
        found.append(_same(client, database_only, f"/api/layers/ideas?{_param(box)}"))
        categories = rng.sample(list(CATEGORIES), rng.randint(1, 3))
        query = "&".join(f"category={c}" for c in categories)
        found.append(_same(client, database_only, f"/api/layers/ideas?{query}&{_param(box)}"))
    # The boxes were neither all empty nor all full: the comparison saw real selections.
    public = sum(1 for i in ideas if i.moderation_state == "approved")
    assert 0 in found and max(found) < public and len(set(found)) > 10


def test_boxes_touching_ideas_at_their_edges_include_them(client, database_only, ideas):
    approved = [i for i in ideas if i.moderation_state == "approved"][:15]
    for idea in approved:
        x, y = idea.geometry.x, idea.geometry.y
        for box in [
            (x, y, x + 0.001, y + 0.001),  # the idea at the lower left corner
            (x - 0.001, y - 0.001, x, y),  # at the upper right corner
            (x, y, x, y),  # a box of no size at the idea itself
            (x - 0.001, y, x + 0.001, y + 0.001),  # on the lower edge
        ]:
            url = f"/api/layers/ideas?{_param(box)}"
            assert _same(client, database_only, url) >= 1
            assert idea.id in {f["id"] for f in client.get(url).get_json()["features"]}


@pytest.mark.parametrize("layer", ["quartier", "measures", "locations"])
def test_areas_lines_and_places_give_the_databases_answer(
    client, database_only, store, layer, seed
):
    rng = random.Random(len(layer))
    records = {"quartier": [seed.quartier], "measures": seed.measures}.get(layer, seed.locations)
    boxes = [_random_box(rng) for _ in range(25)]
    # Boxes at the corners of each feature's bounding box: inside that box, but for an
    # area or a line mostly outside the shape itself, where only the exact test decides.
    for record in records:
        minx, miny, maxx, maxy = record.geometry.bounds
        boxes += [(minx, miny, minx + 1e-4, miny + 1e-4), (maxx - 1e-4, maxy - 1e-4, maxx, maxy)]
        # Boxes of no width or of no height across the feature: lines, as in PostGIS.
        middle_x, middle_y = (minx + maxx) / 2, (miny + maxy) / 2
        boxes += [(middle_x, miny, middle_x, maxy), (minx, middle_y, maxx, middle_y)]
    found = set()
    for box in boxes:
        found.add(_same(client, database_only, f"/api/layers/{layer}?{_param(box)}"))
    if layer == "measures":
        for status in rng.sample(list(STATUSES), 4):
            _same(client, database_only, f"/api/layers/measures?status={status}")
    if layer == "locations":
        for kind in LOCATION_KINDS:
            _same(client, database_only, f"/api/layers/locations?kind={kind}&{_param(EXTENT)}")
    assert len(found) > 1


def test_a_new_box_is_answered_without_the_database(app, client, database_only, ideas, monkeypatch):
    assert client.get("/api/layers/ideas?bbox=8.47,50.56,8.48,50.57").status_code == 200
    url = "/api/layers/ideas?bbox=8.471,50.561,8.479,50.566&category=spiel_freizeit"
    expected = database_only.get(url).data

    def no_database(*args, **kwargs):
        raise AssertionError("the layer was read again although it did not change")

    monkeypatch.setattr(app.extensions["quartierskarte.store"].layers, "records", no_database)
    other_box = client.get(url)
    assert other_box.status_code == 200
    assert other_box.data == expected and other_box.get_json()["features"]


def test_a_change_reaches_answers_for_boxes_asked_before(app, client, store, ideas):
    box = "bbox=8.4739,50.5654,8.4741,50.5656"
    assert client.get(f"/api/layers/ideas?{box}").get_json()["features"] == []
    store.ideas.add(_idea_at_the_berliner_ring("neu", "pending"))
    assert client.get(f"/api/layers/ideas?{box}").get_json()["features"] == []
    store.ideas.approve("neu", "planerin")
    ids = [f["id"] for f in client.get(f"/api/layers/ideas?{box}").get_json()["features"]]
    assert ids == ["neu"]


def _without_time_stamp(response) -> bytes:
    """The bytes of an OGC page but for its time stamp, which is that of each answer."""
    assert response.status_code == 200
    body, count = re.subn(rb'"timeStamp":"[^"]*"', b'"timeStamp":""', response.data)
    assert count == 1
    return body


def test_ogc_pages_from_memory_are_the_databases_pages(client, database_only, ideas):
    rng = random.Random(3857)
    matched = set()
    for _ in range(20):
        box = _random_box(rng)
        limit, offset = rng.choice([1, 7, 100]), rng.choice([0, 3, 40])
        category = rng.choice(list(CATEGORIES))
        for url in [
            f"/ogc/collections/ideas/items?{_param(box)}&limit={limit}&offset={offset}",
            f"/ogc/collections/ideas/items?category={category}&limit={limit}",
            f"/ogc/collections/measures/items?{_param(box)}",
        ]:
            from_memory = _without_time_stamp(client.get(url))
            assert from_memory == _without_time_stamp(database_only.get(url)), url
            matched.add(json.loads(from_memory)["numberMatched"])
    # Another CRS and a time filter are read from the database: still the same pages.
    for url in [
        "/ogc/collections/ideas/items?crs=http://www.opengis.net/def/crs/EPSG/0/25832",
        "/ogc/collections/ideas/items?datetime=2026-06-01T00:10:00Z/..",
    ]:
        assert _without_time_stamp(client.get(url)) == _without_time_stamp(database_only.get(url))
    assert len(matched) > 5


def test_idea_points_from_memory_are_the_databases(client, database_only, ideas):
    rng = random.Random(31467)
    sizes = set()
    for _ in range(10):
        category = rng.choice(list(CATEGORIES))
        for url in [
            "/api/layers/ideas/points",
            f"/api/layers/ideas/points?category={category}",
            f"/api/layers/ideas/points?{_param(_random_box(rng))}",
        ]:
            from_memory = client.get(url)
            assert from_memory.data == database_only.get(url).data, url
            sizes.add(len(from_memory.get_json()["lon"]))
    assert len(sizes) > 5


def test_idea_cells_from_memory_are_the_databases_also_after_changes(make_app, store, ideas):
    """Beyond ``MAP_POINTS_MOST`` the cells are counted from the index's arrays: the same
    as counted from the database's records, also once the index was updated."""
    from_memory = make_app(MAP_POINTS_MOST=20).test_client()
    from_database = make_app(MAP_POINTS_MOST=20, LAYER_CACHE_BYTES=0).test_client()
    rng = random.Random(4711)
    urls = [
        "/api/layers/ideas/points",
        f"/api/layers/ideas/points?category={rng.choice(list(CATEGORIES))}",
        f"/api/layers/ideas/points?{_param((8.462, 50.558, 8.478, 50.570))}",
    ]
    for step in range(3):
        for url in urls:
            answer = from_memory.get(url)
            assert "count" in answer.get_json(), url  # cells, not points
            assert answer.data == from_database.get(url).data, (step, url)
        store.ideas.delete(ideas[step].id, "lea")
        store.ideas.edit(ideas[10 + step].id, "lea", f"Neu {step}", "Neuer Text.")


def test_etags_of_answers_from_memory_agree_across_workers(client, make_app, ideas):
    second = make_app().test_client()
    box_a = "/api/layers/ideas?bbox=8.466,50.561,8.474,50.566"
    box_b = "/api/layers/ideas?bbox=8.466,50.561,8.474,50.567"
    etag_a = client.get(box_a).headers["ETag"]
    assert second.get(box_a).headers["ETag"] == etag_a
    assert client.get(box_b).headers["ETag"] != etag_a
    assert client.get(box_a + "&category=wohnen").headers["ETag"] != etag_a
    # A client revalidating with another worker gets its 304.
    assert second.get(box_a, headers={"If-None-Match": etag_a}).status_code == 304
    points = "/api/layers/ideas/points"
    assert second.get(points).headers["ETag"] == client.get(points).headers["ETag"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/layers/ideas",
        "/api/layers/ideas?bbox=8.47,50.56,8.48,50.57&category=wohnen",
        "/api/layers/ideas/points",
        "/ogc/collections/ideas/items?limit=5",
    ],
)
def test_a_layer_with_a_change_but_no_public_idea_answers_empty(client, database_only, store, url):
    store.ideas.add(_idea_at_the_berliner_ring("weg", "approved"))
    store.ideas.reject("weg", "planerin", "Gibt es schon.")
    assert store.layers.changed_at("ideas") is not None
    from_memory = client.get(url)
    assert from_memory.status_code == 200
    assert "weg" not in from_memory.get_data(as_text=True)
    if "ogc" in url:
        assert _without_time_stamp(from_memory) == _without_time_stamp(database_only.get(url))
    else:
        assert from_memory.data == database_only.get(url).data


def test_features_kept_as_json_fill_an_envelope_as_if_written_together():
    features = [{"type": "Feature", "id": "ä1"}, {"type": "Feature", "id": "b2"}]
    written = [geojson.dumps(f).encode() for f in features]
    envelope = geojson.dumps(geojson.feature_collection([], "ideas")).encode()
    whole = geojson.dumps(geojson.feature_collection(features, "ideas")).encode()
    assert geojson.with_features(envelope, written) == whole
    assert geojson.with_features(envelope, []) == envelope
    with pytest.raises(ValueError):
        geojson.with_features(b'{"features":[],"name":"x"}', written)
