"""Hearing back by e-mail on SQLite and PostgreSQL: the Stadtteilbeirat's outcome on an
idea and the planners' answer to a reported barrier queue a message for the confirmed
author only, in the transaction of the outcome or answer, and once per outcome."""

from __future__ import annotations

import datetime

import pytest
import sqlalchemy as sa

from measures.storage import mail, schema
from tests.factories import add_idea
from tests.storage.author_mail_setup import (
    AUTHOR,
    FOLLOWER,
    START,
    confirm_all,
    idea_on_agenda,
    messages,
    outbox,
    record,
    report,
    request,
    session,
)

pytestmark = pytest.mark.both_databases


def test_the_author_hears_each_new_outcome_once_and_a_follower_hears_nothing(store):
    session_id, item_id = idea_on_agenda(store)
    store.mail.subscribe(FOLLOWER, "de", title="T", idea_id="brunnen")
    confirm_all(store)

    record(store, session_id, item_id, "vertagt")
    [message] = messages(store)
    assert message.kind == "beirat_outcome" and message.subscription.email == AUTHOR
    assert message.payload == {
        "idea_id": "brunnen",
        "title": "Trinkbrunnen am Berliner Ring",
        "outcome": "vertagt",
        "day": "2025-03-13",
    }
    # The same outcome again (votes or a note corrected) is no news.
    record(store, session_id, item_id, "vertagt", note="Neu gezählt")
    assert messages(store) == []
    # Another outcome is.
    record(store, session_id, item_id, "empfohlen")
    [changed] = messages(store)
    assert changed.payload["outcome"] == "empfohlen" and changed.subscription.email == AUTHOR


def test_no_confirmed_address_no_message(store):
    session_id, item_id = idea_on_agenda(store, confirm=False)
    record(store, session_id, item_id, "empfohlen")
    assert [m.kind for m in messages(store)] == ["confirm"], "only the request to confirm"


def test_an_idea_without_an_address_stores_no_address_and_queues_nothing(store):
    session_id, item_id = idea_on_agenda(store, email="")
    record(store, session_id, item_id, "nicht_empfohlen")
    assert store.mail.counts() == {"addresses": 0, "subscriptions": 0, "outbox": 0}


def test_an_outcome_that_fails_queues_nothing(store, monkeypatch):
    session_id, item_id = idea_on_agenda(store)
    queue = mail._enqueue

    def queue_then_fail(*args, **kwargs):
        queue(*args, **kwargs)  # written on the transaction, then the change fails
        raise RuntimeError("Datenbank weg")

    monkeypatch.setattr(mail, "_enqueue", queue_then_fail)
    with pytest.raises(RuntimeError):
        record(store, session_id, item_id, "empfohlen")
    monkeypatch.undo()
    assert outbox(store) == 0
    assert store.beirat.session("dalheim", session_id).item(item_id).outcome is None
    # Recorded for real afterwards, it is news (nothing was half done before).
    record(store, session_id, item_id, "empfohlen")
    assert [m.kind for m in messages(store)] == ["beirat_outcome"]


def test_an_unrelated_idea_subscription_is_not_told(store):
    add_idea(store, "andere", email=AUTHOR)
    store.mail.subscribe(AUTHOR, "de", title="T", idea_id="andere")
    confirm_all(store)
    session_id, item_id = idea_on_agenda(store, email="")
    record(store, session_id, item_id, "empfohlen")
    assert messages(store) == []


def test_the_reporter_of_a_barrier_confirms_and_hears_of_the_answer(store):
    report_id = report(store)
    [request] = store.mail.claim(100, 60)
    assert request.kind == "confirm" and request.subscription.barrier_report_id == report_id
    assert request.subscription.author and request.payload["barrier_report_id"] == report_id
    store.mail.confirm(request.subscription.id, request.subscription.nonce)
    store.mail.mark_sent(request)

    store.barriers.answer(report_id, "Wird größer.", "lea", "dalheim")
    [message] = messages(store)
    assert message.kind == "barrier_answer" and message.subscription.email == AUTHOR
    # The answer itself is not in the message: it stays on the private page.
    assert message.payload == {"barrier_report_id": report_id}


