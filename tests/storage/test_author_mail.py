"""Hearing back by e-mail on SQLite and PostgreSQL: the Stadtteilbeirat's outcome on an
idea and the planners' answer to a reported barrier queue a message for the confirmed
author only, in the transaction of the outcome or answer, and once per outcome."""

from __future__ import annotations

import datetime
import threading
import time

import pytest
import sqlalchemy as sa

from measures.domain.barriers import validate_report
from measures.domain.beirat import OutcomeInput, SessionInput
from measures.domain.ideas import IdeaContact, hash_token
from measures.storage import mail, schema
from tests.factories import add_idea, idea

pytestmark = pytest.mark.both_databases

AUTHOR = "autorin@example.org"
FOLLOWER = "nachbar@example.org"
START = datetime.datetime(2025, 3, 13, 17, 0, tzinfo=datetime.UTC)


def _confirm_all(store) -> None:
    """Confirm every waiting subscription (as its link would); take what is queued, the
    requests and the news of the idea's earlier decision that confirming brings."""
    while taken := store.mail.claim(100, 60):
        for message in taken:
            if message.kind == "confirm":
                store.mail.confirm(message.subscription.id, message.subscription.nonce)
            store.mail.mark_sent(message)


def _messages(store) -> list:
    taken = store.mail.claim(100, 60)
    for message in taken:
        store.mail.mark_sent(message)
    return taken


def _outbox(store) -> int:
    return store.mail.counts()["outbox"]


def _idea_on_agenda(
    store,
    *,
    email: str = AUTHOR,
    confirm: bool = True,
    state: str = "approved",
    language: str = "de",
    start: datetime.datetime = START,
):
    """An idea of ``email`` (none: no address) on a session's agenda; (session, item)."""
    record = idea("brunnen", title="Trinkbrunnen am Berliner Ring", state=state)
    contact = IdeaContact(record.id, "", email) if email else None
    store.ideas.add(record, contact, hash_token("geheim"), notify_language=language)
    # The mail job subscribes an author who asked for news with the idea (mail.py).
    store.mail.subscribe_authors(10)
    if confirm:
        _confirm_all(store)
    session_id = _session(store, start)
    item_id = store.beirat.add_item("dalheim", session_id, "idea", record.id, "", "")
    return session_id, item_id


def _session(store, start: datetime.datetime = START) -> int:
    return store.beirat.create(
        "dalheim",
        SessionInput(
            "Sitzung", start, start + datetime.timedelta(hours=2), "KiFaZ", "Berliner Ring", True
        ),
        "lea",
    )


def _record(store, session_id: int, item_id: int, outcome: str, note: str = "") -> None:
    store.beirat.record_outcome(
        "dalheim", session_id, item_id, OutcomeInput(outcome, 7, 2, None, note), "lea"
    )


def test_the_author_hears_each_new_outcome_once_and_a_follower_hears_nothing(store):
    session_id, item_id = _idea_on_agenda(store)
    store.mail.subscribe(FOLLOWER, "de", title="T", idea_id="brunnen")
    _confirm_all(store)

    _record(store, session_id, item_id, "vertagt")
    [message] = _messages(store)
    assert message.kind == "beirat_outcome" and message.subscription.email == AUTHOR
    assert message.payload == {
        "idea_id": "brunnen",
        "title": "Trinkbrunnen am Berliner Ring",
        "outcome": "vertagt",
        "day": "2025-03-13",
    }
    # The same outcome again (votes or a note corrected) is no news.
    _record(store, session_id, item_id, "vertagt", note="Neu gezählt")
    assert _messages(store) == []
    # Another outcome is.
    _record(store, session_id, item_id, "empfohlen")
    [changed] = _messages(store)
    assert changed.payload["outcome"] == "empfohlen" and changed.subscription.email == AUTHOR


def test_no_confirmed_address_no_message(store):
    session_id, item_id = _idea_on_agenda(store, confirm=False)
    _record(store, session_id, item_id, "empfohlen")
    assert [m.kind for m in _messages(store)] == ["confirm"], "only the request to confirm"


