"""Sessions of the Stadtteilbeirat on SQLite and PostgreSQL: the agenda in order, and
recording an outcome moves a measure along its decision path once, in one transaction."""

from __future__ import annotations

import datetime

import pytest
import sqlalchemy as sa

from measures.domain.beirat import InvalidBeiratInput, OutcomeInput, SessionInput
from measures.domain.errors import Conflict
from measures.storage import decision_path as path_storage
from measures.storage import schema
from tests.factories import EXAMPLE_SLUG, add_example_quartier, add_idea

pytestmark = pytest.mark.both_databases

# 13 March 2025, 18:00 in Wetzlar (CET, UTC+1).
START = datetime.datetime(2025, 3, 13, 17, 0, tzinfo=datetime.UTC)
FIRST, SECOND = "spielhaus-erweiterung", "abriss-alte-kita"


def _session_input(**changes) -> SessionInput:
    values = {
        "title": "Sitzung des Stadtteilbeirats Dalheim",
        "starts_at": START,
        "ends_at": START + datetime.timedelta(hours=2),
        "place": "Kinder- und Familienzentrum",
        "address": "Berliner Ring 39, 35576 Wetzlar",
        "public": True,
    }
    return SessionInput(**(values | changes))


def _outcome(outcome: str, yes=None, no=None, abstain=None, note="") -> OutcomeInput:
    return OutcomeInput(outcome, yes, no, abstain, note)


@pytest.fixture
def agenda(store):
    """A session with two measures and an idea on its agenda; (session id, item ids)."""
    add_idea(store, "trinkbrunnen", title="Trinkbrunnen am Berliner Ring")
    beirat = store.beirat
    session_id = beirat.create("dalheim", _session_input(), "lea")
    items = [
        beirat.add_item("dalheim", session_id, "measure", FIRST, "", ""),
        beirat.add_item("dalheim", session_id, "measure", SECOND, "", ""),
        beirat.add_item("dalheim", session_id, "idea", "trinkbrunnen", "", ""),
    ]
    return session_id, items


def _state(store, measure_id: str):
    """What recording may change of a measure: status, steps, versions."""
    record = store.layers.record("measures", measure_id)
    steps = store.decision_path.steps(measure_id)
    return (
        record.status,
        [(s.date, s.body, s.status, s.reference) for s in steps],
        len(store.versions.history("measures", measure_id)),
    )


def test_a_session_keeps_its_agenda_in_order_with_current_titles(store, agenda):
    session_id, items = agenda
    session = store.beirat.session("dalheim", session_id)
    assert session.title == "Sitzung des Stadtteilbeirats Dalheim"
    assert session.starts_at == START and session.starts_at.tzinfo is not None
    assert session.local_start.hour == 18  # Europe/Berlin
    assert session.held, "13 March 2025 is in the past"
    assert [(i.position, i.kind, i.ref) for i in session.items] == [
        (1, "measure", FIRST),
        (2, "measure", SECOND),
        (3, "idea", "trinkbrunnen"),
    ]
    titles = {m.id: m.title for m in store.layers.records("measures")}
    assert session.items[0].title == titles[FIRST]
    assert session.items[2].title == "Trinkbrunnen am Berliner Ring"
    assert all(i.outcome is None for i in session.items)

    store.beirat.move_item("dalheim", session_id, items[2], -1)
    store.beirat.move_item("dalheim", session_id, items[0], -1)  # first already: stays
    topic = store.beirat.add_item("dalheim", session_id, "topic", None, "Verschiedenes", "Termine")
    session = store.beirat.session("dalheim", session_id)
    assert [i.id for i in session.items] == [items[0], items[2], items[1], topic]
    assert [i.position for i in session.items] == [1, 2, 3, 4]
    assert (session.items[3].title, session.items[3].text) == ("Verschiedenes", "Termine")
    store.beirat.remove_item("dalheim", session_id, items[2])
    session = store.beirat.session("dalheim", session_id)
    assert [(i.id, i.position) for i in session.items] == [(items[0], 1), (items[1], 2), (topic, 3)]


