"""Each use case that writes is one transaction, on both databases.

A failure injected after any step of deleting, withdrawing or converting an idea leaves
everything as it was: the idea keeps its text and contact data, no measure exists, no
history entry was added and no layer's change time moved. And every use case writes the
change time of a layer before the rows (measures/storage/transaction.py).
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
import sqlalchemy as sa

from measures.domain.errors import Conflict
from measures.domain.model import Idea, IdeaContact
from measures.storage import ideas as idea_storage
from tests import factories

# Each runs on SQLite and on PostgreSQL/PostGIS.
pytestmark = pytest.mark.both_databases

CONTACT = IdeaContact("bank", "Ayşe Yılmaz", "ayse@example.org")
LAYER_TABLES = ("quartier", "measures", "locations", "ideas")


class InjectedFailure(Exception):
    pass


def _idea(idea_id: str = "bank", state: str = "approved") -> Idea:
    return factories.idea(
        idea_id,
        state=state,
        title="Bank am Spielplatz",
        description="Eine Bank im Schatten am Berliner Ring",
    )


@pytest.fixture
def idea(store):
    """An approved idea with contact data, so the ideas layer has a change time."""
    store.ideas.add(_idea(state="pending"), CONTACT, "hash-of-the-status-link")
    store.ideas.approve("bank", "lea")
    return store.ideas.get("bank", ("approved",))


def _fail_after(monkeypatch, step: str) -> None:
    """Let the step ``step`` of measures/storage/ideas.py run, then raise."""
    original = getattr(idea_storage, step)

    def step_then_fail(*args, **kwargs):
        original(*args, **kwargs)
        raise InjectedFailure(step)

    monkeypatch.setattr(idea_storage, step, step_then_fail)


def _state(store) -> dict:
    """Everything a use case on the idea "bank" could change."""
    return {
        "idea": store.ideas.get("bank", ("pending", "approved", "rejected", "deleted")),
        "contact": store.ideas.contact("bank"),
        "history": store.ideas.events("bank"),
        # A draft: the planners' view of it.
        "measure": store.editing.get("measures", "idee-bank", "dalheim"),
        "measures_changed_at": store.layers.changed_at("measures"),
        "ideas_changed_at": store.layers.changed_at("ideas"),
    }


@pytest.mark.parametrize("step", ["_decide", "_record_event", "_delete_contact"])
def test_a_failed_delete_changes_nothing(store, idea, monkeypatch, step):
    before = _state(store)
    _fail_after(monkeypatch, step)
    with pytest.raises(InjectedFailure):
        store.ideas.delete("bank", "lea")
    after = _state(store)
    assert after == before
    assert after["idea"].title == "Bank am Spielplatz" and after["contact"] == CONTACT
    assert [e.action for e in after["history"]] == ["submitted", "approved"]


@pytest.mark.parametrize("step", ["_delete_contact", "_delete_history", "_delete_idea"])
def test_a_failed_withdrawal_changes_nothing(store, idea, monkeypatch, step):
    before = _state(store)
    _fail_after(monkeypatch, step)
    with pytest.raises(InjectedFailure):
        store.ideas.withdraw("bank")
    after = _state(store)
    assert after == before
    assert after["idea"].description == "Eine Bank im Schatten am Berliner Ring"
    assert after["contact"] == CONTACT and len(after["history"]) == 2


@pytest.mark.parametrize("step", ["_insert_measure", "_decide", "_record_event"])
def test_a_failed_conversion_changes_nothing(store, idea, monkeypatch, step):
    before = _state(store)
    _fail_after(monkeypatch, step)
    with pytest.raises(InjectedFailure):
        store.ideas.convert_to_measure("bank", "lea", "https://example.org/ideen/bank")
    after = _state(store)
    assert after == before
    assert after["measure"] is None and after["idea"].measure_id is None
    assert "converted" not in [e.action for e in after["history"]]


def test_the_use_cases_without_a_failure_do_all_their_steps(store, idea):
    # The counterpart of the tests above: the same calls, nothing injected.
    before = _state(store)
    assert store.ideas.convert_to_measure("bank", "lea", "https://example.org/ideen/bank")
    converted = _state(store)
    assert converted["measure"].record.title == "Bank am Spielplatz"
    assert converted["measure"].publication == "draft"
    assert converted["idea"].measure_id == "idee-bank"
    assert converted["measures_changed_at"] != before["measures_changed_at"]
    assert converted["ideas_changed_at"] != before["ideas_changed_at"]
    store.ideas.delete("bank", "lea")
    deleted = _state(store)
    assert deleted["idea"].title == "[gelöscht]" and deleted["contact"] is None
    assert [e.action for e in deleted["history"]][-1] == "deleted"
    assert store.ideas.withdraw("bank")
    assert _state(store)["idea"] is None and _state(store)["history"] == []


# The table after INSERT INTO, UPDATE (not ON CONFLICT's DO UPDATE) and DELETE FROM.
WRITTEN_TABLE = re.compile(r'(?:\bINSERT INTO|(?<!DO )\bUPDATE|\bDELETE FROM)\s+"?(\w+)"?', re.I)


def _writes(store, use_case) -> list[tuple[str, object]]:
    """The INSERT, UPDATE and DELETE statements ``use_case`` sends: (table, parameters)."""
    writes = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        # Every table a statement writes, in order: one statement may chain several
        # INSERTs with WITH (an idea's intake on PostgreSQL, measures/storage/intake.py).
        for table in WRITTEN_TABLE.findall(statement):
            writes.append((table, parameters))

    sa.event.listen(store.engine, "before_cursor_execute", record)
    try:
        use_case()
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", record)
    return writes


def _changed_layer(parameters) -> str:
    values = parameters.values() if isinstance(parameters, dict) else parameters
    (layer,) = [v for v in values if v in LAYER_TABLES]
    return layer


@pytest.mark.parametrize(
    "use_case",
    [
        lambda s: s.ideas.add(_idea("neu"), IdeaContact("neu", "", "")),
        lambda s: s.ideas.support("bank"),
        lambda s: s.ideas.edit("bank", "lea", "Zwei Bänke", "Am Spielplatz"),
        lambda s: s.ideas.reject("bank", "lea", "Gibt es schon."),
        lambda s: (s.ideas.add(_idea("andere")), s.ideas.mark_duplicate("bank", "lea", "andere")),
        lambda s: s.ideas.convert_to_measure("bank", "lea", "https://example.org/ideen/bank"),
        lambda s: s.ideas.delete("bank", "lea"),
        lambda s: s.ideas.withdraw("bank"),
        lambda s: s.layers.import_records(
            "measures", [replace(s.layers.records("measures")[0], title="Neuer Titel")]
        ),
    ],
    ids=[
        "add",
        "support",
        "edit",
        "reject",
        "duplicate",
        "convert",
        "delete",
        "withdraw",
        "import",
    ],
)
def test_every_use_case_writes_a_layers_change_time_before_its_rows(store, idea, use_case):
    writes = _writes(store, lambda: use_case(store))
    assert writes, "the use case wrote something"
    assert writes[0][0] == "layer_changes", writes
    changed = set()
    for table, parameters in writes:
        if table == "layer_changes":
            changed.add(_changed_layer(parameters))
        elif table in LAYER_TABLES:
            assert table in changed, f"{table} written before its change time: {writes}"


def test_a_pending_idea_leaves_the_layers_change_time_alone(store):
    writes = _writes(
        store,
        lambda: store.ideas.add(
            _idea("offen", "pending"), IdeaContact("offen", "Name", "offen@example.org")
        ),
    )
    assert [table for table, _ in writes] == ["ideas", "idea_contacts", "idea_events"]
    assert store.layers.changed_at("ideas") is None


@pytest.mark.parametrize(
    "act",
    [
        lambda s: s.ideas.convert_to_measure("bank", "lea", "https://example.org/ideen/bank"),
        lambda s: s.ideas.delete("bank", "lea"),
        lambda s: s.ideas.reject("bank", "lea", "Gibt es schon."),
    ],
    ids=["convert", "delete", "reject"],
)
def test_of_planners_acting_on_one_idea_at_once_one_succeeds(store, idea, act):
    """Each reads the idea only after the others have written: the rest are refused."""
    planners = 6
    start = threading.Barrier(planners)

    def one_planner(_index):
        start.wait()
        try:
            act(store)
        except Conflict:
            return "refused"
        return "done"

    with ThreadPoolExecutor(max_workers=planners) as pool:
        outcomes = sorted(pool.map(one_planner, range(planners)))
    assert outcomes == ["done"] + ["refused"] * (planners - 1)
    history = [e.action for e in store.ideas.events("bank")]
    assert len(history) == 3 and history[:2] == ["submitted", "approved"]
    measures = [
        e.record.id for e in store.editing.records("measures") if e.record.id == "idee-bank"
    ]
    assert measures == (["idee-bank"] if history[-1] == "converted" else [])
