"""Planners' changes to measures and places (``store.editing``): drafts stay out of every
public read, a change made from an old version is refused, the seed and the import leave
the publication alone."""

from __future__ import annotations

import dataclasses

import pytest
from shapely.geometry import box

from measures.domain.errors import Conflict
from measures.domain.query import LayerQuery
from measures.storage.editing import Stale
from tests.factories import measure, seed_with

pytestmark = pytest.mark.both_databases

AREA = box(8.472, 50.564, 8.474, 50.565)


def _draft(store, seed, measure_id: str = "neue-baenke", **changes):
    record = measure(
        seed, measure_id, title="Neue Bänke", geometry=AREA, quartier="dalheim", **changes
    )
    store.editing.create("measures", record, author="lea")
    return store.editing.get("measures", measure_id, "dalheim")


def _public_ids(store) -> set[str]:
    return {m.id for m in store.layers.records("measures")}


def test_a_new_record_is_a_draft_and_public_only_once_published(store, seed):
    changed_before = store.layers.changed_at("measures")
    draft = _draft(store, seed)
    assert draft.publication == "draft"
    assert store.layers.changed_at("measures") > changed_before
    assert "neue-baenke" not in _public_ids(store)
    assert store.layers.record("measures", "neue-baenke") is None
    page = store.layers.page("measures", LayerQuery(), limit=1000)
    assert "neue-baenke" not in {m.id for m in page.records}
    count = {i.name: i.count for i in store.layers.infos()}["measures"]

    store.editing.set_publication(
        "measures", "neue-baenke", "dalheim", "published", draft.record.updated_at, author="lea"
    )
    assert "neue-baenke" in _public_ids(store)
    assert {i.name: i.count for i in store.layers.infos()}["measures"] == count + 1

    published = store.editing.get("measures", "neue-baenke", "dalheim")
    store.editing.set_publication(
        "measures", "neue-baenke", "dalheim", "archived", published.record.updated_at, author="lea"
    )
    assert "neue-baenke" not in _public_ids(store)
    assert store.editing.get("measures", "neue-baenke", "dalheim").publication == "archived"


def test_seeded_records_are_published(store, seed):
    assert {e.publication for e in store.editing.records("measures")} == {"published"}
    assert {e.publication for e in store.editing.records("locations")} == {"published"}
    assert _public_ids(store) == {m.id for m in seed.measures}


def test_a_change_from_an_old_version_is_refused_and_nothing_changes(store, seed):
    draft = _draft(store, seed)
    old = draft.record.updated_at
    store.editing.update(
        "measures", dataclasses.replace(draft.record, summary="Lea"), old, author="lea"
    )
    with pytest.raises(Stale) as refused:
        store.editing.update(
            "measures", dataclasses.replace(draft.record, summary="Max"), old, author="lea"
        )
    assert refused.value.stored.record.summary == "Lea"
    with pytest.raises(Stale):
        store.editing.set_publication(
            "measures", "neue-baenke", "dalheim", "published", old, author="lea"
        )
    with pytest.raises(Stale):
        store.editing.delete("measures", "neue-baenke", "dalheim", old, author="lea")
    now = store.editing.get("measures", "neue-baenke", "dalheim")
    assert (now.record.summary, now.publication) == ("Lea", "draft")


def test_an_update_keeps_status_and_timeline(store, seed):
    stored = store.editing.get("measures", seed.measures[0].id, "dalheim")
    changed = dataclasses.replace(stored.record, status="abgelehnt", timeline=(), summary="Neu")
    store.editing.update("measures", changed, stored.record.updated_at, author="lea")
    now = store.editing.get("measures", seed.measures[0].id, "dalheim").record
    assert now.summary == "Neu"
    assert (now.status, now.timeline) == (stored.record.status, stored.record.timeline)


def test_a_taken_key_is_refused(store, seed):
    with pytest.raises(Conflict):
        store.editing.create(
            "measures", dataclasses.replace(seed.measures[0], quartier="dalheim"), author="lea"
        )


def test_a_record_of_another_quartier_is_not_found(store, seed):
    assert store.editing.get("measures", seed.measures[0].id, "anderswo") is None
    with pytest.raises(LookupError):
        store.editing.delete("measures", seed.measures[0].id, "anderswo", None, author="lea")


def test_reloading_the_seed_or_importing_leaves_the_publication_alone(store, seed):
    draft = _draft(store, seed)
    changed = dataclasses.replace(draft.record, summary="aus dem GIS", updated_at=None)
    store.layers.load_seed(seed_with(seed, changed))
    assert store.editing.get("measures", "neue-baenke", "dalheim").publication == "draft"
    store.layers.import_records("measures", [dataclasses.replace(changed, summary="wieder")])
    found = store.editing.get("measures", "neue-baenke", "dalheim")
    assert (found.record.summary, found.publication) == ("wieder", "draft")
    assert "neue-baenke" not in _public_ids(store)


def test_deleting_removes_the_record(store, seed):
    draft = _draft(store, seed)
    assert (
        store.editing.delete(
            "measures", "neue-baenke", "dalheim", draft.record.updated_at, author="lea"
        )
        == []
    )
    assert store.editing.get("measures", "neue-baenke", "dalheim") is None


def test_every_planner_change_is_a_version_and_keeps_what_the_form_does_not_edit(store, seed):
    draft = _draft(store, seed)
    store.editing.set_publication(
        "measures", "neue-baenke", "dalheim", "published", draft.record.updated_at, author="max"
    )
    stored = store.editing.get("measures", "neue-baenke", "dalheim")
    # The form does not edit the status: a record that says otherwise keeps the stored one.
    changed = dataclasses.replace(stored.record, summary="Bänke mit Lehne", status="abgeschlossen")
    store.editing.update("measures", changed, stored.record.updated_at, author="lea")
    after = store.editing.get("measures", "neue-baenke", "dalheim").record
    assert after.summary == "Bänke mit Lehne" and after.status == stored.record.status
    store.editing.delete("measures", "neue-baenke", "dalheim", after.updated_at, author="ida")
    history = store.versions.history("measures", "neue-baenke")
    assert [(v.action, v.author, v.changed) for v in history] == [
        ("deleted", "ida", ()),
        ("updated", "lea", ("summary",)),
        ("published", "max", ()),
        ("created", "lea", ()),
    ]