def test_a_barrier_answer_without_a_confirmed_address_queues_nothing(store):
    unconfirmed = report(store)
    without = report(store, email="")
    messages(store)  # the request to confirm, left unanswered
    store.barriers.answer(unconfirmed, "Erledigt.", "lea", "dalheim")
    store.barriers.answer(without, "Erledigt.", "lea", "dalheim")
    assert messages(store) == []
    assert store.mail.counts()["subscriptions"] == 1, "none for the report without address"


def test_confirming_after_the_answer_brings_the_answer(store):
    report_id = report(store)
    [request] = store.mail.claim(100, 60)
    store.barriers.answer(report_id, "Erledigt.", "lea", "dalheim")
    store.mail.confirm(request.subscription.id, request.subscription.nonce)
    store.mail.mark_sent(request)
    assert [m.kind for m in messages(store)] == ["barrier_answer"]


def test_a_failed_answer_queues_nothing(store, monkeypatch):
    report_id = report(store)
    confirm_all(store)
    queue = mail._enqueue

    def queue_then_fail(*args, **kwargs):
        queue(*args, **kwargs)
        raise RuntimeError("Datenbank weg")

    monkeypatch.setattr(mail, "_enqueue", queue_then_fail)
    with pytest.raises(RuntimeError):
        store.barriers.answer(report_id, "Erledigt.", "lea", "dalheim")
    monkeypatch.undo()
    assert outbox(store) == 0
    assert store.barriers.get(report_id).state == "offen"


def test_a_barrier_subscription_goes_with_the_retention_time_after_the_answer(store):
    report_id = report(store)
    confirm_all(store)
    store.barriers.answer(report_id, "Erledigt.", "lea", "dalheim")
    now = datetime.datetime.now(datetime.UTC)
    assert store.mail.purge(now - datetime.timedelta(days=7), now - datetime.timedelta(days=1)) == 0
    assert store.mail.purge(now - datetime.timedelta(days=7), now + datetime.timedelta(days=1)) == 1
    assert store.mail.counts() == {"addresses": 0, "subscriptions": 0, "outbox": 0}
    with store.engine.connect() as connection:
        assert connection.execute(sa.select(schema.barrier_reports.c.id)).scalar() == report_id


# -- confirmed after the outcome or the answer: told then, once ------------------------------


def test_confirming_after_the_outcome_brings_it_once_in_the_authors_language(store):
    # A pending idea: no planner's decision to tell, only the Beirat's outcome.
    session_id, item_id = idea_on_agenda(store, confirm=False, state="pending", language="en")
    subscription = request(store)
    record(store, session_id, item_id, "vertagt")
    later = session(store, START + datetime.timedelta(days=30))
    later_item = store.beirat.add_item("dalheim", later, "idea", "brunnen", "", "")
    record(store, later, later_item, "empfohlen")
    assert messages(store) == [], "nothing before the confirmation"

    assert store.mail.confirm(subscription.id, subscription.nonce) == "confirmed"
    [message] = messages(store)
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
    assert outbox(store) == 0
    # A later new outcome is news as for any confirmed author, the same one is not.
    record(store, later, later_item, "empfohlen", note="Protokoll ergänzt")
    assert messages(store) == []
    record(store, later, later_item, "nicht_empfohlen")
    assert [m.payload["outcome"] for m in messages(store)] == ["nicht_empfohlen"]


def test_an_approved_idea_confirmed_after_the_outcome_brings_the_decision_and_the_outcome(
    store,
):
    session_id, item_id = idea_on_agenda(store, confirm=False)
    subscription = request(store)
    record(store, session_id, item_id, "zur_kenntnis")
    store.mail.confirm(subscription.id, subscription.nonce)
    store.mail.confirm(subscription.id, subscription.nonce)
    told = {m.kind: m.payload for m in messages(store)}
    assert set(told) == {"decision", "beirat_outcome"}, "each once"
    assert told["decision"]["action"] == "approved"
    assert told["beirat_outcome"]["outcome"] == "zur_kenntnis"


