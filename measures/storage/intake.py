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

**The Quartier's check travels with the write.** The point was checked against the
Quartier as the worker last read it, without asking the database whether the layer
``quartier`` changed since (``QuartierRepository.read(recheck=False)``): that read would
cost a statement of its own before every intake. Instead the idea's INSERT carries the
number of the layer's version the check used and inserts nothing when the layer is at
another one; then nothing else goes in either (contact data and history take the id the
idea's INSERT returned), and ``QuartierChanged`` tells the caller to read the Quartiere
again and check the point once more.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa

from measures.domain.errors import Conflict
from measures.domain.model import Idea, IdeaContact
from measures.domain.vocabulary import N_
from measures.storage import rows, schema

SUBMITTED = {"action": "submitted", "reason": "", "actor": "resident"}


class QuartierChanged(Conflict):
    """The layer ``quartier`` is no longer at the version the idea was checked against;
    nothing was stored. The caller checks the idea again against the Quartiere as they are
    now; when they keep changing, the person is asked to send it again."""

    def __init__(self) -> None:
        super().__init__(
            N_("Das Quartier wurde gerade geändert. Bitte senden Sie Ihre Idee noch einmal.")
        )
        self.code = "quartier_changed"


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


def _quartier_unchanged() -> sa.ColumnElement[bool]:
    """True while the layer ``quartier`` is at version ``quartier_version`` (0: it never
    changed, as the version read tells of a layer without a row)."""
    changes = schema.layer_changes
    now_at = sa.select(changes.c.version).where(changes.c.layer == "quartier").scalar_subquery()
    return sa.func.coalesce(now_at, 0) == sa.bindparam("quartier_version", type_=sa.BigInteger)


def _idea_insert(checked: bool) -> sa.Insert:
    """The idea's INSERT; ``checked``: only while the Quartier is at the version checked."""
    i = schema.ideas
    values = {column.name: _param(column, f"idea_{column.name}") for column in i.c}
    if not checked:
        return i.insert().values(values)
    # INSERT … SELECT of the parameters, which yields no row when the layer moved on.
    return i.insert().from_select(
        list(values), sa.select(*values.values()).where(_quartier_unchanged())
    )


@cache
def idea_statement(checked: bool) -> sa.Insert:
    """The idea's INSERT alone (SQLite, where the other rows follow as statements of
    their own): the values of ``parameters`` with the prefix ``idea_``."""
    return _idea_insert(checked)


@cache
def _statement(with_contact: bool, checked: bool = False) -> sa.Select:
    """The intake as one PostgreSQL statement, built once for each shape of intake.

    Built from the tables' metadata, so a new column cannot be forgotten here; its
    parameters are those of ``parameters``, each table's under a prefix of its own.
    """
    i, c, e = schema.ideas, schema.idea_contacts, schema.idea_events
    idea = _idea_insert(checked).returning(i.c.id, i.c.quartier).cte("new_idea")
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
    quartier_version: int | None = None,
) -> dict[str, Any]:
    """The values of ``_statement``: the idea's row and what goes with it, and the
    version of the layer ``quartier`` the point was checked against (None: unchecked)."""
    row = {**rows.to_row("ideas", idea), "updated_at": at, "status_token_hash": status_token_hash}
    values: dict[str, Any] = {f"idea_{name}": value for name, value in row.items()}
    values["event_at"] = at
    if quartier_version is not None:
        values["quartier_version"] = quartier_version
    if contact is not None:
        contact_values = contact_row(idea.id, contact, notify_language)
        del contact_values["idea_id"]  # the statement takes the idea's
        values.update({f"contact_{name}": value for name, value in contact_values.items()})
    return values


def add_in_one_statement(
    connection: sa.Connection, values: dict[str, Any], with_contact: bool
) -> None:
    """Run the intake as one statement on a PostgreSQL connection in autocommit mode;
    QuartierChanged when it stored nothing because the Quartier moved on."""
    checked = "quartier_version" in values
    stored = connection.execute(_statement(with_contact, checked), values).first()
    if stored is None:
        raise QuartierChanged
