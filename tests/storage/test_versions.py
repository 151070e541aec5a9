"""Every change of a measure or place is a version, written by the storage with the change.

Each writer — the seed, the GIS import, an idea turned into a measure, a planner's edit in
the browser, a deletion, a restore — leaves a version naming who, when and which fields,
holding the whole record; restoring an old version is refused when the record changed
since or is gone. On both backends.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from shapely.geometry import Point, box

from measures.domain.errors import Conflict, NotFound
from measures.domain.model import Source
from measures.storage import create_engine_for, schema, upgrade
from measures.storage.migrate import _config, current_revision
from measures.storage.transaction import transaction
from tests.factories import add_idea, seed_with

pytestmark = pytest.mark.both_databases


def _versions(store, layer: str, record_id: str):
    return store.versions.history(layer, record_id)


def _all_versions(store) -> int:
    with store.engine.connect() as connection:
        return connection.execute(
            sa.select(sa.func.count()).select_from(schema.record_versions)
        ).scalar_one()


def _assert_every_record_is_its_latest_version(store) -> None:
    """The invariant the write path keeps: a record's newest version is the record."""
    for layer in ("measures", "locations"):
        for record in store.layers.records(layer):
            latest = _versions(store, layer, record.id)[0]
            assert latest.at == record.updated_at, (layer, record.id)
            assert latest.record == record, (layer, record.id)


def test_the_seed_writes_a_version_of_every_record(store, seed):
    for layer, records in (("measures", seed.measures), ("locations", seed.locations)):
        for record in records:
            (version,) = _versions(store, layer, record.id)
            assert (version.action, version.source, version.author) == ("created", "seed", "")
            assert version.changed == ()
    _assert_every_record_is_its_latest_version(store)
    count = _all_versions(store)
    store.layers.load_seed(seed)  # nothing changed: no new version
    assert _all_versions(store) == count
    kifaz = next(m for m in seed.measures if m.id == "kifaz")
    store.layers.load_seed(seed_with(seed, dataclasses.replace(kifaz, title="KiFaZ – neu")))
    assert _all_versions(store) == count + 1
    newest = _versions(store, "measures", "kifaz")[0]
    assert (newest.action, newest.source, newest.changed) == ("updated", "seed", ("title",))
    assert newest.record.title == "KiFaZ – neu"
    _assert_every_record_is_its_latest_version(store)


def test_the_import_writes_versions_naming_the_planner(store):
    kifaz = store.layers.record("measures", "kifaz")
    moved = (
        kifaz.geometry.buffer(0.0001)
        if kifaz.geometry.geom_type != "Point"
        else Point(kifaz.geometry.x + 0.0001, kifaz.geometry.y)
    )
    changed = dataclasses.replace(kifaz, summary="Aus QGIS", geometry=moved)
    store.layers.import_records("measures", [changed], {"kifaz": kifaz.updated_at}, author="lea")
    newest, first = _versions(store, "measures", "kifaz")[:2]
    assert (newest.action, newest.source, newest.author) == ("updated", "import", "lea")
    assert newest.changed == ("summary", "geometry")
    assert newest.record.geometry.equals_exact(moved, 0)
    assert first.record.summary == kifaz.summary
    _assert_every_record_is_its_latest_version(store)


def test_an_idea_turned_into_a_measure_gets_its_first_version(store):
    add_idea(store, "bank", title="Bank am Spielplatz", state="approved")
    measure_id = store.ideas.convert_to_measure("bank", "lea", "https://example.org/ideen/bank")
    (version,) = _versions(store, "measures", measure_id)
    assert (version.action, version.source, version.author) == ("created", "idea", "lea")
    # A draft, as the planners see it.
    assert version.record == store.editing.get("measures", measure_id, "dalheim").record


def test_a_web_edit_is_a_version_and_a_stale_one_is_refused(store):
    place = store.layers.record("locations", store.layers.records("locations")[0].id)
    edited = dataclasses.replace(
        place,
        opening_hours="Mo–Fr 9–12 Uhr",
        sources=(*place.sources, Source("Aushang", "https://example.org/aushang")),
    )
    at = store.versions.save("locations", edited, author="lea", expected=place.updated_at)
    newest = _versions(store, "locations", place.id)[0]
    assert (newest.action, newest.source, newest.author, newest.at) == (
        "updated",
        "web",
        "lea",
        at,
    )
    assert newest.changed == ("opening_hours", "sources")
    # A second planner saved from the page as it was before the first edit.
    count = _all_versions(store)
    other = dataclasses.replace(place, name="Überschrieben?")
    with pytest.raises(Conflict, match="inzwischen von jemand anderem geändert"):
        store.versions.save("locations", other, author="max", expected=place.updated_at)
    assert store.layers.record("locations", place.id).name == place.name
    assert _all_versions(store) == count
    _assert_every_record_is_its_latest_version(store)