def test_an_idea_without_an_address_stores_no_address_and_queues_nothing(store):
    session_id, item_id = _idea_on_agenda(store, email="")
    _record(store, session_id, item_id, "nicht_empfohlen")
    assert store.mail.counts() == {"addresses": 0, "subscriptions": 0, "outbox": 0}


def test_an_outcome_that_fails_queues_nothing(store, monkeypatch):
    session_id, item_id = _idea_on_agenda(store)
    queue = mail._enqueue

    def queue_then_fail(*args, **kwargs):
        queue(*args, **kwargs)  # written on the transaction, then the change fails
        raise RuntimeError("Datenbank weg")

    monkeypatch.setattr(mail, "_enqueue", queue_then_fail)
    with pytest.raises(RuntimeError):
        _record(store, session_id, item_id, "empfohlen")
    monkeypatch.undo()
    assert _outbox(store) == 0
    assert store.beirat.session("dalheim", session_id).item(item_id).outcome is None
    # Recorded for real afterwards, it is news (nothing was half done before).
    _record(store, session_id, item_id, "empfohlen")
    assert [m.kind for m in _messages(store)] == ["beirat_outcome"]


def test_an_unrelated_idea_subscription_is_not_told(store):
    add_idea(store, "andere", email=AUTHOR)
    store.mail.subscribe(AUTHOR, "de", title="T", idea_id="andere")
    _confirm_all(store)
    session_id, item_id = _idea_on_agenda(store, email="")
    _record(store, session_id, item_id, "empfohlen")
    assert _messages(store) == []


def _report(store, email: str = AUTHOR):
    new = validate_report({"description": "Der Kartenknopf ist zu klein.", "email": email})
    store.barriers.add(new, hash_token(new.status_token), "dalheim", notify_language="de")
    return new.report.id


def test_the_reporter_of_a_barrier_confirms_and_hears_of_the_answer(store):
    report_id = _report(store)
    [request] = store.mail.claim(100, 60)
    assert request.kind == "confirm" and request.subscription.barrier_report_id == report_id
    assert request.subscription.author and request.payload["barrier_report_id"] == report_id
    store.mail.confirm(request.subscription.id, request.subscription.nonce)
    store.mail.mark_sent(request)

    store.barriers.answer(report_id, "Wird größer.", "lea", "dalheim")
    [message] = _messages(store)
    assert message.kind == "barrier_answer" and message.subscription.email == AUTHOR
    # The answer itself is not in the message: it stays on the private page.
    assert message.payload == {"barrier_report_id": report_id}


def test_a_barrier_answer_without_a_confirmed_address_queues_nothing(store):
    unconfirmed = _report(store)
    without = _report(store, email="")
    _messages(store)  # the request to confirm, left unanswered
    store.barriers.answer(unconfirmed, "Erledigt.", "lea", "dalheim")
    store.barriers.answer(without, "Erledigt.", "lea", "dalheim")
    assert _messages(store) == []
    assert store.mail.counts()["subscriptions"] == 1, "none for the report without address"


def test_confirming_after_the_answer_brings_the_answer(store):
    report_id = _report(store)
    [request] = store.mail.claim(100, 60)
    store.barriers.answer(report_id, "Erledigt.", "lea", "dalheim")
    store.mail.confirm(request.subscription.id, request.subscription.nonce)
    store.mail.mark_sent(request)
    assert [m.kind for m in _messages(store)] == ["barrier_answer"]


def test_a_failed_answer_queues_nothing(store, monkeypatch):
    report_id = _report(store)
    _confirm_all(store)
    queue = mail._enqueue

    def queue_then_fail(*args, **kwargs):
        queue(*args, **kwargs)
        raise RuntimeError("Datenbank weg")

    monkeypatch.setattr(mail, "_enqueue", queue_then_fail)
    with pytest.raises(RuntimeError):
        store.barriers.answer(report_id, "Erledigt.", "lea", "dalheim")
    monkeypatch.undo()
    assert _outbox(store) == 0
    assert store.barriers.get(report_id).state == "offen"


