"""Hearing back by e-mail when two things happen at once (PostgreSQL; SQLite has one writer
at a time): two planners recording one outcome, an author confirming while the outcome is
recorded or the barrier answered. Each time exactly one message, never none, never two."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from measures.storage import mail, schema
from tests.storage.author_mail_setup import idea_on_agenda, messages, record, report, request

pytestmark = pytest.mark.both_databases


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_two_planners_recording_the_same_outcome_at_once_send_one_message(store):
    """The second planner waits for the first's lock on the item and then finds the
    outcome recorded: no second message (PostgreSQL; SQLite has one writer at a time)."""
    session_id, item_id = idea_on_agenda(store)
    items = schema.beirat_items
    with store.engine.connect() as first:
        first.begin()
        first.execute(sa.select(items.c.id).where(items.c.id == item_id).with_for_update())
        # The first planner's change, the message queued with it, not yet committed.
        first.execute(items.update().where(items.c.id == item_id).values(outcome="empfohlen"))
        errors: list[BaseException] = []

        def second_planner():
            try:
                record(store, session_id, item_id, "empfohlen")
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)

        thread = threading.Thread(target=second_planner)
        thread.start()
        _wait_until_waiting_or_done(store, thread)
        first.commit()
        thread.join(30)
    assert errors == [] and not thread.is_alive()
    assert messages(store) == [], "the outcome was there already: no news"


def _pause(monkeypatch, name: str):
    """Make ``mail.<name>`` stop after it ran, its transaction still open, until the
    event returned is set; the other event says that it got there."""
    original = getattr(mail, name)
    reached, go = threading.Event(), threading.Event()

    def ran_then_wait(*args, **kwargs):
        result = original(*args, **kwargs)
        reached.set()
        assert go.wait(30), "never let go on"
        return result

    monkeypatch.setattr(mail, name, ran_then_wait)
    return reached, go


def _in_thread(work) -> tuple[threading.Thread, list]:
    errors: list[BaseException] = []

    def run():
        try:
            work()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def _wait_until_waiting_or_done(store, thread: threading.Thread) -> None:
    """Until a transaction waits for a lock, or the thread is done (when nothing made
    it wait, which the test then finds out by what was queued)."""
    # Each look in a transaction of its own: PostgreSQL keeps a transaction's first view of
    # pg_stat_activity until it ends, so looks in one transaction never saw a wait that
    # began after the first (the test then gave up after 10 s, seen in CI under load).
    deadline = time.monotonic() + 60
    with store.engine.connect() as connection:
        while time.monotonic() < deadline:
            with connection.begin():
                waiting = connection.execute(
                    sa.text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                    )
                ).scalar()
            if waiting or not thread.is_alive():
                return
            time.sleep(0.05)
    raise AssertionError("neither waited nor finished")


def _at_once(store, monkeypatch, pause_after: str, first, second) -> list[str]:
    """Run ``first`` until it has run ``mail.<pause_after>``, its transaction still open;
    then ``second`` until it waits for a lock (or is done); then let both finish. The
    kinds of the messages queued."""
    reached, go = _pause(monkeypatch, pause_after)
    first_thread, first_errors = _in_thread(first)
    assert reached.wait(30)
    second_thread, second_errors = _in_thread(second)
    _wait_until_waiting_or_done(store, second_thread)
    go.set()
    first_thread.join(30)
    second_thread.join(30)
    assert first_errors == [] and second_errors == []
    return [m.kind for m in messages(store)]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_confirmation_while_the_outcome_is_recorded_brings_it_once(store, monkeypatch):
    """The planner's transaction has queued for the confirmed authors (none yet) and not
    committed when the author confirms: the confirmation waits for it, then finds the
    outcome (PostgreSQL; SQLite has one writer at a time)."""
    session_id, item_id = idea_on_agenda(store, confirm=False, state="pending")
    subscription = request(store)
    kinds = _at_once(
        store,
        monkeypatch,
        "queue_author_notice",
        lambda: record(store, session_id, item_id, "empfohlen"),
        lambda: store.mail.confirm(subscription.id, subscription.nonce),
    )
    assert kinds == ["beirat_outcome"]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_an_outcome_recorded_while_the_author_confirms_is_told_once(store, monkeypatch):
    """The confirmation has found no outcome and not committed when the planner records
    one: the planner's transaction waits for it, then finds the address confirmed."""
    session_id, item_id = idea_on_agenda(store, confirm=False, state="pending")
    subscription = request(store)
    kinds = _at_once(
        store,
        monkeypatch,
        "_queue_earlier_news",
        lambda: store.mail.confirm(subscription.id, subscription.nonce),
        lambda: record(store, session_id, item_id, "empfohlen"),
    )
    assert kinds == ["beirat_outcome"]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_confirmation_while_the_barrier_is_answered_brings_the_answer_once(store, monkeypatch):
    report_id = report(store)
    subscription = request(store)
    kinds = _at_once(
        store,
        monkeypatch,
        "queue_author_notice",
        lambda: store.barriers.answer(report_id, "Erledigt.", "lea", "dalheim"),
        lambda: store.mail.confirm(subscription.id, subscription.nonce),
    )
    assert kinds == ["barrier_answer"]