def test_a_new_record_from_the_web_and_its_deletion_are_versions(store):
    quartier = store.layers.quartier()
    kifaz = store.layers.record("measures", "kifaz")
    new = dataclasses.replace(
        kifaz, id="neue-bank", title="Neue Bank", geometry=quartier.geometry.centroid
    )
    created_at = store.versions.save("measures", new, author="lea")
    with pytest.raises(Conflict):  # creating it twice: the second one saw no record
        store.versions.save("measures", new, author="max")
    store.versions.delete("measures", "neue-bank", author="max", expected=created_at)
    assert store.layers.record("measures", "neue-bank") is None
    deleted, created = _versions(store, "measures", "neue-bank")
    assert (created.action, created.author) == ("created", "lea")
    assert (deleted.action, deleted.author, deleted.source) == ("deleted", "max", "web")
    assert deleted.record.title == "Neue Bank", "the deletion keeps what was deleted"


def test_restore_writes_a_new_version_with_the_old_values(store):
    kifaz = store.layers.record("measures", "kifaz")
    first_at = store.versions.save(
        "measures",
        dataclasses.replace(kifaz, title="Zwischenstand", geometry=box(8.47, 50.56, 8.48, 50.57)),
        author="lea",
        expected=kifaz.updated_at,
    )
    original = _versions(store, "measures", "kifaz")[-1]
    at = store.versions.restore("measures", "kifaz", original.id, author="max", expected=first_at)
    restored = store.layers.record("measures", "kifaz")
    assert restored == dataclasses.replace(kifaz, updated_at=at)
    newest = _versions(store, "measures", "kifaz")[0]
    assert (newest.action, newest.author) == ("restored", "max")
    assert set(newest.changed) == {"title", "geometry"}
    assert len(_versions(store, "measures", "kifaz")) == 3
    _assert_every_record_is_its_latest_version(store)


def test_restoring_onto_a_record_changed_meanwhile_is_refused(store):
    kifaz = store.layers.record("measures", "kifaz")
    original = _versions(store, "measures", "kifaz")[0]
    store.versions.save(
        "measures", dataclasses.replace(kifaz, title="Neu"), author="lea", expected=kifaz.updated_at
    )
    seen = store.layers.record("measures", "kifaz").updated_at
    # Another planner edits while the first looks at the history.
    store.versions.save(
        "measures",
        dataclasses.replace(kifaz, summary="Noch neuer"),
        author="max",
        expected=seen,
    )
    count = _all_versions(store)
    with pytest.raises(Conflict, match="inzwischen von jemand anderem geändert"):
        store.versions.restore("measures", "kifaz", original.id, author="lea", expected=seen)
    assert store.layers.record("measures", "kifaz").summary == "Noch neuer"
    assert _all_versions(store) == count


def test_restore_refuses_deleted_records_unknown_versions_and_no_change(store):
    kifaz = store.layers.record("measures", "kifaz")
    version = _versions(store, "measures", "kifaz")[0]
    count = _all_versions(store)
    with pytest.raises(Conflict, match="entspricht dem aktuellen Stand"):
        store.versions.restore(
            "measures", "kifaz", version.id, author="lea", expected=kifaz.updated_at
        )
    with pytest.raises(NotFound):
        store.versions.restore("measures", "kifaz", 10**9, author="lea", expected=kifaz.updated_at)
    place = store.layers.records("locations")[0]
    with pytest.raises(NotFound):  # a version of another record
        store.versions.restore(
            "locations", place.id, version.id, author="lea", expected=place.updated_at
        )
    store.versions.delete("measures", "kifaz", author="lea", expected=kifaz.updated_at)
    count = _all_versions(store)
    with pytest.raises(Conflict, match="gelöscht"):
        store.versions.restore(
            "measures", "kifaz", version.id, author="lea", expected=kifaz.updated_at
        )
    assert store.layers.record("measures", "kifaz") is None
    assert _all_versions(store) == count


def test_no_writer_can_change_a_record_without_its_version(store):
    with pytest.raises(ValueError, match="versions"), transaction(store.engine) as tx:
        tx.write("measures", schema.measures.update().values(title="Ohne Version"))
    assert store.layers.record("measures", "kifaz").title != "Ohne Version"


def test_a_failed_import_leaves_no_version(store):
    kifaz = store.layers.record("measures", "kifaz")
    count = _all_versions(store)
    stale = {"kifaz": kifaz.updated_at - timedelta(seconds=1)}
    with pytest.raises(Conflict):
        store.layers.import_records("measures", [dataclasses.replace(kifaz, title="X")], stale)
    assert _all_versions(store) == count


def test_the_migration_gives_every_existing_record_its_first_version(store, database_url):
    engine = create_engine_for(database_url)
    with engine.begin() as connection:
        command.downgrade(_config(connection), "0009")
    assert current_revision(engine) == "0009"
    upgrade(engine)
    engine.dispose()
    for layer in ("measures", "locations"):
        for record in store.layers.records(layer):
            (version,) = _versions(store, layer, record.id)
            assert (version.action, version.source) == ("created", "system")
            assert version.record == record