def test_a_barrier_subscription_goes_with_the_retention_time_after_the_answer(store):
    report_id = _report(store)
    _confirm_all(store)
    store.barriers.answer(report_id, "Erledigt.", "lea", "dalheim")
    now = datetime.datetime.now(datetime.UTC)
    assert store.mail.purge(now - datetime.timedelta(days=7), now - datetime.timedelta(days=1)) == 0
    assert store.mail.purge(now - datetime.timedelta(days=7), now + datetime.timedelta(days=1)) == 1
    assert store.mail.counts() == {"addresses": 0, "subscriptions": 0, "outbox": 0}
    with store.engine.connect() as connection:
        assert connection.execute(sa.select(schema.barrier_reports.c.id)).scalar() == report_id


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_two_planners_recording_the_same_outcome_at_once_send_one_message(store):
    """The second planner waits for the first's lock on the item and then finds the
    outcome recorded: no second message (PostgreSQL; SQLite has one writer at a time)."""
    session_id, item_id = _idea_on_agenda(store)
    items = schema.beirat_items
    with store.engine.connect() as first:
        first.begin()
        first.execute(sa.select(items.c.id).where(items.c.id == item_id).with_for_update())
        # The first planner's change, the message queued with it, not yet committed.
        first.execute(items.update().where(items.c.id == item_id).values(outcome="empfohlen"))
        errors: list[BaseException] = []

        def second_planner():
            try:
                _record(store, session_id, item_id, "empfohlen")
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)

        thread = threading.Thread(target=second_planner)
        thread.start()
        _wait_until_waiting_or_done(store, thread)
        first.commit()
        thread.join(30)
    assert errors == [] and not thread.is_alive()
    assert _messages(store) == [], "the outcome was there already: no news"


# -- confirmed after the outcome or the answer: told then, once ------------------------------


def _request(store):
    """The request to confirm the author's address, taken as the sender would (and left
    unanswered for now)."""
    [request] = store.mail.claim(100, 60)
    assert request.kind == "confirm"
    store.mail.mark_sent(request)
    return request.subscription


def test_confirming_after_the_outcome_brings_it_once_in_the_authors_language(store):
    # A pending idea: no planner's decision to tell, only the Beirat's outcome.
    session_id, item_id = _idea_on_agenda(store, confirm=False, state="pending", language="en")
    subscription = _request(store)
    _record(store, session_id, item_id, "vertagt")
    later = _session(store, START + datetime.timedelta(days=30))
    later_item = store.beirat.add_item("dalheim", later, "idea", "brunnen", "", "")
    _record(store, later, later_item, "empfohlen")
    assert _messages(store) == [], "nothing before the confirmation"

    assert store.mail.confirm(subscription.id, subscription.nonce) == "confirmed"
    [message] = _messages(store)
    # The message the author would have had at the last session (its day, its outcome),
    # to be written in the language asked for with the idea.
    assert message.kind == "beirat_outcome" and message.subscription.email == AUTHOR
    assert message.payload == {
        "idea_id": "brunnen",
        "title": "Trinkbrunnen am Berliner Ring",
        "outcome": "empfohlen",
        "day": "2025-04-12",
    }
    assert message.subscription.language == "en"

    # The link clicked again: nothing again.
    assert store.mail.confirm(subscription.id, subscription.nonce) == "used"
    assert _outbox(store) == 0
    # A later new outcome is news as for any confirmed author, the same one is not.
    _record(store, later, later_item, "empfohlen", note="Protokoll ergänzt")
    assert _messages(store) == []
    _record(store, later, later_item, "nicht_empfohlen")
    assert [m.payload["outcome"] for m in _messages(store)] == ["nicht_empfohlen"]


