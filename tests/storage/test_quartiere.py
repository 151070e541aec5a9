"""Two Quartiere in one database: each record belongs to one, the database enforces it, and
an idea is checked against its own Quartier's boundary. On both backends.

The second Quartier is invented for the tests (``tests/factories.py``).
"""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa
from shapely.geometry import Point

from measures.domain.errors import Conflict
from measures.domain.ideas import InvalidSubmission, validate_submission
from measures.domain.quartiere import DEFAULT_CATEGORIES
from measures.storage import schema
from tests.factories import (
    EXAMPLE_LAT,
    EXAMPLE_LON,
    EXAMPLE_SLUG,
    LAT,
    LON,
    add_example_quartier,
    add_idea,
    example_quartier,
    example_seed,
)

pytestmark = pytest.mark.both_databases


def test_the_seed_is_the_one_quartier_dalheim(store):
    (dalheim,) = store.quartiere.all()
    assert dalheim.slug == "dalheim" and dalheim.active
    assert dalheim.categories == DEFAULT_CATEGORIES
    assert {m.quartier for m in store.layers.records("measures")} == {"dalheim"}
    assert {loc.quartier for loc in store.layers.records("locations")} == {"dalheim"}


def test_a_second_quartier_keeps_its_profile(store, seed):
    add_example_quartier(store, seed)
    assert [q.slug for q in store.quartiere.all()] == ["beispiel", "dalheim"]
    example = store.quartiere.get(EXAMPLE_SLUG)
    assert example == dataclasses.replace(example_quartier()[1], boundary=example.boundary)
    assert example.boundary.equals(example_quartier()[0].geometry)
    assert store.quartiere.get("gibt-es-nicht") is None


def test_each_quartier_lists_only_its_own_records(store, seed):
    add_example_quartier(store, seed)
    add_idea(store, "in-dalheim")
    add_idea(store, "im-beispiel", quartier=EXAMPLE_SLUG, lon=EXAMPLE_LON, lat=EXAMPLE_LAT)
    from measures.domain.query import LayerQuery

    for layer, example_ids in (
        ("measures", ["beispiel-platz"]),
        ("locations", ["beispiel-treff"]),
        ("ideas", ["im-beispiel"]),
    ):
        by_quartier = {}
        for record in store.layers.records(layer, LayerQuery()):
            by_quartier.setdefault(record.quartier, []).append(record.id)
        assert by_quartier[EXAMPLE_SLUG] == example_ids, layer
        assert not set(example_ids) & set(by_quartier["dalheim"]), layer


def test_the_history_of_an_idea_belongs_to_its_quartier(store, seed):
    add_example_quartier(store, seed)
    add_idea(store, "b", state="pending", quartier=EXAMPLE_SLUG, lon=EXAMPLE_LON, lat=EXAMPLE_LAT)
    store.ideas.approve("b", "lea")
    with store.engine.connect() as connection:
        owners = connection.execute(sa.select(schema.idea_events.c.quartier)).scalars().all()
    assert owners == [EXAMPLE_SLUG, EXAMPLE_SLUG]


def test_a_measure_made_from_an_idea_stays_in_the_ideas_quartier(store, seed):
    add_example_quartier(store, seed)
    add_idea(store, "b", state="pending", quartier=EXAMPLE_SLUG, lon=EXAMPLE_LON, lat=EXAMPLE_LAT)
    measure_id = store.ideas.convert_to_measure("b", "lea", "https://example.org/ideen/b")
    # A draft of that Quartier's planners, none of Dalheim's.
    assert store.editing.get("measures", measure_id, EXAMPLE_SLUG).record.quartier == EXAMPLE_SLUG
    assert store.editing.get("measures", measure_id, "dalheim") is None


