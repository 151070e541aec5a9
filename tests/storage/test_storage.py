"""Storage on both backends: migrations, seed upsert, filters, geofence, private data."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from shapely.geometry import Point

from measures.domain import geo
from measures.domain.model import Idea, IdeaContact
from measures.domain.moderation import PUBLIC_STATES
from measures.domain.query import LayerQuery
from measures.storage import Store, schema
from measures.storage.migrate import current_revision, head_revision
from tests.factories import idea, seed_with

# Storage is where the backends differ: every test here runs on SQLite and PostgreSQL.
pytestmark = pytest.mark.both_databases


def _idea(idea_id: str, state: str, **fields) -> Idea:
    return idea(
        idea_id,
        state=state,
        description="Mehr Bänke am Berliner Ring",
        created_at=datetime(2026, 11, 1, 12, 0, tzinfo=UTC),
        **fields,
    )


def test_migrations_reach_head_and_are_repeatable(empty_store):
    from measures.storage import upgrade

    assert current_revision(empty_store.engine) == head_revision() == "0018"
    upgrade(empty_store.engine)
    assert current_revision(empty_store.engine) == head_revision()


def test_upgrading_an_older_database_keeps_ideas_and_their_contacts(database_url, backend):
    from measures.storage import create_engine_for, upgrade

    engine = create_engine_for(database_url)
    if backend == "sqlite":
        upgrade(engine, "0001")
    else:
        # The PostgreSQL test databases come migrated: step back to 0001 first.
        from alembic import command

        from measures.storage.migrate import _config

        with engine.begin() as connection:
            command.downgrade(_config(connection), "0001")
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO ideas (id, title, description, category, moderation_state, "
                "moderation_reason, supports, geom_wkb, geom_type, minx, miny, maxx, maxy, "
                "created_at, updated_at) VALUES ('alt', 'Bank', 'Text', 'wohnen', 'pending', '', "
                "0, :wkb, 'Point', 8.47, 50.56, 8.47, 50.56, :at, :at)"
            ),
            {"wkb": Point(8.47, 50.56).wkb, "at": datetime(2026, 1, 1, tzinfo=UTC)},
        )
        connection.execute(
            sa.text("INSERT INTO idea_contacts VALUES ('alt', 'Name', 'alt@example.org')")
        )
    upgrade(engine)
    store = Store(engine)
    assert store.ideas.get("alt", ("pending",)).title == "Bank"
    assert store.ideas.contact("alt").email == "alt@example.org"
    engine.dispose()


def test_seed_load_is_an_idempotent_upsert(empty_store, seed):
    first = empty_store.layers.load_seed(seed)
    assert len(first.created["measures"]) == len(seed.measures)
    changed_at = empty_store.layers.changed_at("measures")

    second = empty_store.layers.load_seed(seed)
    assert second.created["measures"] == [] and second.updated["measures"] == []
    assert len(second.unchanged["measures"]) == len(seed.measures)
    assert empty_store.layers.changed_at("measures") == changed_at

    edited = dataclasses.replace(seed.measures[0], title="Neuer Titel")
    third = empty_store.layers.load_seed(seed_with(seed, edited))
    assert third.updated["measures"] == [edited.id]
    assert empty_store.layers.record("measures", edited.id).title == "Neuer Titel"
    assert empty_store.layers.changed_at("measures") > changed_at


def test_records_come_back_as_they_were_stored(store, seed):
    for measure in seed.measures:
        stored = store.layers.record("measures", measure.id)
        assert dataclasses.replace(stored, updated_at=None) == measure
    for location in seed.locations:
        assert (
            dataclasses.replace(store.layers.record("locations", location.id), updated_at=None)
            == location
        )
    assert dataclasses.replace(store.layers.quartier(), updated_at=None) == seed.quartier


def test_reloading_the_seed_never_touches_ideas(store, seed):
    store.ideas.add(_idea("idee-1", "pending"), IdeaContact("idee-1", "Ayşe", "a@example.org"))
    store.layers.load_seed(seed)
    assert store.ideas.get("idee-1", ("pending",)) is not None
    assert store.ideas.contact("idee-1").email == "a@example.org"


def test_filters_by_status_category_and_bbox(store, seed):
    done = store.layers.records("measures", LayerQuery.of(status={"abgeschlossen"}))
    assert {m.id for m in done} == {m.id for m in seed.measures if m.status == "abgeschlossen"}
    play = store.layers.records("measures", LayerQuery.of(category={"spiel_freizeit"}))
    assert {m.id for m in play} == {m.id for m in seed.measures if m.category == "spiel_freizeit"}
    bbox = (8.4705, 50.5655, 8.4725, 50.5675)
    inside = store.layers.records("locations", LayerQuery(bbox=bbox))
    expected = {
        loc.id
        for loc in seed.locations
        if bbox[0] <= loc.geometry.x <= bbox[2] and bbox[1] <= loc.geometry.y <= bbox[3]
    }
    assert expected and {loc.id for loc in inside} == expected


def test_bbox_is_exact_for_polygons_not_just_their_extent(store):
    field = store.layers.record("measures", "multifunktionsfeld-schulen").geometry
    minx, miny, maxx, maxy = field.bounds
    # A box that touches the polygon's extent only at a corner beyond the shape itself
    # must still find it (a rectangle's corner is part of it) ...
    assert "multifunktionsfeld-schulen" in {
        m.id
        for m in store.layers.records(
            "measures", LayerQuery(bbox=(maxx, maxy, maxx + 0.001, maxy + 0.001))
        )
    }
    # ... and one entirely beside it must not.
    assert "multifunktionsfeld-schulen" not in {
        m.id
        for m in store.layers.records(
            "measures", LayerQuery(bbox=(maxx + 0.0001, miny, maxx + 0.001, maxy))
        )
    }


def test_only_approved_ideas_are_public(store):
    store.ideas.add(_idea("offen", "pending"))
    store.ideas.add(_idea("frei", "approved"))
    store.ideas.add(_idea("nein", "rejected"))
    assert [i.id for i in store.layers.records("ideas")] == ["frei"]
    assert store.layers.record("ideas", "offen") is None
    info = {i.name: i for i in store.layers.infos()}["ideas"]
    assert info.count == 1 and info.geometry_types == ("Point",)


def test_geofence_in_the_database_matches_the_domain(store):
    quartier = store.layers.quartier().geometry
    for point in (Point(8.4740, 50.5655), Point(8.4600, 50.5650), Point(8.4900, 50.5700)):
        assert store.layers.distance_outside_quartier_m(point, "dalheim") == pytest.approx(
            geo.distance_outside_m(quartier, point), abs=0.01
        )


def test_deleting_an_idea_deletes_its_personal_data(store):
    store.ideas.add(_idea("weg", "pending"), IdeaContact("weg", "Name", "mail@example.org"))
    with store.engine.begin() as connection:
        connection.execute(schema.ideas.delete().where(schema.ideas.c.id == "weg"))
    assert store.ideas.contact("weg") is None
    with store.engine.connect() as connection:
        events = connection.execute(
            sa.select(sa.func.count()).select_from(schema.idea_events)
        ).scalar()
    assert events == 0


def test_backend_specifics(store, backend):
    with store.engine.connect() as connection:
        if backend == "sqlite":
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        else:
            column = connection.execute(
                sa.text(
                    "SELECT type, srid FROM geometry_columns "
                    "WHERE f_table_name = 'measures' AND f_geometry_column = 'geom'"
                )
            ).one()
            assert tuple(column) == ("GEOMETRY", 4326)
            index = connection.execute(
                sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_measures_geom'")
            ).scalar()
            assert "gist" in index.lower()


def _drop_pooled_connection(store) -> None:
    """What a restart of PostgreSQL does to the connection waiting in the pool."""
    with store.engine.connect() as connection:
        pid = connection.execute(sa.text("SELECT pg_backend_pid()")).scalar()
    admin = sa.create_engine(store.engine.url.set(database="postgres"))
    try:
        with admin.connect() as connection:
            connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            connection.commit()
    finally:
        admin.dispose()


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_connection_the_server_dropped_is_replaced_after_idling(store, monkeypatch):
    """Connections are pinged only after lying idle (measures/storage/engine.py)."""
    from measures.storage import engine as engine_module

    _drop_pooled_connection(store)
    # Taken from the pool at once, the dead connection is not pinged, and fails (which
    # makes the pool drop it): the price of not pinging connections in steady use.
    with pytest.raises(sa.exc.OperationalError):
        store.layers.changed_at("measures")
    _drop_pooled_connection(store)
    # One that has lain idle is pinged and replaced before it is used.
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_S", 0.0)
    assert store.layers.changed_at("measures") is not None
    assert len(store.layers.records("measures")) == 7


def test_idea_count_counts_what_ideas_returns(store):
    store.ideas.add(_idea("offen", "pending"))
    store.ideas.add(_idea("frei", "approved"))
    store.ideas.add(_idea("nein", "rejected"))
    store.ideas.add(dataclasses.replace(_idea("spiel", "approved"), category="spiel_freizeit"))
    store.ideas.add(_idea("fern", "approved", lon=8.4800, lat=50.5610))
    queries = [
        LayerQuery(),
        LayerQuery.of(category={"spiel_freizeit"}),
        LayerQuery.of(category={"wohnumfeld_gruen", "spiel_freizeit"}),
        LayerQuery(bbox=(8.4735, 50.5650, 8.4745, 50.5660)),
        LayerQuery.of(category={"wohnen"}),
    ]
    assert [store.ideas.count(PUBLIC_STATES, q) for q in queries] == [3, 1, 3, 2, 0]
    for query in queries:
        assert store.ideas.count(PUBLIC_STATES, query) == len(store.layers.records("ideas", query))
    assert store.ideas.count(("pending", "rejected")) == 2


def test_the_last_change_of_a_layer_is_read_as_utc(store):
    empty_store = store  # seeded: an idea needs its Quartier; the seed leaves ideas alone
    assert empty_store.layers.changed_at("ideas") is None
    before = datetime.now(UTC)
    empty_store.ideas.add(_idea("neu", "approved"))
    changed_at = empty_store.layers.changed_at("ideas")
    assert changed_at.tzinfo is not None and changed_at.utcoffset().total_seconds() == 0
    assert before <= changed_at <= datetime.now(UTC)
    with empty_store.engine.connect() as connection:
        changes = schema.layer_changes
        stored = connection.execute(
            sa.select(changes.c.changed_at).where(changes.c.layer == "ideas")
        ).scalar()
    assert changed_at == stored.replace(tzinfo=stored.tzinfo or UTC)


def test_a_failed_statement_names_no_values_for_the_log(store):
    """A database error goes to the log; a resident's e-mail address must not go with it."""
    contact = schema.idea_contacts.insert().values(
        idea_id="gibt-es-nicht", author_name="Erika Musterfrau", email="erika@example.de"
    )
    with pytest.raises(sa.exc.IntegrityError) as failure, store.engine.begin() as connection:
        connection.execute(contact)  # no such idea: the foreign key refuses it
    assert "erika@example.de" not in str(failure.value)
    assert "Musterfrau" not in str(failure.value)
