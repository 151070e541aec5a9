"""A resident's new idea on SQLite and PostgreSQL: stored whole or not at all, and the
author's request for news made into a subscription by the mail job, exactly once
(measures/storage/intake.py, MailRepository.subscribe_authors)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from measures.domain.model import IdeaContact
from measures.domain.notifications import CONFIRM
from measures.storage import schema
from measures.storage.intake import QuartierChanged
from tests.factories import idea

pytestmark = pytest.mark.both_databases

ADDRESS = "autorin@example.org"


def _submit(store, idea_id: str, email: str = ADDRESS, language: str | None = "de") -> None:
    record = idea(idea_id, state="pending", title=f"Idee {idea_id}")
    store.ideas.add(
        record, IdeaContact(idea_id, "Ayşe", email), f"hash-{idea_id}", notify_language=language
    )


def _rows(store, table: sa.Table) -> list:
    with store.engine.connect() as connection:
        return connection.execute(sa.select(table)).all()


def test_the_intake_stores_the_idea_its_contact_and_history_and_no_subscription_yet(store):
    _submit(store, "neu")
    stored = store.ideas.get("neu", ("pending",))
    assert stored is not None and stored.title == "Idee neu"
    assert store.ideas.by_token("hash-neu").id == "neu"
    assert store.ideas.contact("neu").email == ADDRESS
    assert [(e.action, e.actor) for e in store.ideas.events("neu")] == [("submitted", "resident")]
    [contact] = _rows(store, schema.idea_contacts)
    assert contact.notify_language == "de"
    assert store.mail.counts() == {"addresses": 0, "subscriptions": 0, "outbox": 0}


def test_an_intake_that_fails_halfway_stores_nothing(store):
    # The contact data come after the idea (in the same statement on PostgreSQL); an
    # address that is no text breaks them, and the idea must not stay behind.
    record = idea("halb", state="pending")
    with pytest.raises(sa.exc.IntegrityError):
        store.ideas.add(record, IdeaContact("halb", "Name", None), "hash-halb", "de")
    assert store.ideas.get("halb", ("pending",)) is None
    assert store.ideas.events("halb") == []
    assert _rows(store, schema.idea_contacts) == []
    assert store.mail.counts() == {"addresses": 0, "subscriptions": 0, "outbox": 0}


def test_the_mail_job_subscribes_the_author_once_with_one_request_to_confirm(store):
    _submit(store, "eins")
    _submit(store, "ohne", email="")  # no address: nothing to subscribe
    _submit(store, "still", email="still@example.org", language=None)  # asked for nothing
    assert store.mail.subscribe_authors(10) == 1
    assert store.mail.subscribe_authors(10) == 0
    [message] = store.mail.claim(10, 60)
    assert message.kind == CONFIRM
    assert message.payload == {"title": "Idee eins", "idea_id": "eins", "measure_id": None}
    subscription = message.subscription
    assert (subscription.email, subscription.idea_id, subscription.language) == (
        ADDRESS,
        "eins",
        "de",
    )
    assert subscription.author and not subscription.confirmed
    assert store.mail.counts() == {"addresses": 1, "subscriptions": 1, "outbox": 1}
    assert {c.notify_language for c in _rows(store, schema.idea_contacts)} == {None}


def test_a_request_for_news_goes_with_the_withdrawn_idea(store):
    _submit(store, "weg")
    assert store.ideas.withdraw("weg")
    assert store.mail.subscribe_authors(10) == 0
    assert store.mail.counts() == {"addresses": 0, "subscriptions": 0, "outbox": 0}


def test_an_address_that_follows_the_idea_already_is_not_asked_twice(store):
    _submit(store, "zwei")
    store.mail.subscribe(ADDRESS, "de", title="Idee zwei", idea_id="zwei")
    assert store.mail.subscribe_authors(10) == 1
    assert store.mail.counts() == {"addresses": 1, "subscriptions": 1, "outbox": 1}


def test_senders_subscribing_at_once_subscribe_each_author_once(store):
    ideas = [f"p{n}" for n in range(12)]
    for idea_id in ideas:
        _submit(store, idea_id, email=f"{idea_id}@example.org")
    senders = 3
    start = threading.Barrier(senders)

    def one_sender(_index) -> int:
        start.wait()
        done = 0
        while made := store.mail.subscribe_authors(4):
            done += made
        return done

    with ThreadPoolExecutor(max_workers=senders) as pool:
        made = list(pool.map(one_sender, range(senders)))
    counts = store.mail.counts()
    assert counts == {"addresses": 12, "subscriptions": 12, "outbox": 12}
    assert sum(made) >= 12
    assert sorted(m.subscription.idea_id for m in store.mail.claim(100, 60)) == sorted(ideas)


def test_an_idea_checked_against_quartiere_that_changed_since_is_not_stored(store):
    # The point was checked against the Quartiere as a worker last read them; when a
    # planner changed them in between, nothing goes in and the caller must check again.
    checked_at = store.quartiere.read().version
    [quartier] = store.quartiere.all()
    assert store.quartiere.set_active(quartier.slug, False)
    record = idea("alt", state="pending")
    with pytest.raises(QuartierChanged):
        store.ideas.add(record, IdeaContact("alt", "Ayşe", ADDRESS), "hash-alt", "de", checked_at)
    assert store.ideas.get("alt", ("pending",)) is None
    assert store.ideas.events("alt") == []
    assert _rows(store, schema.idea_contacts) == []
    # Checked against the Quartiere as they are now, the same idea goes in whole.
    now_at = store.quartiere.read().version
    assert now_at != checked_at
    store.ideas.add(record, IdeaContact("alt", "Ayşe", ADDRESS), "hash-alt", "de", now_at)
    assert store.ideas.get("alt", ("pending",)).title == record.title
    assert [e.action for e in store.ideas.events("alt")] == ["submitted"]
    assert len(_rows(store, schema.idea_contacts)) == 1


def test_the_quartiere_as_last_read_are_kept_until_asked_again(store):
    kept = store.quartiere.read()
    [quartier] = kept.profiles
    store.quartiere.set_active(quartier.slug, False)
    # Without asking, the worker's copy; asked again, the change.
    assert store.quartiere.read(recheck=False) is kept
    again = store.quartiere.read()
    assert again.version > kept.version
    assert not again.get(quartier.slug).active
