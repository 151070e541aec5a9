"""Subscriptions to e-mail news, and the messages queued for them with each change.

**Queued with the change.** ``queue_notice`` adds a message for every confirmed
subscriber of an idea or measure on the transaction of the change it tells of (a
decision, an import): the change and its messages are committed together or not at all.

**An author's request, from the mail job.** An author who gives an e-mail address with
a new idea asks for news of it. The intake only notes the request's language with the
contact data (``idea_contacts.notify_language``; ``measures/storage/intake.py``): the
resident's request stays short. Before it claims messages, the sender subscribes those
addresses (``subscribe_authors``): the subscription, the request to confirm it and the
note cleared in one transaction, so each author is subscribed once, whichever of
several senders gets there. An idea withdrawn or deleted before that takes its contact
data, and with them the request, along.

**Told when confirmed.** An author who confirms the address only after the planners'
decision, the Stadtteilbeirat's outcome or the answer to a reported barrier gets that
message then, queued with the confirmation (``_queue_earlier_news``): once, as the
confirmation is, and never besides the message of a change made at the same moment
(``_lock_news_of``). A link used after the retention rules would have deleted the
subscription (``purge``) deletes it instead and queues nothing.

**Sent once**: the sender's steps are ``Outbox`` (``measures/storage/outbox.py``).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from measures.domain.beirat import session_day
from measures.domain.editing import PUBLISHED
from measures.domain.model import Idea
from measures.domain.moderation import measure_id_for
from measures.domain.notifications import (
    CONFIRM,
    Notice,
    barrier_answer_notice,
    beirat_outcome_notice,
    decision_notice,
)
from measures.storage import rows, schema
from measures.storage.outbox import (
    QUEUED,
    SENDING,
    Outbox,
    Subscription,
    subscription_from,
    subscriptions_with_address,
)
from measures.storage.transaction import UPSERTS, Transaction, transaction


@dataclass(frozen=True)
class SubscribeResult:
    subscription_id: int
    # False when the address follows this already (confirmed or waiting): nothing queued.
    new: bool


def _enqueue(tx: Transaction, subscription_ids: Iterable[int], notice: Notice) -> int:
    """One outbox row per subscription, due now."""
    values = [
        {
            "subscription_id": subscription_id,
            "kind": notice.kind,
            "payload": notice.payload,
            "created_at": tx.at,
            "state": QUEUED,
            "attempts": 0,
            "next_attempt_at": tx.at,
        }
        for subscription_id in subscription_ids
    ]
    if values:
        tx.connection.execute(schema.mail_outbox.insert(), values)
    return len(values)


def _target(idea_id: str | None, measure_id: str | None, barrier_report_id: str | None):
    s = schema.subscriptions
    if idea_id is not None:
        return s.c.idea_id == idea_id
    if barrier_report_id is not None:
        return s.c.barrier_report_id == barrier_report_id
    return s.c.measure_id == measure_id


def subscribe(
    tx: Transaction,
    email: str,
    language: str,
    *,
    idea_id: str | None = None,
    measure_id: str | None = None,
    barrier_report_id: str | None = None,
    author: bool = False,
    title: str,
    new_target: bool = False,
) -> SubscribeResult:
    """An unconfirmed subscription of ``email`` to an idea, a measure or a reported
    barrier, and the message that asks to confirm it, on the caller's transaction.
    ``new_target``: the idea or report was stored in this transaction, so nobody can
    follow it yet (one query less)."""
    a, s = schema.mail_addresses, schema.subscriptions
    connection = tx.connection
    # One statement whether the address is known or not: the no-op update makes the
    # database return the id of the row that is there.
    insert = UPSERTS[connection.dialect.name](a).values(email=email)
    address_id = connection.execute(
        insert.on_conflict_do_update(
            index_elements=["email"], set_={"email": insert.excluded.email}
        ).returning(a.c.id)
    ).scalar_one()
    target = _target(idea_id, measure_id, barrier_report_id)
    existing = (
        None
        if new_target
        else connection.execute(
            sa.select(s.c.id).where(s.c.address_id == address_id, target)
        ).scalar()
    )
    if existing is not None:
        # Asking again neither sends a second request to confirm nor says to a stranger
        # whether this address follows it already.
        return SubscribeResult(existing, new=False)
    subscription_id = connection.execute(
        s.insert().returning(s.c.id),
        {
            "address_id": address_id,
            "idea_id": idea_id,
            "measure_id": measure_id,
            "barrier_report_id": barrier_report_id,
            "author": author,
            "language": language,
            "nonce": secrets.token_hex(16),
            "created_at": tx.at,
        },
    ).scalar_one()
    payload = {"title": title, "idea_id": idea_id, "measure_id": measure_id}
    if barrier_report_id is not None:
        payload["barrier_report_id"] = barrier_report_id
    _enqueue(tx, [subscription_id], Notice(CONFIRM, payload))
    return SubscribeResult(subscription_id, new=True)


def queue_notice(
    tx: Transaction, notice: Notice, *, idea_id: str | None = None, measure_id: str | None = None
) -> int:
    """Queue ``notice`` for every confirmed subscriber of the idea or measure."""
    s = schema.subscriptions
    target = s.c.idea_id == idea_id if idea_id is not None else s.c.measure_id == measure_id
    confirmed = tx.connection.execute(
        sa.select(s.c.id).where(target, s.c.confirmed_at.is_not(None)).order_by(s.c.id)
    ).scalars()
    return _enqueue(tx, list(confirmed), notice)


def queue_author_notice(
    tx: Transaction,
    notice: Notice,
    *,
    idea_id: str | None = None,
    barrier_report_id: str | None = None,
) -> int:
    """Queue ``notice`` for the confirmed author of an idea or reporter of a barrier only
    (news from their private status page; someone following the idea hears nothing)."""
    s = schema.subscriptions
    confirmed = tx.connection.execute(
        sa.select(s.c.id)
        .where(
            _target(idea_id, None, barrier_report_id),
            s.c.author.is_(True),
            s.c.confirmed_at.is_not(None),
        )
        .order_by(s.c.id)
    ).scalars()
    return _enqueue(tx, list(confirmed), notice)


def _is_published(tx: Transaction, measure_id: str) -> bool:
    m = schema.measures
    published = sa.select(m.c.id).where(m.c.id == measure_id, m.c.publication == PUBLISHED)
    return tx.connection.execute(published).first() is not None


def queue_conversion_news(tx: Transaction, measure_id: str) -> None:
    """A measure made of an idea goes public (call before its version is written): the
    first time, the idea's subscribers hear of it; its page is there from now on."""
    v, i = schema.record_versions, schema.ideas
    published_before = tx.connection.execute(
        sa.select(v.c.id).where(
            v.c.layer == "measures", v.c.record_id == measure_id, v.c.action == "published"
        )
    ).first()
    if published_before is not None:
        return
    found = tx.connection.execute(
        sa.select(i).where(i.c.measure_id == measure_id, i.c.moderation_state != "deleted")
    )
    for row in found:
        idea = rows.from_row("ideas", row)
        # Made of this idea, not one that a planner linked to it later ("aufgegriffen").
        if measure_id_for(idea.id) == measure_id:
            notice = decision_notice(idea, "converted", {"measure_id": measure_id})
            queue_notice(tx, notice, idea_id=idea.id)