def test_an_approved_idea_confirmed_after_the_outcome_brings_the_decision_and_the_outcome(
    store,
):
    session_id, item_id = _idea_on_agenda(store, confirm=False)
    subscription = _request(store)
    _record(store, session_id, item_id, "zur_kenntnis")
    store.mail.confirm(subscription.id, subscription.nonce)
    store.mail.confirm(subscription.id, subscription.nonce)
    told = {m.kind: m.payload for m in _messages(store)}
    assert set(told) == {"decision", "beirat_outcome"}, "each once"
    assert told["decision"]["action"] == "approved"
    assert told["beirat_outcome"]["outcome"] == "zur_kenntnis"


def test_confirming_before_the_outcome_brings_no_outcome(store):
    session_id, item_id = _idea_on_agenda(store, confirm=False, state="pending")
    subscription = _request(store)
    assert store.mail.confirm(subscription.id, subscription.nonce) == "confirmed"
    assert _messages(store) == [], "no outcome yet, and a pending idea is no news"
    _record(store, session_id, item_id, "empfohlen")
    assert [m.kind for m in _messages(store)] == ["beirat_outcome"]
    assert store.mail.confirm(subscription.id, subscription.nonce) == "used"
    assert _messages(store) == []


def test_a_confirmation_that_fails_queues_nothing_and_can_be_done_again(store, monkeypatch):
    session_id, item_id = _idea_on_agenda(store, confirm=False, state="pending")
    subscription = _request(store)
    _record(store, session_id, item_id, "empfohlen")
    queue = mail._enqueue

    def queue_then_fail(*args, **kwargs):
        queue(*args, **kwargs)  # the outcome written on the transaction, then it fails
        raise RuntimeError("Datenbank weg")

    monkeypatch.setattr(mail, "_enqueue", queue_then_fail)
    with pytest.raises(RuntimeError):
        store.mail.confirm(subscription.id, subscription.nonce)
    monkeypatch.undo()
    assert _outbox(store) == 0
    assert not store.mail.subscription(subscription.id).confirmed
    assert store.mail.confirm(subscription.id, subscription.nonce) == "confirmed"
    assert [m.kind for m in _messages(store)] == ["beirat_outcome"]


def test_the_reporter_confirming_after_the_answer_hears_it_once(store):
    report_id = _report(store)
    [request] = store.mail.claim(100, 60)
    store.mail.mark_sent(request)
    store.barriers.answer(report_id, "Erledigt.", "lea", "dalheim")
    subscription = request.subscription
    assert store.mail.confirm(subscription.id, subscription.nonce) == "confirmed"
    assert store.mail.confirm(subscription.id, subscription.nonce) == "used"
    assert [m.payload for m in _messages(store)] == [{"barrier_report_id": report_id}]


def test_no_message_to_an_address_past_its_retention(store):
    """A subscription the daily purge should have deleted already is deleted when its
    link is used, and told nothing: of an idea decided, or a report answered, before the
    contact retention's cutoff."""
    session_id, item_id = _idea_on_agenda(store, confirm=False)
    subscription = _request(store)
    _record(store, session_id, item_id, "empfohlen")
    report_id = _report(store, email=FOLLOWER)
    reporter = _request(store)
    store.barriers.answer(report_id, "Erledigt.", "lea", "dalheim")
    with store.engine.begin() as connection:
        # Approved, and answered, long ago.
        long_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=100)
        connection.execute(schema.ideas.update().values(decided_at=long_ago))
        connection.execute(schema.barrier_reports.update().values(answered_at=long_ago))
    now = datetime.datetime.now(datetime.UTC)
    cutoffs = {
        "unconfirmed_before": now - datetime.timedelta(days=7),
        "decided_before": now - datetime.timedelta(days=90),
    }
    assert store.mail.confirm(subscription.id, subscription.nonce, **cutoffs) == "expired"
    assert store.mail.confirm(reporter.id, reporter.nonce, **cutoffs) == "expired"
    assert store.mail.counts() == {"addresses": 0, "subscriptions": 0, "outbox": 0}
    assert store.mail.confirm(subscription.id, subscription.nonce, **cutoffs) == "gone"


