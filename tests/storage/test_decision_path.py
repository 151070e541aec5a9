"""A measure's decision path on SQLite and PostgreSQL: the status is always the last
step's, a file's steps give way to a planner's, and each change is one transaction."""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa

from measures.domain.decision_path import FILES_PER_STEP, InvalidStep, StepInput
from measures.domain.errors import Conflict
from measures.domain.ideas import InvalidSubmission
from measures.storage import schema
from tests.factories import EXAMPLE_SLUG, add_example_quartier, add_idea, moved_on

pytestmark = pytest.mark.both_databases

BEIRAT = StepInput("2025-03-13", "stadtteilbeirat", "im_beirat_vorgestellt", "Vorlage 1/2025")


def _status(store, measure_id: str) -> str:
    return store.layers.record("measures", measure_id).status


def test_the_seed_timeline_becomes_steps_and_the_status_is_the_last_ones(store, seed):
    for measure in seed.measures:
        steps = store.decision_path.steps(measure.id)
        assert [(s.status, s.date, s.note) for s in steps] == [
            (t.status, t.date, t.note) for t in measure.timeline
        ]
        assert _status(store, measure.id) == (steps[-1].status if steps else "idee")
    # The two completed playgrounds end with their (undated) completion.
    for measure_id in ("spielplatz-berliner-ring-erweiterung", "spielplatz-schwalbengraben"):
        last = store.decision_path.steps(measure_id)[-1]
        assert (last.status, last.date, last.body) == ("abgeschlossen", "", "magistrat")


def test_steps_keep_their_dates_order_and_the_status_follows(store):
    path = store.decision_path
    path.add("spielhaus-erweiterung", BEIRAT, "lea")
    assert _status(store, "spielhaus-erweiterung") == "im_beirat_vorgestellt"
    earlier = StepInput("2024-11", "quartiersmanagement", "idee")
    path.add("spielhaus-erweiterung", earlier, "lea")
    steps = path.steps("spielhaus-erweiterung")
    assert [s.date for s in steps] == ["2024-11", "2025-03-13"]
    assert _status(store, "spielhaus-erweiterung") == "im_beirat_vorgestellt"
    timeline = store.layers.record("measures", "spielhaus-erweiterung").timeline
    assert [(t.date, t.body, t.reference) for t in timeline] == [
        ("2024-11", "quartiersmanagement", ""),
        ("2025-03-13", "stadtteilbeirat", "Vorlage 1/2025"),
    ]
    path.update(
        "spielhaus-erweiterung",
        steps[-1].id,
        dataclasses.replace(BEIRAT, status="vom_beirat_empfohlen"),
        "max",
    )
    assert _status(store, "spielhaus-erweiterung") == "vom_beirat_empfohlen"
    path.delete("spielhaus-erweiterung", steps[-1].id, "lea")
    path.delete("spielhaus-erweiterung", steps[0].id, "lea")
    assert _status(store, "spielhaus-erweiterung") == "idee"
    with pytest.raises(Conflict):
        path.delete("spielhaus-erweiterung", steps[0].id, "lea")


def test_a_step_after_an_undated_one_follows_it_by_date(store):
    path = store.decision_path
    # Completed without a date (the seed); a later dated step comes after it.
    path.add(
        "spielplatz-schwalbengraben",
        StepInput("2026-06", "quartiersmanagement", "in_umsetzung", note="Nachbesserung"),
        "lea",
    )
    assert [s.status for s in path.steps("spielplatz-schwalbengraben")] == [
        "idee",
        "abgeschlossen",
        "in_umsetzung",
    ]
    assert _status(store, "spielplatz-schwalbengraben") == "in_umsetzung"


def test_a_file_replaces_its_own_steps_but_never_a_planners(store, seed):
    measure = next(m for m in seed.measures if m.id == "multifunktionsfeld-schulen")
    store.layers.import_records("measures", [moved_on(measure, "im_beirat_vorgestellt")])
    assert _status(store, measure.id) == "im_beirat_vorgestellt"
    assert len(store.decision_path.steps(measure.id)) == 2
    # The seed again: its steps come back, as long as no planner has added one.
    store.layers.load_seed(seed)
    assert _status(store, measure.id) == "idee"
    assert len(store.decision_path.steps(measure.id)) == 1
    store.decision_path.add(measure.id, BEIRAT, "lea")
    report = store.layers.import_records("measures", [moved_on(measure, "abgeschlossen")])
    assert _status(store, measure.id) == "im_beirat_vorgestellt", "the planner's path stays"
    assert report.unchanged["measures"] == [measure.id]
    store.layers.load_seed(seed)
    assert [s.status for s in store.decision_path.steps(measure.id)] == [
        "idee",
        "im_beirat_vorgestellt",
    ]