def test_confirming_before_the_outcome_brings_no_outcome(store):
    session_id, item_id = idea_on_agenda(store, confirm=False, state="pending")
    subscription = request(store)
    assert store.mail.confirm(subscription.id, subscription.nonce) == "confirmed"
    assert messages(store) == [], "no outcome yet, and a pending idea is no news"
    record(store, session_id, item_id, "empfohlen")
    assert [m.kind for m in messages(store)] == ["beirat_outcome"]
    assert store.mail.confirm(subscription.id, subscription.nonce) == "used"
    assert messages(store) == []


def test_a_confirmation_that_fails_queues_nothing_and_can_be_done_again(store, monkeypatch):
    session_id, item_id = idea_on_agenda(store, confirm=False, state="pending")
    subscription = request(store)
    record(store, session_id, item_id, "empfohlen")
    queue = mail._enqueue

    def queue_then_fail(*args, **kwargs):
        queue(*args, **kwargs)  # the outcome written on the transaction, then it fails
        raise RuntimeError("Datenbank weg")

    monkeypatch.setattr(mail, "_enqueue", queue_then_fail)
    with pytest.raises(RuntimeError):
        store.mail.confirm(subscription.id, subscription.nonce)
    monkeypatch.undo()
    assert outbox(store) == 0
    assert not store.mail.subscription(subscription.id).confirmed
    assert store.mail.confirm(subscription.id, subscription.nonce) == "confirmed"
    assert [m.kind for m in messages(store)] == ["beirat_outcome"]


def test_the_reporter_confirming_after_the_answer_hears_it_once(store):
    report_id = report(store)
    [request] = store.mail.claim(100, 60)
    store.mail.mark_sent(request)
    store.barriers.answer(report_id, "Erledigt.", "lea", "dalheim")
    subscription = request.subscription
    assert store.mail.confirm(subscription.id, subscription.nonce) == "confirmed"
    assert store.mail.confirm(subscription.id, subscription.nonce) == "used"
    assert [m.payload for m in messages(store)] == [{"barrier_report_id": report_id}]


def test_no_message_to_an_address_past_its_retention(store):
    """A subscription the daily purge should have deleted already is deleted when its
    link is used, and told nothing: of an idea decided, or a report answered, before the
    contact retention's cutoff."""
    session_id, item_id = idea_on_agenda(store, confirm=False)
    subscription = request(store)
    record(store, session_id, item_id, "empfohlen")
    report_id = report(store, email=FOLLOWER)
    reporter = request(store)
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
    session_id, item_id = idea_on_agenda(store, confirm=False)
    subscription = request(store)
    record(store, session_id, item_id, "empfohlen")
    with store.engine.begin() as connection:
        recently = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=80)
        connection.execute(schema.ideas.update().values(decided_at=recently))
    now = datetime.datetime.now(datetime.UTC)
    cutoffs = {
        "unconfirmed_before": now - datetime.timedelta(days=7),
        "decided_before": now - datetime.timedelta(days=90),
    }
    assert store.mail.confirm(subscription.id, subscription.nonce, **cutoffs) == "confirmed"
    assert sorted(m.kind for m in messages(store)) == ["beirat_outcome", "decision"]


def test_an_unconfirmed_subscription_past_the_time_to_confirm_is_deleted(store):
    idea_on_agenda(store, confirm=False, state="pending")
    subscription = request(store)
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=1)
    assert (
        store.mail.confirm(
            subscription.id, subscription.nonce, unconfirmed_before=later, decided_before=None
        )
        == "expired"
    )
    assert store.mail.counts() == {"addresses": 0, "subscriptions": 0, "outbox": 0}