def _lock_news_of(tx: Transaction, idea_id: str | None, barrier_report_id: str | None) -> None:
    """Lock (PostgreSQL) the row whose news an author's confirmation may bring: the
    reported barrier, or the idea. Its writers take the same row first — an answer locks
    the report, a planner's decision updates the idea, a Beirat outcome on it shares its
    lock (``BeiratRepository.record_outcome``) — so of a confirmation and such a change at
    once, one waits for the other: either the change finds the address confirmed, or the
    confirmation finds the change; never neither, never both."""
    if barrier_report_id is not None:
        table, key = schema.barrier_reports, barrier_report_id
    elif idea_id is not None:
        table, key = schema.ideas, idea_id
    else:
        return
    tx.connection.execute(sa.select(table.c.id).where(table.c.id == key).with_for_update()).first()


def _latest_beirat_outcome(tx: Transaction, idea: Idea) -> Notice | None:
    """The Stadtteilbeirat's outcome on the idea at its latest session that recorded one,
    as the message its author would have had then (``BeiratRepository.record_outcome``)."""
    i, se = schema.beirat_items, schema.beirat_sessions
    row = tx.connection.execute(
        sa.select(i.c.outcome, se.c.starts_at)
        .join(se, se.c.id == i.c.session_id)
        .where(i.c.kind == "idea", i.c.ref == idea.id, i.c.outcome.is_not(None))
        .order_by(se.c.starts_at.desc(), i.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    day = session_day(rows.utc(row.starts_at))
    return beirat_outcome_notice(idea.id, idea.title, None, row.outcome, day)


def _queue_earlier_news(tx: Transaction, subscription_id: int) -> None:
    """An author who confirms after the planners decided on the idea (or answered the
    reported barrier), or after the Stadtteilbeirat recorded an outcome on it, hears it
    now, once: what the author would have had, confirmed at the time. Called with the
    confirmation, after ``_lock_news_of``; the message is written in the subscription's
    language (the one noted with the idea, ``idea_contacts.notify_language``)."""
    s, i, b = schema.subscriptions, schema.ideas, schema.barrier_reports
    answered = tx.connection.execute(
        sa.select(b.c.id)
        .join(s, s.c.barrier_report_id == b.c.id)
        .where(s.c.id == subscription_id, s.c.author, b.c.answered_at.is_not(None))
    ).scalar()
    if answered is not None:
        _enqueue(tx, [subscription_id], barrier_answer_notice(answered))
        return
    row = tx.connection.execute(
        sa.select(i).join(s, s.c.idea_id == i.c.id).where(s.c.id == subscription_id, s.c.author)
    ).first()
    if row is None:
        return
    idea = rows.from_row("ideas", row)
    if idea.moderation_state == "deleted":
        return
    action = None
    if idea.measure_id and _is_published(tx, idea.measure_id):
        action = "converted"
    elif idea.moderation_state in ("approved", "rejected"):
        action = idea.moderation_state
    if action is not None:
        changes = {"moderation_reason": idea.moderation_reason, "measure_id": idea.measure_id}
        notice = decision_notice(idea, action, changes)
        if notice is not None:
            _enqueue(tx, [subscription_id], notice)
    outcome = _latest_beirat_outcome(tx, idea)
    if outcome is not None:
        _enqueue(tx, [subscription_id], outcome)


def _expired(unconfirmed_before: datetime | None, decided_before: datetime | None):
    """The subscriptions that the retention rules delete (``MailRepository.purge``):
    never confirmed in time, or of an idea decided or a reported barrier answered before
    the contact retention ends. A rule left None is not applied; both None: none."""
    s, i, b = schema.subscriptions, schema.ideas, schema.barrier_reports
    rules = []
    if unconfirmed_before is not None:
        rules.append(sa.and_(s.c.confirmed_at.is_(None), s.c.created_at < unconfirmed_before))
    if decided_before is not None:
        decided = sa.select(i.c.id).where(
            i.c.decided_at.is_not(None), i.c.decided_at < decided_before
        )
        answered = sa.select(b.c.id).where(
            b.c.answered_at.is_not(None), b.c.answered_at < decided_before
        )
        rules += [s.c.idea_id.in_(decided), s.c.barrier_report_id.in_(answered)]
    return sa.or_(*rules) if rules else None


def drop_idea_subscriptions(tx: Transaction, idea_id: str) -> None:
    """Delete the subscriptions of an idea (and with them their queued messages), then
    every address no subscription needs any more."""
    s = schema.subscriptions
    # The idea's row before its subscriptions' rows, the order of a confirmation
    # (``MailRepository.confirm``): at the same moment, one of them waits for the other
    # instead of both for each other.
    _lock_news_of(tx, idea_id, None)
    tx.connection.execute(s.delete().where(s.c.idea_id == idea_id))
    drop_unneeded_addresses(tx.connection)


def drop_unneeded_addresses(connection: sa.Connection) -> int:
    a, s = schema.mail_addresses, schema.subscriptions
    needed = sa.select(s.c.address_id)
    return connection.execute(a.delete().where(a.c.id.not_in(needed))).rowcount


class MailRepository(Outbox):
    """Subscriptions and the queue of their messages; sending: ``Outbox``."""

    def __init__(self, engine: Engine):
        self.engine = engine

    # -- residents -----------------------------------------------------------------------

    def subscribe(
        self,
        email: str,
        language: str,
        *,
        idea_id: str | None = None,
        measure_id: str | None = None,
        title: str,
    ) -> SubscribeResult:
        """Someone asks for news of a public idea or a measure ("Benachrichtigen")."""
        with transaction(self.engine) as tx:
            return subscribe(
                tx, email, language, idea_id=idea_id, measure_id=measure_id, title=title
            )

    def subscribe_authors(self, limit: int) -> int:
        """Subscribe up to ``limit`` authors who asked for news with their idea, as its
        author and unconfirmed, with the request to confirm; how many (see the module)."""
        c, i = schema.idea_contacts, schema.ideas
        with transaction(self.engine) as tx:
            waiting = (
                sa.select(c.c.idea_id, c.c.email, c.c.notify_language, i.c.title)
                .join(i, i.c.id == c.c.idea_id)
                .where(c.c.notify_language.is_not(None))
                .order_by(c.c.idea_id)
                .limit(limit)
            )
            if tx.connection.dialect.name == "postgresql":
                # Another sender passes over the rows this one is subscribing.
                waiting = waiting.with_for_update(of=c, skip_locked=True)
            found = tx.connection.execute(waiting).all()
            for row in found:
                subscribe(
                    tx,
                    row.email,
                    row.notify_language,
                    idea_id=row.idea_id,
                    author=True,
                    title=row.title,
                )
            if found:
                tx.connection.execute(
                    c.update()
                    .where(c.c.idea_id.in_([row.idea_id for row in found]))
                    .values(notify_language=None)
                )
        return len(found)

    def subscription(self, subscription_id: int) -> Subscription | None:
        s = schema.subscriptions
        with self.engine.connect() as connection:
            row = connection.execute(
                subscriptions_with_address().where(s.c.id == subscription_id)
            ).first()
        return subscription_from(row) if row is not None else None

    def confirm(
        self,
        subscription_id: int,
        nonce: str,
        *,
        unconfirmed_before: datetime | None = None,
        decided_before: datetime | None = None,
    ) -> str:
        """Confirm a subscription: "confirmed", "used" (done before), "gone", or
        "expired": kept past the retention rules (the cutoffs as for ``purge``; None: not
        applied), it is deleted now as the purge would have, and nothing is sent.

        Confirmed, an author hears at once what was decided or answered before (see
        ``_queue_earlier_news``), in this transaction: a confirmation that fails queues
        nothing, and a second one finds the first and queues nothing again."""
        s = schema.subscriptions
        with transaction(self.engine) as tx:
            row = tx.connection.execute(
                sa.select(
                    s.c.nonce, s.c.confirmed_at, s.c.author, s.c.idea_id, s.c.barrier_report_id
                ).where(s.c.id == subscription_id)
            ).first()
            if row is None or not secrets.compare_digest(row.nonce, nonce):
                return "gone"
            if row.confirmed_at is not None:
                return "used"
            if row.author:
                # Before the subscription's row, the order of the idea's deletion too
                # (drop_idea_subscriptions): at once, one waits, neither deadlocks.
                _lock_news_of(tx, row.idea_id, row.barrier_report_id)
            expired = _expired(unconfirmed_before, decided_before)
            if (
                expired is not None
                and tx.connection.execute(
                    sa.select(s.c.id).where(s.c.id == subscription_id, expired)
                ).first()
            ):
                tx.connection.execute(s.delete().where(s.c.id == subscription_id))
                drop_unneeded_addresses(tx.connection)
                return "expired"
            # The news is read after this write: on SQLite it starts the transaction and
            # takes the one writer's lock, so no decision or outcome slips in between.
            updated = tx.connection.execute(
                s.update()
                .where(s.c.id == subscription_id, s.c.confirmed_at.is_(None))
                .values(confirmed_at=tx.at)
            ).rowcount
            if not updated:
                return "used"
            _queue_earlier_news(tx, subscription_id)
            return "confirmed"

    def unsubscribe(self, subscription_id: int, nonce: str) -> bool:
        """Delete a subscription, its queued messages and, if nothing else needs it, the
        address. False when there is no such subscription (any more)."""
        s = schema.subscriptions
        with transaction(self.engine) as tx:
            row = tx.connection.execute(
                sa.select(s.c.nonce).where(s.c.id == subscription_id)
            ).first()
            if row is None or not secrets.compare_digest(row.nonce, nonce):
                return False
            tx.connection.execute(s.delete().where(s.c.id == subscription_id))
            drop_unneeded_addresses(tx.connection)
        return True

    def purge(self, unconfirmed_before: datetime, decided_before: datetime) -> int:
        """Delete subscriptions never confirmed in time and those of ideas decided before
        the contact retention ends, and those of reported barriers answered before then
        (as the report's own address); then the addresses nothing needs. Returns how many
        subscriptions went."""
        s, o = schema.subscriptions, schema.mail_outbox
        with transaction(self.engine) as tx:
            count = tx.connection.execute(
                s.delete().where(_expired(unconfirmed_before, decided_before))
            ).rowcount
            # Messages in doubt for more than a day: nobody will resolve them any more.
            tx.connection.execute(
                o.delete().where(o.c.state == SENDING, o.c.created_at < tx.at - timedelta(days=1))
            )
            drop_unneeded_addresses(tx.connection)
        return count

    def counts(self) -> dict[str, int]:
        """How many addresses and subscriptions are stored (for tests and the operator)."""
        with self.engine.connect() as connection:
            return {
                name: connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                for name, table in (
                    ("addresses", schema.mail_addresses),
                    ("subscriptions", schema.subscriptions),
                    ("outbox", schema.mail_outbox),
                )
            }
