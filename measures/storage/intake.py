"""A resident's new idea, stored whole in as few statements as the database allows.

The intake is the busiest write of the site (issue 21). What it stores goes in at once
or not at all: the idea, its contact data and the first entry of its history. An
author who gives an e-mail address asks for news of the idea: the contact data keep
the language of that request (``notify_language``), and the mail job subscribes the
address and sends the request to confirm (``MailRepository.subscribe_authors``), in
its own transaction, away from the resident's request.

On PostgreSQL the intake is **one statement**: the INSERTs are chained with ``WITH``
(each takes the id the idea's INSERT returned), and it runs without ``BEGIN`` and
``COMMIT`` around it. A single statement is a transaction of its own: its rows commit
together, durably, or on any error (a constraint, a lost connection) none of them does.
So the intake costs one round trip to the server instead of five, each of which waits
for the server's turn on a busy machine.

SQLite cannot chain INSERTs with ``WITH``; there the same rows go in as one statement
each, in one transaction (``IdeaRepository.add``), which costs no round trips: the
database runs in the worker's own process.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa

from measures.domain.model import Idea, IdeaContact
from measures.storage import rows, schema

SUBMITTED = {"action": "submitted", "reason": "", "actor": "resident"}


def contact_row(idea_id: str, contact: IdeaContact, notify_language: str | None) -> dict:
    """The row of ``idea_contacts``; the request for news only with an address."""
    return {
        "idea_id": idea_id,
        "author_name": contact.author_name,
        "email": contact.email,
        "notify_language": notify_language if contact.email else None,
    }


def _param(column: sa.Column, name: str) -> sa.BindParameter:
    """A parameter bound with the column's type (times, texts converted alike)."""
    return sa.bindparam(name, type_=column.type)


@cache
def _statement(with_contact: bool) -> sa.Select:
    """The intake as one PostgreSQL statement, built once for each shape of intake.

    Built from the tables' metadata, so a new column cannot be forgotten here; its
    parameters are those of ``parameters``, each table's under a prefix of its own.
    """
    i, c, e = schema.ideas, schema.idea_contacts, schema.idea_events
    idea = (
        i.insert()
        .values({column.name: _param(column, f"idea_{column.name}") for column in i.c})
        .returning(i.c.id, i.c.quartier)
        .cte("new_idea")
    )
    written = []
    if with_contact:
        names = [column.name for column in c.c if column.name != "idea_id"]
        contact = c.insert().from_select(
            ["idea_id", *names],
            sa.select(idea.c.id, *(_param(c.c[name], f"contact_{name}") for name in names)),
        )
        written.append(contact.cte("new_contact"))
    event = e.insert().from_select(
        ["idea_id", "quartier", "at", *SUBMITTED],
        sa.select(
            idea.c.id,
            idea.c.quartier,
            _param(e.c.at, "event_at"),
            *(sa.literal(value, e.c[name].type) for name, value in SUBMITTED.items()),
        ),
    )
    written.append(event.cte("new_event"))
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
        contact_values = contact_row(idea.id, contact, notify_language)
        del contact_values["idea_id"]  # the statement takes the idea's
        values.update({f"contact_{name}": value for name, value in contact_values.items()})
    return values


def add_in_one_statement(
    connection: sa.Connection, values: dict[str, Any], with_contact: bool
) -> None:
    """Run the intake as one statement on a PostgreSQL connection in autocommit mode."""
    connection.execute(_statement(with_contact), values)
