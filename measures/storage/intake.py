"""A resident's new idea, stored whole in as few statements as the database allows.

The intake is the busiest write of the site (issue 21). What it stores goes in at once
or not at all: the idea, its contact data, the first entry of its history and, with an
e-mail address to notify, the address, the author's unconfirmed subscription and the
message that asks to confirm it.

On PostgreSQL that is **one statement**: the INSERTs are chained with ``WITH`` (each
takes the ids the one before returned), and it runs without ``BEGIN``/``COMMIT``
around it. A single statement is a transaction of its own: its rows commit together,
durably, or on any error (a constraint, a lost connection) none of them does. So the
intake costs one round trip to the server instead of eight (``BEGIN``, six INSERTs,
``COMMIT``), each of which waits for the server's turn on a busy machine.

SQLite cannot chain INSERTs with ``WITH``; there the same rows go in as one statement
each, in one transaction (``IdeaRepository.add``), which costs no round trips: the
database runs in the worker's own process.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from measures.domain.model import Idea, IdeaContact
from measures.domain.notifications import CONFIRM
from measures.storage import rows, schema
from measures.storage.mail import QUEUED


def _param(column: sa.Column, name: str | None = None) -> sa.BindParameter:
    """A parameter bound with the column's type (JSON, times, booleans converted alike)."""
    return sa.bindparam(name or column.name, type_=column.type)


@cache
def _statement(with_contact: bool, with_subscription: bool) -> sa.Select:
    """The intake as one PostgreSQL statement, built once for each shape of intake.

    Built from the tables' metadata, so a new column cannot be forgotten here; its
    parameters are those of ``parameters``.
    """
    i, c, e = schema.ideas, schema.idea_contacts, schema.idea_events
    a, s, o = schema.mail_addresses, schema.subscriptions, schema.mail_outbox
    # The idea's values by names of their own: a parameter named like a column of the
    # address upsert below ("id") would become a value of that INSERT.
    idea = (
        i.insert()
        .values({column.name: _param(column, f"idea_{column.name}") for column in i.c})
        .returning(i.c.id, i.c.quartier)
        .cte("new_idea")
    )
    written = []
    if with_contact:
        contact = c.insert().from_select(
            ["idea_id", "author_name", "email"],
            sa.select(idea.c.id, _param(c.c.author_name), _param(c.c.email)),
        )
        written.append(contact.cte("new_contact"))
    event = e.insert().from_select(
        ["idea_id", "quartier", "at", "action", "reason", "actor"],
        sa.select(
            idea.c.id,
            idea.c.quartier,
            _param(e.c.at, "event_at"),
            sa.literal("submitted", e.c.action.type),
            sa.literal("", e.c.reason.type),
            sa.literal("resident", e.c.actor.type),
        ),
    )
    written.append(event.cte("new_event"))
    if with_subscription:
        # The no-op update makes the database return the id of an address it knows.
        upsert = postgresql.insert(a).values(email=_param(c.c.email))
        address = upsert.on_conflict_do_update(
            index_elements=["email"], set_={"email": upsert.excluded.email}
        ).returning(a.c.id)
        address = address.cte("new_address")
        subscription = (
            s.insert()
            .from_select(
                ["address_id", "idea_id", "author", "language", "nonce", "created_at"],
                sa.select(
                    address.c.id,
                    idea.c.id,
                    sa.true(),
                    _param(s.c.language),
                    _param(s.c.nonce),
                    _param(s.c.created_at, "subscribed_at"),
                ).select_from(address.join(idea, sa.true())),
            )
            .returning(s.c.id)
            .cte("new_subscription")
        )
        confirm = o.insert().from_select(
            [
                "subscription_id",
                "kind",
                "payload",
                "created_at",
                "state",
                "attempts",
                "next_attempt_at",
            ],
            sa.select(
                subscription.c.id,
                sa.literal(CONFIRM, o.c.kind.type),
                _param(o.c.payload),
                _param(o.c.created_at, "queued_at"),
                sa.literal(QUEUED, o.c.state.type),
                sa.literal(0, o.c.attempts.type),
                _param(o.c.next_attempt_at, "queued_at"),
            ),
        )
        written.append(confirm.cte("new_confirmation"))
    # The CTEs nobody selects from still run (PostgreSQL runs every data-modifying WITH
    # to completion); add_cte makes SQLAlchemy write them out.
    return sa.select(idea.c.id).add_cte(*written)


def parameters(
    idea: Idea,
    contact: IdeaContact | None,
    status_token_hash: str | None,
    at: datetime,
    notify_language: str | None,
) -> dict[str, Any]:
    """The values of ``_statement``: the idea's row and what goes with it."""
    row = {**rows.to_row("ideas", idea), "updated_at": at, "status_token_hash": status_token_hash}
    values: dict[str, Any] = {f"idea_{name}": value for name, value in row.items()}
    values["event_at"] = at
    if contact is not None:
        values.update(author_name=contact.author_name, email=contact.email)
    if subscribes(contact, notify_language):
        values.update(
            language=notify_language,
            nonce=secrets.token_hex(16),
            subscribed_at=at,
            queued_at=at,
            payload={"title": idea.title, "idea_id": idea.id, "measure_id": None},
        )
    return values


def subscribes(contact: IdeaContact | None, notify_language: str | None) -> bool:
    """Whether the author is subscribed to the idea's news (an address to write to)."""
    return notify_language is not None and contact is not None and bool(contact.email)


def add_in_one_statement(
    connection: sa.Connection, values: Mapping[str, Any], with_contact: bool, subscribe: bool
) -> None:
    """Run the intake as one statement on a PostgreSQL connection in autocommit mode."""
    connection.execute(_statement(with_contact, subscribe), dict(values))