def test_agenda_refuses_unknown_duplicate_and_foreign_entries(store, seed, agenda):
    session_id, _ = agenda
    add_example_quartier(store, seed)
    add_idea(store, "drueben", quartier=EXAMPLE_SLUG)
    add_idea(store, "abgelehnt", state="rejected")
    before = store.beirat.session("dalheim", session_id)
    for kind, ref in [
        ("measure", "gibt-es-nicht"),
        ("measure", FIRST),  # already on it
        ("idea", "drueben"),  # another Quartier's
        ("idea", "abgelehnt"),
    ]:
        with pytest.raises(InvalidBeiratInput):
            store.beirat.add_item("dalheim", session_id, kind, ref, "", "")
    assert store.beirat.session("dalheim", session_id) == before
    # Another Quartier's planners find no such session.
    assert store.beirat.session(EXAMPLE_SLUG, session_id) is None
    with pytest.raises(Conflict):
        store.beirat.add_item(EXAMPLE_SLUG, session_id, "topic", None, "Thema", "")


def test_recording_outcomes_moves_each_measure_exactly_once(store, agenda):
    session_id, items = agenda
    before = {m: _state(store, m) for m in (FIRST, SECOND)}
    assert before[FIRST][0] == before[SECOND][0] == "idee"

    beirat = store.beirat
    beirat.record_outcome("dalheim", session_id, items[0], _outcome("empfohlen", 9, 1, 2), "lea")
    beirat.record_outcome("dalheim", session_id, items[1], _outcome("vertagt"), "lea")
    beirat.record_outcome(
        "dalheim", session_id, items[2], _outcome("zur_kenntnis", note="Prüfauftrag"), "lea"
    )

    first, second = _state(store, FIRST), _state(store, SECOND)
    reference = "Sitzung des Stadtteilbeirats vom 13.03.2025, TOP"
    assert first[0] == "vom_beirat_empfohlen"
    assert first[1] == before[FIRST][1] + [
        ("2025-03-13", "stadtteilbeirat", "vom_beirat_empfohlen", f"{reference} 1")
    ]
    assert first[2] == before[FIRST][2] + 1, "one new version for the changed status"
    # Put off: the step is there, the status is what it was; the timeline has the step,
    # so the measure has a new version all the same.
    assert second[0] == "idee"
    assert second[1] == before[SECOND][1] + [
        ("2025-03-13", "stadtteilbeirat", "idee", f"{reference} 2")
    ]
    assert second[2] == before[SECOND][2] + 1
    [note] = [s.note for s in store.decision_path.steps(FIRST) if s.body == "stadtteilbeirat"]
    assert note == "Stadtteilbeirat: empfohlen (ja 9, nein 1, Enthaltung 2)."

    session = beirat.session("dalheim", session_id)
    assert [(i.outcome, i.votes_yes, i.note) for i in session.items] == [
        ("empfohlen", 9, ""),
        ("vertagt", None, ""),
        ("zur_kenntnis", None, "Prüfauftrag"),
    ]
    assert session.items[2].step_id is None, "an idea has no decision path"
    [(found, item)] = beirat.decisions_on("idea", "trinkbrunnen")
    assert (found.id, item.outcome) == (session_id, "zur_kenntnis")

    # Recorded again: the same step changes, no second one.
    beirat.record_outcome("dalheim", session_id, items[0], _outcome("nicht_empfohlen"), "max")
    again = _state(store, FIRST)
    assert again[0] == "zurueckgestellt"
    assert again[1] == before[FIRST][1] + [
        ("2025-03-13", "stadtteilbeirat", "zurueckgestellt", f"{reference} 1")
    ]
    beirat.record_outcome("dalheim", session_id, items[1], _outcome("zur_kenntnis"), "max")
    assert _state(store, SECOND)[0] == "im_beirat_vorgestellt"
    assert len(_state(store, SECOND)[1]) == len(before[SECOND][1]) + 1


def test_taking_note_of_a_measure_further_along_keeps_its_status(store):
    session_id = store.beirat.create("dalheim", _session_input(), "lea")
    item = store.beirat.add_item("dalheim", session_id, "measure", "kifaz", "", "")
    before = _state(store, "kifaz")
    assert before[0] == "abgeschlossen"
    store.beirat.record_outcome("dalheim", session_id, item, _outcome("zur_kenntnis"), "lea")
    after = _state(store, "kifaz")
    assert after[0] == "abgeschlossen"
    assert len(after[1]) == len(before[1]) + 1


def _rows(store) -> dict:
    """Every row recording may write: items, steps, versions, the measures' status."""
    with store.engine.connect() as connection:
        return {
            name: sorted(map(tuple, connection.execute(sa.select(table)).all()), key=repr)
            for name, table in [
                ("items", schema.beirat_items),
                ("steps", schema.measure_steps),
                ("versions", schema.record_versions),
                (
                    "measures",
                    sa.select(schema.measures.c.id, schema.measures.c.status).subquery(),
                ),
            ]
        }


