"""Subscriptions and the outbox on SQLite and PostgreSQL: messages queued with the change
that causes them, claims that never overlap, leases, and addresses kept only while needed."""

from __future__ import annotations

import dataclasses
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import add_idea, moved_on

pytestmark = pytest.mark.both_databases

ADDRESS = "nachbarin@example.org"


def _confirmed(store, **target) -> int:
    result = store.mail.subscribe(ADDRESS, "de", title="T", **target)
    subscription = store.mail.subscription(result.subscription_id)
    assert store.mail.confirm(subscription.id, subscription.nonce) == "confirmed"
    assert store.mail.confirm(subscription.id, subscription.nonce) == "used"
    return subscription.id


def _take_all(store) -> None:
    for message in store.mail.claim(100, 60):
        store.mail.mark_sent(message)


def test_a_status_change_queues_a_message_only_for_confirmed_subscribers(store, seed):
    measure = next(m for m in seed.measures if m.status != "abgeschlossen")
    _confirmed(store, measure_id=measure.id)
    store.mail.subscribe("ungefragt@example.org", "de", title="T", measure_id=measure.id)
    _take_all(store)
    store.layers.import_records("measures", [moved_on(measure, "abgeschlossen")])
    [message] = store.mail.claim(100, 60)
    assert message.kind == "measure_status" and message.subscription.email == ADDRESS
    assert message.payload["status"] == "abgeschlossen"


def test_a_failed_import_queues_nothing(store, seed):
    measure = next(m for m in seed.measures if m.status != "abgeschlossen")
    _confirmed(store, measure_id=measure.id)
    _take_all(store)
    broken = dataclasses.replace(seed.measures[1], category=None)  # NOT NULL: the import fails
    with pytest.raises(Exception):  # noqa: B017 - any database error
        store.layers.import_records("measures", [moved_on(measure, "abgeschlossen"), broken])
    assert store.mail.claim(100, 60) == []


def test_claims_never_overlap_and_a_lapsed_lease_is_claimed_again(store):
    add_idea(store, "i1")
    for n in range(6):
        store.mail.subscribe(f"a{n}@example.org", "de", title="T", idea_id="i1")
    first = store.mail.claim(4, 0.5)
    second = store.mail.claim(4, 60)
    assert len(first) == 4 and len(second) == 2
    assert not {m.id for m in first} & {m.id for m in second}
    assert store.mail.claim(4, 60) == []
    time.sleep(0.6)
    again = store.mail.claim(10, 60)
    assert {m.id for m in again} == {m.id for m in first}
    # The first claim is void: it can neither begin sending nor mark anything sent.
    assert not store.mail.begin_sending(first[0])
    assert store.mail.begin_sending(again[0])
    # Once handed over, a message is never claimed again, even when its lease lapses.
    assert again[0].id in store.mail.in_doubt()


def test_a_released_message_waits_for_its_retry_time(store):
    add_idea(store, "i2")
    store.mail.subscribe(ADDRESS, "de", title="T", idea_id="i2")
    [message] = store.mail.claim(10, 60)
    store.mail.release(message, datetime.now(UTC) + timedelta(seconds=60), "ConnectionRefusedError")
    assert store.mail.claim(10, 60) == []
    assert store.mail.pending() == 1


def test_addresses_go_with_the_last_subscription_and_with_the_idea(store):
    add_idea(store, "i3")
    add_idea(store, "i4")
    first = store.mail.subscribe(ADDRESS, "de", title="T", idea_id="i3").subscription_id
    store.mail.subscribe(ADDRESS, "de", title="T", idea_id="i4")
    assert store.mail.counts() == {"addresses": 1, "subscriptions": 2, "outbox": 2}
    nonce = store.mail.subscription(first).nonce
    assert not store.mail.unsubscribe(first, "falsch")
    assert store.mail.unsubscribe(first, nonce)
    assert store.mail.counts() == {"addresses": 1, "subscriptions": 1, "outbox": 1}
    assert store.ideas.withdraw("i4")
    assert store.mail.counts() == {"addresses": 0, "subscriptions": 0, "outbox": 0}


def test_purge_deletes_unconfirmed_and_decided_ideas_subscriptions(store):
    add_idea(store, "i5", state="pending")
    add_idea(store, "i6")
    store.mail.subscribe("offen@example.org", "de", title="T", idea_id="i6")
    subscription_id = _confirmed(store, idea_id="i5")
    store.ideas.approve("i5", "lea")
    later = datetime.now(UTC) + timedelta(days=1)
    assert store.mail.purge(unconfirmed_before=later, decided_before=later) == 2
    assert store.mail.subscription(subscription_id) is None
    assert store.mail.counts()["addresses"] == 0
