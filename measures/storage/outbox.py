"""The outbox's sending side: claiming due messages, handing them over, looking after the queue.

Messages are queued with the change they tell of (``measures/storage/mail.py``); a sender
(``app/mail_sender.py``) takes them from here.

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
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from measures.storage import rows, schema
from measures.storage.transaction import transaction

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


def subscription_from(row) -> Subscription:
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


def subscriptions_with_address():
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


class Outbox:
    """The sender's steps on the outbox; ``MailRepository`` is one."""

    engine: Engine

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
                subscriptions_with_address()
                .add_columns(o.c.id.label("outbox_id"), o.c.kind, o.c.payload, o.c.attempts)
                .join(o, o.c.subscription_id == s.c.id)
                .where(o.c.claim == claim)
                .order_by(o.c.id)
            ).all()
        return [
            Claimed(r.outbox_id, claim, r.kind, r.payload, r.attempts, subscription_from(r))
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
