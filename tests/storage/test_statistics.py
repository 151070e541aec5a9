"""The planners' statistics, counted by the database, against counts made here in plain
Python over the ideas the test stored (both databases)."""

from __future__ import annotations

import dataclasses
import math
import random
import statistics as pystats
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

import pytest
from shapely.geometry import Point
from shapely.ops import nearest_points

from measures.domain import geo
from measures.domain.query import LayerQuery
from measures.domain.vocabulary import CATEGORIES, MODERATION_STATES
from measures.reading.idea_points import statistics_step
from measures.storage.filters import TimeRange
from tests.factories import EXAMPLE_LAT, EXAMPLE_LON, EXAMPLE_SLUG, add_example_quartier, idea

NEAR = 150  # metres, as the page asks
COUNT = 80

pytestmark = pytest.mark.both_databases


def _distance_m(geometry, lon: float, lat: float) -> float:
    nearest = nearest_points(geometry, Point(lon, lat))[0]
    return geo.haversine_m(nearest.x, nearest.y, lon, lat)


def _positions(store, seed, count: int, rng: random.Random) -> list[tuple[float, float]]:
    """Random points in Dalheim, none within 10 m of the 150 m line around a measure (the
    two databases measure the same metres within centimetres; this keeps them apart)."""
    boundary = store.layers.quartier("dalheim").geometry
    minx, miny, maxx, maxy = boundary.bounds
    found: list[tuple[float, float]] = []
    while len(found) < count:
        lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if not boundary.contains(Point(lon, lat)):
            continue
        if any(abs(_distance_m(m.geometry, lon, lat) - NEAR) < 10 for m in seed.measures):
            continue
        found.append((lon, lat))
    return found


@pytest.fixture
def ideas(store, seed):
    """``COUNT`` ideas of Dalheim with varied Handlungsfelder, months, states, supports,
    positions and decision times, and one idea of another Quartier that must not count."""
    rng = random.Random(17)
    made = []
    states = list(MODERATION_STATES)
    for n, (lon, lat) in enumerate(_positions(store, seed, COUNT, rng)):
        created = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(
            days=rng.randrange(540), seconds=rng.randrange(86400)
        )
        state = rng.choice(states)
        record = idea(
            f"i{n:03d}",
            state=state,
            category=rng.choice(list(CATEGORIES)),
            lon=lon,
            lat=lat,
            created_at=created,
            supports=rng.choice((0, 0, 1, 2, 3, 5, 8)) if state == "approved" else 0,
        )
        if state != "pending":
            decided = created + timedelta(hours=rng.randrange(1, 24 * 30))
            record = dataclasses.replace(record, decided_at=decided)
        store.ideas.add(record)
        made.append(record)
    add_example_quartier(store, seed)
    other = idea("anderswo", quartier=EXAMPLE_SLUG, lon=EXAMPLE_LON, lat=EXAMPLE_LAT, supports=99)
    store.ideas.add(dataclasses.replace(other, decided_at=other.created_at + timedelta(days=1)))
    return made


def _selected(ideas, categories=(), start=None, end=None):
    return [
        i
        for i in ideas
        if (not categories or i.category in categories)
        and (start is None or i.created_at >= start)
        and (end is None or i.created_at <= end)
    ]


FILTERS = [
    {},
    {"categories": ("spiel_freizeit", "wohnen")},
    {
        "start": datetime(2025, 3, 1, tzinfo=UTC),
        "end": datetime.combine(date(2025, 12, 31), time.max, tzinfo=UTC),
    },
]


def _ask(filters):
    query = LayerQuery.of(quartier={"dalheim"}, category=set(filters.get("categories", ())))
    period = (
        TimeRange("created_at", filters["start"], filters["end"]) if "start" in filters else None
    )
    return query, period


@pytest.mark.parametrize("filters", FILTERS, ids=["all", "two-fields", "period"])
def test_counts_equal_a_count_in_python(store, ideas, filters):
    query, period = _ask(filters)
    chosen = _selected(ideas, **filters)
    assert chosen  # the filters leave something to count
    stats = store.statistics
    assert stats.count_by("category", query, period) == Counter(i.category for i in chosen)
    assert stats.count_by("moderation_state", query, period) == Counter(
        i.moderation_state for i in chosen
    )
    assert stats.count_by_month(query, period) == Counter(
        i.created_at.strftime("%Y-%m") for i in chosen
    )


