"""Comments on SQLite and PostgreSQL: stored with their log entry, shown once freed,
reported back into the queue, moderated once, and the news of an answer queued with it."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from measures.domain.comments import HIDDEN, PENDING, SHOWN, validate_comment
from measures.domain.errors import Conflict
from tests.factories import add_idea

pytestmark = pytest.mark.both_databases

ADDRESS = "nachbar@example.org"


def _comment(target, target_id, text="Gute Idee!", parent=None, **options):
    data = {"text": text, "name": "Nachbarin", "parent_id": parent.id if parent else ""}
    return validate_comment(data, target, target_id, parent, **options)


def _confirmed(store, **target) -> None:
    result = store.mail.subscribe(ADDRESS, "de", title="T", **target)
    subscription = store.mail.subscription(result.subscription_id)
    assert store.mail.confirm(subscription.id, subscription.nonce) == "confirmed"
    for message in store.mail.claim(100, 60):  # the confirmation itself is not counted
        store.mail.mark_sent(message)


def _events(store) -> list[tuple[str, str, str]]:
    return [(e.idea_id, e.action, e.actor) for e in reversed(store.comments.events())]


def test_a_comment_waits_is_freed_reported_and_hidden_with_every_step_logged(store):
    add_idea(store, "i1")
    comment = _comment("ideas", "i1")
    store.comments.add(comment)
    assert store.comments.shown("ideas", "i1") == []
    assert [c.id for c in store.comments.queue()] == [comment.id]

    store.comments.approve(comment.id, "lea")
    [shown] = store.comments.shown("ideas", "i1")
    assert shown.text == "Gute Idee!" and shown.author_name == "Nachbarin"
    assert store.comments.counts("ideas") == {"i1": 1}
    assert store.comments.queue() == []
    with pytest.raises(Conflict):
        store.comments.approve(comment.id, "tom")

    store.comments.report(comment.id)
    store.comments.report(comment.id)
    assert [c.id for c in store.comments.queue()] == [comment.id]
    assert store.comments.shown("ideas", "i1"), "a report alone hides nothing"

    store.comments.reject(comment.id, "tom", "Beleidigend")
    assert store.comments.shown("ideas", "i1") == [] and store.comments.queue() == []
    assert store.comments.get(comment.id).state == HIDDEN
    with pytest.raises(Conflict):
        store.comments.reject(comment.id, "lea", "Nochmal")
    with pytest.raises(Conflict):
        store.comments.report(comment.id)
    assert _events(store) == [
        (comment.id, "submitted", "resident"),
        (comment.id, "approved", "lea"),
        (comment.id, "reported", "resident"),
        (comment.id, "reported", "resident"),
        (comment.id, "rejected", "tom"),
    ]
    with pytest.raises(LookupError):
        store.comments.approve("nicht-da", "lea")


def test_keeping_a_reported_comment_clears_its_report(store, seed):
    measure_id = seed.measures[0].id
    comment = _comment("measures", measure_id, post_moderation=True)
    assert comment.state == SHOWN
    store.comments.add(comment)
    store.comments.report(comment.id)
    store.comments.approve(comment.id, "lea")
    assert store.comments.queue() == []
    assert store.comments.get(comment.id).reported_at is None
    assert store.comments.counts("measures") == {measure_id: 1}


def test_an_official_answer_queues_news_for_confirmed_followers_in_its_transaction(store, seed):
    measure = seed.measures[0]
    _confirmed(store, measure_id=measure.id)
    store.mail.subscribe("unbestaetigt@example.org", "de", title="T", measure_id=measure.id)
    first = _comment("measures", measure.id)
    store.comments.add(first)
    assert store.mail.claim(100, 60)[1:] == [], "a first comment is no news"
    store.comments.approve(first.id, "lea")
    answer = _comment(
        "measures", measure.id, "Wir prüfen das.", store.comments.get(first.id), official=True
    )
    assert answer.state == SHOWN and answer.author_name == ""
    store.comments.add(answer, actor="lea")
    messages = [m for m in store.mail.claim(100, 60) if m.kind != "confirm"]
    assert [(m.kind, m.subscription.email) for m in messages] == [("answer", ADDRESS)]
    assert messages[0].payload["text"] == "Wir prüfen das."
    assert messages[0].payload["title"] == measure.title


def test_a_reply_is_news_once_freed_not_before(store):
    add_idea(store, "i2")
    _confirmed(store, idea_id="i2")
    first = _comment("ideas", "i2", post_moderation=True)
    store.comments.add(first)
    reply = _comment("ideas", "i2", "Finde ich auch.", store.comments.get(first.id))
    assert reply.state == PENDING
    store.comments.add(reply)
    assert store.mail.claim(100, 60) == []
    store.comments.approve(reply.id, "lea")
    [message] = store.mail.claim(100, 60)
    assert message.kind == "reply" and message.payload["name"] == "Nachbarin"
    assert store.comments.counts("ideas") == {"i2": 2}

    # Hiding the first comment takes its thread with it: the reply is neither shown nor counted.
    store.comments.reject(first.id, "lea", "Beleidigend")
    assert store.comments.shown("ideas", "i2") == [] and store.comments.counts("ideas") == {}


def test_a_failing_step_stores_neither_comment_nor_news(store, seed, monkeypatch):
    measure = seed.measures[0]
    _confirmed(store, measure_id=measure.id)
    from measures.storage import comments

    def broken(*args, **kwargs):
        raise RuntimeError("the outbox is broken")

    monkeypatch.setattr(comments.mail, "queue_notice", broken)
    answer = _comment("measures", measure.id, official=True)
    with pytest.raises(RuntimeError):
        store.comments.add(answer, actor="lea")
    assert store.comments.get(answer.id) is None and store.comments.events() == []


def test_comments_go_with_their_idea(store):
    add_idea(store, "i3")
    comment = _comment("ideas", "i3", post_moderation=True)
    store.comments.add(comment)
    store.ideas.delete("i3", "lea")
    assert store.comments.get(comment.id) is None
    add_idea(store, "i4")
    other = _comment("ideas", "i4", post_moderation=True)
    store.comments.add(other)
    assert store.ideas.withdraw("i4")
    with store.engine.connect() as connection:
        left = connection.execute(sa.text("SELECT count(*) FROM comment_events")).scalar()
    assert store.comments.get(other.id) is None and left == 0


def test_hidden_comments_are_purged_after_the_retention_time(store):
    add_idea(store, "i5")
    hidden, kept = (_comment("ideas", "i5", post_moderation=True) for _ in range(2))
    store.comments.add(hidden)
    store.comments.add(kept)
    store.comments.reject(hidden.id, "lea", "Werbung")
    now = datetime.now(UTC)
    assert store.comments.purge_hidden(now - timedelta(days=1)) == 0
    assert store.comments.purge_hidden(now + timedelta(seconds=1)) == 1
    assert store.comments.get(hidden.id) is None and store.comments.get(kept.id) is not None


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_of_planners_moderating_one_comment_at_once_one_acts(store, action):
    """The rest are refused (Conflict) and the log holds one entry of the action."""
    add_idea(store, "i6")
    comment = _comment("ideas", "i6")
    store.comments.add(comment)
    planners = 4
    start = threading.Barrier(planners)

    def one_planner(index):
        start.wait()
        try:
            if action == "approve":
                store.comments.approve(comment.id, f"p{index}")
            else:
                store.comments.reject(comment.id, f"p{index}", "Werbung")
        except Conflict:
            return "refused"
        return "done"

    with ThreadPoolExecutor(max_workers=planners) as pool:
        outcomes = sorted(pool.map(one_planner, range(planners)))
    assert outcomes == ["done"] + ["refused"] * (planners - 1)
    actions = [a for _, a, _ in _events(store)]
    assert actions == ["submitted", "approved" if action == "approve" else "rejected"]
