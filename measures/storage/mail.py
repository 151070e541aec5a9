"""Subscriptions to e-mail news and the outbox of messages to send.

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

**Sent once.** A sender first *claims* a few due messages: on PostgreSQL it reads them
``FOR UPDATE SKIP LOCKED``, so that several senders never read the same row, and writes
a lease (``claimed_until``) and a random ``claim``; the UPDATE only takes rows whose lease
is free, which also keeps a second sender on SQLite (one writer at a time) from taking a
claimed row. Then, per message:

1. ``begin_sending``: just before the text goes to the mail server (SMTP ``DATA``), the
   row becomes ``state = 'sending'`` (committed) — only if the claim is still ours;
2. the server answers 250 (accepted): ``mark_sent`` deletes the row. It answers with an
   error, or the connection breaks while the sender lives: ``release`` puts the row back
   to ``queued`` with a later ``next_attempt_at`` (backoff).

**A crash** (the process killed, the machine down) leaves the row as it was:

- before step 1 (connecting, MAIL FROM, RCPT TO): still ``queued``; once the lease runs
  out another sender (or the next start) claims it again. The server holds no copy of a
  message before DATA, so it is sent once.
- after step 1 (during DATA, or between the server's 250 and ``mark_sent``): the row
  stays ``sending`` and is **never sent again**. The server may have accepted it or not;
  nobody can know. We choose *at most once* here: a resident who gets a message twice
  learns to distrust it, one who misses a status step can read it on the page. Such
  rows are counted by ``in_doubt`` (the sender logs their ids, no addresses) and removed
  with the subscription or by ``purge``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from measures.domain.editing import PUBLISHED
from measures.domain.moderation import measure_id_for
from measures.domain.notifications import (
    CONFIRM,
    Notice,
    barrier_answer_notice,
    decision_notice,
)
from measures.storage import rows, schema
from measures.storage.transaction import UPSERTS, Transaction, transaction

QUEUED, SENDING = "queued", "sending"


@dataclass(frozen=True)
class Subscription:
    id: int
    email: str
    idea_id: str | None
    measure_id: str | None
    author: bool
    language: str
    nonce: str
    confirmed: bool
    # The reported barrier whose answer is asked for (then ``author`` is true).
    barrier_report_id: str | None = None


@dataclass(frozen=True)
class Claimed:
    """A message a sender has claimed: what to render and whom to send it to."""

    id: int
    claim: str
    kind: str
    payload: dict
    attempts: int
    subscription: Subscription


@dataclass(frozen=True)
class SubscribeResult:
    subscription_id: int
    # False when the address follows this already (confirmed or waiting): nothing queued.
    new: bool


def _subscription_from(row) -> Subscription:
    return Subscription(
        id=row.id,
        email=row.email,
        idea_id=row.idea_id,
        measure_id=row.measure_id,
        author=bool(row.author),
        language=row.language,
        nonce=row.nonce,
        confirmed=row.confirmed_at is not None,
        barrier_report_id=row.barrier_report_id,
    )


def _subscriptions_with_address():
    s, a = schema.subscriptions, schema.mail_addresses
    return sa.select(
        s.c.id,
        a.c.email,
        s.c.idea_id,
        s.c.measure_id,
        s.c.author,
        s.c.language,
        s.c.nonce,
        s.c.confirmed_at,
        s.c.barrier_report_id,
    ).join(a, a.c.id == s.c.address_id)


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


def _queue_earlier_decision(tx: Transaction, subscription_id: int) -> None:
    """An author who confirms after the planners decided (or answered the reported
    barrier) hears the decision now."""
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
    if idea.measure_id and _is_published(tx, idea.measure_id):
        action = "converted"
    elif idea.moderation_state in ("approved", "rejected"):
        action = idea.moderation_state
    else:
        return
    changes = {"moderation_reason": idea.moderation_reason, "measure_id": idea.measure_id}
    notice = decision_notice(idea, action, changes)
    if notice is not None:
        _enqueue(tx, [subscription_id], notice)


def drop_idea_subscriptions(tx: Transaction, idea_id: str) -> None:
    """Delete the subscriptions of an idea (and with them their queued messages), then
    every address no subscription needs any more."""
    s = schema.subscriptions
    tx.connection.execute(s.delete().where(s.c.idea_id == idea_id))
    drop_unneeded_addresses(tx.connection)


def drop_unneeded_addresses(connection: sa.Connection) -> int:
    a, s = schema.mail_addresses, schema.subscriptions
    needed = sa.select(s.c.address_id)
    return connection.execute(a.delete().where(a.c.id.not_in(needed))).rowcount


class MailRepository:
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
                _subscriptions_with_address().where(s.c.id == subscription_id)
            ).first()
        return _subscription_from(row) if row is not None else None

    def confirm(self, subscription_id: int, nonce: str) -> str:
        """Confirm a subscription: "confirmed", "used" (done before) or "gone"."""
        s = schema.subscriptions
        with transaction(self.engine) as tx:
            row = tx.connection.execute(
                sa.select(s.c.nonce, s.c.confirmed_at).where(s.c.id == subscription_id)
            ).first()
            if row is None or not secrets.compare_digest(row.nonce, nonce):
                return "gone"
            if row.confirmed_at is not None:
                return "used"
            updated = tx.connection.execute(
                s.update()
                .where(s.c.id == subscription_id, s.c.confirmed_at.is_(None))
                .values(confirmed_at=tx.at)
            ).rowcount
            if not updated:
                return "used"
            _queue_earlier_decision(tx, subscription_id)
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

    # -- the sender ----------------------------------------------------------------------

    def claim(self, limit: int, lease_s: float) -> list[Claimed]:
        """Claim up to ``limit`` due messages for ``lease_s`` seconds (see the module)."""
        o = schema.mail_outbox
        claim = secrets.token_hex(16)
        with transaction(self.engine) as tx:
            free = sa.or_(o.c.claimed_until.is_(None), o.c.claimed_until < tx.at)
            due = (
                sa.select(o.c.id)
                .where(o.c.state == QUEUED, o.c.next_attempt_at <= tx.at, free)
                .order_by(o.c.next_attempt_at, o.c.id)
                .limit(limit)
            )
            if tx.connection.dialect.name == "postgresql":
                due = due.with_for_update(skip_locked=True)
            ids = list(tx.connection.execute(due).scalars())
            if not ids:
                return []
            # The same conditions again: on SQLite the SELECT locks nothing, and another
            # sender may have claimed a row between it and this UPDATE.
            tx.connection.execute(
                o.update()
                .where(o.c.id.in_(ids), o.c.state == QUEUED, free)
                .values(
                    claim=claim,
                    claimed_until=tx.at + timedelta(seconds=lease_s),
                )
            )
            s = schema.subscriptions
            found = tx.connection.execute(
                _subscriptions_with_address()
                .add_columns(o.c.id.label("outbox_id"), o.c.kind, o.c.payload, o.c.attempts)
                .join(o, o.c.subscription_id == s.c.id)
                .where(o.c.claim == claim)
                .order_by(o.c.id)
            ).all()
        return [
            Claimed(r.outbox_id, claim, r.kind, r.payload, r.attempts, _subscription_from(r))
            for r in found
        ]

    def begin_sending(self, message: Claimed) -> bool:
        """Mark a claimed message as being handed to the mail server; False if the claim
        was lost (the lease ran out and another sender took it, or it was unsubscribed)."""
        o = schema.mail_outbox
        with transaction(self.engine) as tx:
            return bool(
                tx.connection.execute(
                    o.update()
                    .where(o.c.id == message.id, o.c.claim == message.claim, o.c.state == QUEUED)
                    .values(state=SENDING)
                ).rowcount
            )

    def mark_sent(self, message: Claimed) -> None:
        o = schema.mail_outbox
        with transaction(self.engine) as tx:
            tx.connection.execute(
                o.delete().where(o.c.id == message.id, o.c.claim == message.claim)
            )

    def release(self, message: Claimed, retry_at: datetime, error: str) -> None:
        """Back to the queue after a failure the sender saw, due again at ``retry_at``."""
        o = schema.mail_outbox
        with transaction(self.engine) as tx:
            tx.connection.execute(
                o.update()
                .where(o.c.id == message.id, o.c.claim == message.claim)
                .values(
                    state=QUEUED,
                    claim=None,
                    claimed_until=None,
                    attempts=o.c.attempts + 1,
                    next_attempt_at=retry_at,
                    last_error=error[:80],
                )
            )

    def drop(self, message: Claimed) -> None:
        """Give a message up (refused for good by the server, or tried too often)."""
        self.mark_sent(message)

    # -- looking after the queue ---------------------------------------------------------

    def pending(self) -> int:
        o = schema.mail_outbox
        with self.engine.connect() as connection:
            return connection.execute(
                sa.select(sa.func.count()).select_from(o).where(o.c.state == QUEUED)
            ).scalar_one()

    def in_doubt(self) -> list[int]:
        """Messages whose sender died while handing them over (see the module)."""
        o = schema.mail_outbox
        with self.engine.connect() as connection:
            return list(
                connection.execute(
                    sa.select(o.c.id).where(o.c.state == SENDING).order_by(o.c.id)
                ).scalars()
            )

    def next_due(self) -> datetime | None:
        o = schema.mail_outbox
        with self.engine.connect() as connection:
            return rows.utc(
                connection.execute(
                    sa.select(sa.func.min(o.c.next_attempt_at)).where(o.c.state == QUEUED)
                ).scalar()
            )

    def purge(self, unconfirmed_before: datetime, decided_before: datetime) -> int:
        """Delete subscriptions never confirmed in time and those of ideas decided before
        the contact retention ends, and those of reported barriers answered before then
        (as the report's own address); then the addresses nothing needs. Returns how many
        subscriptions went."""
        s, i, o = schema.subscriptions, schema.ideas, schema.mail_outbox
        b = schema.barrier_reports
        decided = sa.select(i.c.id).where(
            i.c.decided_at.is_not(None), i.c.decided_at < decided_before
        )
        answered = sa.select(b.c.id).where(
            b.c.answered_at.is_not(None), b.c.answered_at < decided_before
        )
        with transaction(self.engine) as tx:
            count = tx.connection.execute(
                s.delete().where(
                    sa.or_(
                        sa.and_(s.c.confirmed_at.is_(None), s.c.created_at < unconfirmed_before),
                        s.c.idea_id.in_(decided),
                        s.c.barrier_report_id.in_(answered),
                    )
                )
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