def test_a_failing_change_leaves_steps_and_status_alone(store):
    path = store.decision_path
    with pytest.raises(LookupError):
        path.add("gibt-es-nicht", BEIRAT, "lea")
    step_id = path.add(
        "spielhaus-erweiterung", BEIRAT, "lea", attachment=("k" * 22 + "/dokument.pdf", "a.pdf", 10)
    )
    for n in range(FILES_PER_STEP - 1):
        path.add_file(
            "spielhaus-erweiterung", step_id, f"{n:022d}/dokument.pdf", "b.pdf", 10, "lea"
        )
    changed = store.layers.record("measures", "spielhaus-erweiterung").updated_at
    with pytest.raises(InvalidStep):
        path.add_file(
            "spielhaus-erweiterung", step_id, "z" * 22 + "/dokument.pdf", "c.pdf", 10, "lea"
        )
    # A key that is taken already fails in the database: nothing of it stays.
    with pytest.raises(sa.exc.IntegrityError):
        path.add(
            "spielhaus-erweiterung",
            BEIRAT,
            "lea",
            attachment=("k" * 22 + "/dokument.pdf", "a.pdf", 10),
        )
    assert len(path.steps("spielhaus-erweiterung")) == 1
    assert store.layers.record("measures", "spielhaus-erweiterung").updated_at == changed
    assert len(path.keys()) == FILES_PER_STEP
    # Deleting the measure's step takes its files' rows with it and names their keys.
    keys = path.delete("spielhaus-erweiterung", step_id, "lea")
    assert len(keys) == FILES_PER_STEP and path.keys() == set()
    with store.engine.connect() as connection:
        assert (
            connection.execute(
                sa.select(sa.func.count()).select_from(schema.measure_step_files)
            ).scalar_one()
            == 0
        )


def test_a_new_status_is_queued_for_followers_with_the_step(store):
    result = store.mail.subscribe(
        "nachbar@example.org", "de", title="T", measure_id="spielhaus-erweiterung"
    )
    subscription = store.mail.subscription(result.subscription_id)
    store.mail.confirm(subscription.id, subscription.nonce)
    for message in store.mail.claim(100, 60):
        store.mail.mark_sent(message)
    store.decision_path.add("spielhaus-erweiterung", BEIRAT, "lea")
    [message] = store.mail.claim(100, 60)
    assert message.payload["status"] == "im_beirat_vorgestellt"
    # A second step with the same status is no news.
    store.decision_path.add(
        "spielhaus-erweiterung", dataclasses.replace(BEIRAT, date="2025-03-14"), "lea"
    )
    assert store.mail.claim(100, 60) == []


def test_an_idea_is_taken_up_only_in_a_measure_of_its_own_quartier(store, seed):
    add_example_quartier(store, seed)
    add_idea(store, "bank")
    other = next(m.id for m in store.layers.records("measures") if m.quartier == EXAMPLE_SLUG)
    with pytest.raises(InvalidSubmission):
        store.ideas.link_to_measure("bank", "lea", other)
    with pytest.raises(InvalidSubmission):
        store.ideas.link_to_measure("bank", "lea", "gibt-es-nicht")
    assert store.ideas.get("bank", ("approved",)).measure_id is None
    store.ideas.link_to_measure("bank", "lea", "kifaz")
    # The same again records nothing more.
    store.ideas.link_to_measure("bank", "lea", "kifaz")
    assert [i.id for i in store.ideas.taken_up_in("kifaz")] == ["bank"]
    assert [e.action for e in store.ideas.events("bank")].count("linked") == 1
    store.ideas.link_to_measure("bank", "lea", None)
    assert store.ideas.taken_up_in("kifaz") == []
    assert [e.action for e in store.ideas.events("bank")][-1] == "unlinked"


def test_a_step_that_changes_the_status_is_a_version_of_the_measure(store):
    path = store.decision_path
    before = len(store.versions.history("measures", "spielhaus-erweiterung"))
    path.add("spielhaus-erweiterung", BEIRAT, "lea")
    history = store.versions.history("measures", "spielhaus-erweiterung")
    assert len(history) == before + 1
    assert history[0].author == "lea" and "status" in history[0].changed
    assert history[0].record.status == BEIRAT.status