def test_contact_exports_are_recorded_per_quartier(store, seed):
    add_example_quartier(store, seed)
    store.contact_exports.record("dalheim", "lea", "ideas-all.csv", 3)
    store.contact_exports.record(EXAMPLE_SLUG, "tom", "ideas-all.gpkg", 1)
    assert [e.actor for e in store.contact_exports.latest("dalheim")] == ["lea"]
    assert [e.actor for e in store.contact_exports.latest(EXAMPLE_SLUG)] == ["tom"]


@pytest.mark.parametrize(
    ("table", "values"),
    [
        ("ideas", {"quartier": "gibt-es-nicht"}),
        ("ideas", {"quartier": None}),
        ("measures", {"quartier": "gibt-es-nicht"}),
        ("locations", {"quartier": None}),
        ("idea_events", {"quartier": "gibt-es-nicht"}),
    ],
)
def test_the_database_refuses_a_record_of_no_quartier(store, table, values):
    add_idea(store, "x", state="pending")
    t = schema.metadata.tables[table]
    before = _count(store, table, t.c.quartier == "dalheim")
    with pytest.raises(sa.exc.IntegrityError), store.engine.begin() as connection:
        connection.execute(t.update().values(**values))
    assert _count(store, table, t.c.quartier == "dalheim") == before > 0


def test_a_contact_export_of_no_quartier_is_refused(store):
    with pytest.raises(sa.exc.IntegrityError):
        store.contact_exports.record("gibt-es-nicht", "lea", "ideas-all.csv", 1)
    assert store.contact_exports.latest() == []


def test_a_quartier_that_holds_records_cannot_be_deleted(store):
    with pytest.raises(sa.exc.IntegrityError), store.engine.begin() as connection:
        connection.execute(schema.quartier.delete().where(schema.quartier.c.id == "dalheim"))
    assert store.quartiere.get("dalheim") is not None


def _count(store, table: str, where) -> int:
    t = schema.metadata.tables[table]
    with store.engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(t).where(where)).scalar()


def _submit(store, quartier: str, lon: float, lat: float):
    profile = store.quartiere.get(quartier)
    return validate_submission(
        {
            "title": "Bank",
            "description": "Eine Bank.",
            "category": "wohnen",
            "consent": True,
            "lon": lon,
            "lat": lat,
        },
        lambda point: store.layers.distance_outside_quartier_m(point, quartier),
        profile.tolerance_m,
        quartier=quartier,
        quartier_name=profile.name,
    )


def test_a_pin_is_checked_against_its_own_quartiers_boundary(store, seed):
    add_example_quartier(store, seed)
    # Inside Dalheim, about 400 m west of the example's boundary: right for Dalheim only.
    assert _submit(store, "dalheim", LON, LAT).idea.quartier == "dalheim"
    with pytest.raises(InvalidSubmission) as refused:
        _submit(store, EXAMPLE_SLUG, LON, LAT)
    assert "außerhalb des Quartiers Beispielquartier" in refused.value.errors["location"]
    # And the other way round.
    assert _submit(store, EXAMPLE_SLUG, EXAMPLE_LON, EXAMPLE_LAT).idea.quartier == EXAMPLE_SLUG
    with pytest.raises(InvalidSubmission):
        _submit(store, "dalheim", EXAMPLE_LON, EXAMPLE_LAT)


def test_a_point_of_no_quartier_is_outside(store):
    assert store.layers.distance_outside_quartier_m(Point(LON, LAT), "gibt-es-nicht") is None


def test_a_seed_never_takes_over_a_record_of_another_quartier(store, seed):
    add_example_quartier(store, seed)
    example = example_seed(seed)
    stolen = dataclasses.replace(example.measures[0], id=seed.measures[0].id)
    with pytest.raises(Conflict):
        store.layers.load_seed(dataclasses.replace(example, measures=(stolen,)))
    assert store.layers.record("measures", seed.measures[0].id).quartier == "dalheim"
    with pytest.raises(Conflict):
        store.layers.import_records("measures", [stolen])
    kept = store.layers.record("measures", seed.measures[0].id)
    assert kept.quartier == "dalheim" and kept.title == seed.measures[0].title