@pytest.mark.parametrize("filters", FILTERS, ids=["all", "two-fields", "period"])
def test_median_time_to_decision_equals_pythons(store, ideas, filters):
    query, period = _ask(filters)
    decided = [
        (i.decided_at - i.created_at).total_seconds() / 86400
        for i in _selected(ideas, **filters)
        if i.moderation_state in ("approved", "rejected")
    ]
    median = store.statistics.median_to_decision(query, period)
    assert median.count == len(decided)
    assert median.days == pytest.approx(pystats.median(decided), abs=1e-3)


def test_median_of_an_even_and_an_odd_count_and_of_none(store):
    base = datetime(2026, 1, 1, tzinfo=UTC)
    query = LayerQuery.of(quartier={"dalheim"})
    assert store.statistics.median_to_decision(query, None).days is None
    for n, days in enumerate((1, 2, 10, 40)):
        record = idea(f"m{n}", state="rejected", created_at=base)
        store.ideas.add(dataclasses.replace(record, decided_at=base + timedelta(days=days)))
    median = store.statistics.median_to_decision(query, None)
    assert (median.days, median.count) == (pytest.approx(6.0), 4)
    record = idea("m9", state="approved", created_at=base)
    store.ideas.add(dataclasses.replace(record, decided_at=base + timedelta(days=3)))
    assert store.statistics.median_to_decision(query, None).days == pytest.approx(3.0)


@pytest.mark.parametrize("filters", FILTERS, ids=["all", "two-fields", "period"])
def test_ranking_of_supports(store, ideas, filters):
    query, period = _ask(filters)
    expected = sorted(
        (i for i in _selected(ideas, **filters) if i.moderation_state == "approved" and i.supports),
        key=lambda i: (-i.supports, -i.created_at.timestamp(), i.id),
    )[:10]
    found = store.statistics.most_supported(query, period, 10)
    assert [(s.id, s.supports) for s in found] == [(i.id, i.supports) for i in expected]


@pytest.mark.parametrize("filters", FILTERS, ids=["all", "two-fields", "period"])
def test_ideas_near_each_measure(store, seed, ideas, filters):
    query, period = _ask(filters)
    approved = [i for i in _selected(ideas, **filters) if i.moderation_state == "approved"]
    expected = {
        m.id: sum(
            1 for i in approved if _distance_m(m.geometry, i.geometry.x, i.geometry.y) <= NEAR
        )
        for m in seed.measures
    }
    assert sum(expected.values())  # some are near, or the test proves little
    found = store.statistics.near_measures("dalheim", query, period, NEAR)
    assert {n.id: n.ideas for n in found} == expected
    assert [n.ideas for n in found] == sorted((n.ideas for n in found), reverse=True)


@pytest.mark.parametrize("filters", FILTERS, ids=["all", "two-fields", "period"])
def test_grid_cells_equal_a_binning_in_python(store, ideas, filters):
    query, period = _ask(filters)
    step = statistics_step(store.layers.quartier("dalheim").geometry.bounds)
    expected = Counter(
        (math.floor(i.geometry.x / step), math.floor(i.geometry.y / step))
        for i in _selected(ideas, **filters)
    )
    found = store.statistics.grid(query, period, step)
    assert {(c.column, c.row): c.ideas for c in found} == expected
    assert sum(c.ideas for c in found) == len(_selected(ideas, **filters))


def test_an_empty_quartier_counts_nothing(store):
    query = LayerQuery.of(quartier={"dalheim"})
    stats = store.statistics
    assert stats.count_by("category", query, None) == {}
    assert stats.count_by_month(query, None) == {}
    assert stats.most_supported(query, None) == []
    assert stats.grid(query, None, 0.001) == []
    assert all(n.ideas == 0 for n in stats.near_measures("dalheim", query, None, NEAR))


def test_a_planners_decision_counts_and_a_deletion_does_not(store):
    query = LayerQuery.of(quartier={"dalheim"})
    for key in ("frei", "nein", "weg"):
        store.ideas.add(idea(key, state="pending", created_at=datetime.now(UTC)))
    store.ideas.approve("frei", "lea")
    store.ideas.reject("nein", "lea", "Passt nicht.")
    store.ideas.delete("weg", "lea")
    median = store.statistics.median_to_decision(query, None)
    assert median.count == 2
    assert 0 <= median.days < 1
    assert store.statistics.count_by("moderation_state", query, None) == {
        "approved": 1,
        "rejected": 1,
        "deleted": 1,
    }