def test_nothing_is_written_when_recording_fails_halfway(store, agenda, monkeypatch):
    session_id, items = agenda
    before = _rows(store)

    def failing(tx, measure_id, actor):
        # The item's outcome and the step are written by now; the status is not.
        raise RuntimeError("Datenbank weg")

    monkeypatch.setattr(path_storage, "sync_measure", failing)
    with pytest.raises(RuntimeError):
        store.beirat.record_outcome(
            "dalheim", session_id, items[0], _outcome("empfohlen", 5, 0, 0), "lea"
        )
    assert _rows(store) == before
    monkeypatch.undo()

    # A step the database refuses, after the item's outcome is written, fails the same way.
    def bad_step(*args, **kwargs):
        raise sa.exc.IntegrityError("INSERT", {}, Exception("refused"))

    monkeypatch.setattr(path_storage, "insert_step", bad_step)
    with pytest.raises(sa.exc.IntegrityError):
        store.beirat.record_outcome("dalheim", session_id, items[1], _outcome("empfohlen"), "lea")
    assert _rows(store) == before
    monkeypatch.undo()

    # And afterwards it works, once.
    store.beirat.record_outcome("dalheim", session_id, items[0], _outcome("empfohlen"), "lea")
    assert _state(store, FIRST)[0] == "vom_beirat_empfohlen"


def test_a_session_is_changed_and_deleted_with_its_agenda_and_keeps_the_steps(store, agenda):
    session_id, items = agenda
    later = START + datetime.timedelta(days=7)
    store.beirat.update(
        "dalheim", session_id, _session_input(starts_at=later, ends_at=None, public=False), "max"
    )
    session = store.beirat.session("dalheim", session_id)
    assert (session.starts_at, session.ends_at, session.public) == (later, None, False)
    assert store.beirat.sessions("dalheim", public_only=True) == []
    assert [s.id for s in store.beirat.sessions("dalheim")] == [session_id]

    store.beirat.record_outcome("dalheim", session_id, items[0], _outcome("empfohlen"), "lea")
    with pytest.raises(Conflict):
        store.beirat.remove_item("dalheim", session_id, items[0])
    steps = len(store.decision_path.steps(FIRST))
    store.beirat.delete("dalheim", session_id)
    assert store.beirat.session("dalheim", session_id) is None
    assert len(store.decision_path.steps(FIRST)) == steps
    assert _state(store, FIRST)[0] == "vom_beirat_empfohlen"
    with store.engine.connect() as connection:
        assert (
            connection.execute(sa.select(sa.func.count()).select_from(schema.beirat_items)).scalar()
            == 0
        )
    with pytest.raises(Conflict):
        store.beirat.delete("dalheim", session_id)


def test_a_withdrawn_idea_leaves_no_text_on_the_agenda(store, agenda):
    session_id, items = agenda
    store.beirat.record_outcome("dalheim", session_id, items[2], _outcome("vertagt"), "lea")
    assert store.ideas.withdraw("trinkbrunnen")
    [item] = [i for i in store.beirat.session("dalheim", session_id).items if i.kind == "idea"]
    assert (item.title, item.outcome) == ("", "vertagt")
    with store.engine.connect() as connection:
        stored = connection.execute(sa.select(schema.beirat_items.c.title)).scalars().all()
    assert not any("Trinkbrunnen" in title for title in stored)


def test_the_steps_follow_a_session_that_moves_or_is_renumbered(store, agenda):
    session_id, items = agenda
    store.beirat.record_outcome("dalheim", session_id, items[1], _outcome("empfohlen"), "lea")
    count = len(store.decision_path.steps(SECOND))
    later = START + datetime.timedelta(days=1)
    store.beirat.update("dalheim", session_id, _session_input(starts_at=later), "max")
    store.beirat.move_item("dalheim", session_id, items[1], -1, "max")
    steps = store.decision_path.steps(SECOND)
    assert len(steps) == count
    assert (steps[-1].date, steps[-1].reference) == (
        "2025-03-14",
        "Sitzung des Stadtteilbeirats vom 14.03.2025, TOP 1",
    )
    assert store.layers.record("measures", SECOND).status == "vom_beirat_empfohlen"
    # A step the planner deleted on the path is not brought back by a change.
    store.decision_path.delete(SECOND, steps[-1].id, "lea")
    store.beirat.update("dalheim", session_id, _session_input(), "max")
    assert len(store.decision_path.steps(SECOND)) == count - 1