def test_within_the_retention_the_confirmation_brings_the_news(store):
    session_id, item_id = _idea_on_agenda(store, confirm=False)
    subscription = _request(store)
    _record(store, session_id, item_id, "empfohlen")
    with store.engine.begin() as connection:
        recently = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=80)
        connection.execute(schema.ideas.update().values(decided_at=recently))
    now = datetime.datetime.now(datetime.UTC)
    cutoffs = {
        "unconfirmed_before": now - datetime.timedelta(days=7),
        "decided_before": now - datetime.timedelta(days=90),
    }
    assert store.mail.confirm(subscription.id, subscription.nonce, **cutoffs) == "confirmed"
    assert sorted(m.kind for m in _messages(store)) == ["beirat_outcome", "decision"]


def test_an_unconfirmed_subscription_past_the_time_to_confirm_is_deleted(store):
    _idea_on_agenda(store, confirm=False, state="pending")
    subscription = _request(store)
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=1)
    assert (
        store.mail.confirm(
            subscription.id, subscription.nonce, unconfirmed_before=later, decided_before=None
        )
        == "expired"
    )
    assert store.mail.counts() == {"addresses": 0, "subscriptions": 0, "outbox": 0}


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


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_confirmation_while_the_outcome_is_recorded_brings_it_once(store, monkeypatch):
    """The planner's transaction has queued for the confirmed authors (none yet) and not
    committed when the author confirms: the confirmation waits for it, then finds the
    outcome (PostgreSQL; SQLite has one writer at a time)."""
    session_id, item_id = _idea_on_agenda(store, confirm=False, state="pending")
    subscription = _request(store)
    reached, go = _pause(monkeypatch, "queue_author_notice")
    planner, planner_errors = _in_thread(lambda: _record(store, session_id, item_id, "empfohlen"))
    assert reached.wait(30)
    author, author_errors = _in_thread(
        lambda: store.mail.confirm(subscription.id, subscription.nonce)
    )
    _wait_until_waiting_or_done(store, author)
    go.set()
    planner.join(30)
    author.join(30)
    assert planner_errors == [] and author_errors == []
    assert [m.kind for m in _messages(store)] == ["beirat_outcome"]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_an_outcome_recorded_while_the_author_confirms_is_told_once(store, monkeypatch):
    """The confirmation has found no outcome and not committed when the planner records
    one: the planner's transaction waits for it, then finds the address confirmed."""
    session_id, item_id = _idea_on_agenda(store, confirm=False, state="pending")
    subscription = _request(store)
    reached, go = _pause(monkeypatch, "_queue_earlier_news")
    author, author_errors = _in_thread(
        lambda: store.mail.confirm(subscription.id, subscription.nonce)
    )
    assert reached.wait(30)
    planner, planner_errors = _in_thread(lambda: _record(store, session_id, item_id, "empfohlen"))
    _wait_until_waiting_or_done(store, planner)
    go.set()
    author.join(30)
    planner.join(30)
    assert planner_errors == [] and author_errors == []
    assert [m.kind for m in _messages(store)] == ["beirat_outcome"]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_confirmation_while_the_barrier_is_answered_brings_the_answer_once(store, monkeypatch):
    report_id = _report(store)
    subscription = _request(store)
    reached, go = _pause(monkeypatch, "queue_author_notice")
    planner, planner_errors = _in_thread(
        lambda: store.barriers.answer(report_id, "Erledigt.", "lea", "dalheim")
    )
    assert reached.wait(30)
    author, author_errors = _in_thread(
        lambda: store.mail.confirm(subscription.id, subscription.nonce)
    )
    _wait_until_waiting_or_done(store, author)
    go.set()
    planner.join(30)
    author.join(30)
    assert planner_errors == [] and author_errors == []
    assert [m.kind for m in _messages(store)] == ["barrier_answer"]
