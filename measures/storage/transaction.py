"""One transaction per use case, and the change time of every layer it changes.

Every use case that writes runs in one ``transaction``: all its statements take effect
together or, on any error, none of them. A statement that changes the rows of a public
layer goes through ``Transaction.write``, which first writes the layer's change time
(``layer_changes``); a use case that writes other rows first (an idea's contact data or
history) calls ``Transaction.changing`` before them. The layer cache
(``measures/reading/cache.py``) keys its answers by that time and reads it before the
rows; written in the same transaction as the rows, it never moves without them, nor they without it.

Why the change time comes *before* the rows: on PostgreSQL updating it locks that layer's
row of ``layer_changes`` until the commit. Taken first, that lock makes writers of one
layer wait for each other before either has touched a row, so they cannot deadlock over
rows — two GIS imports updating the same measures in different orders would otherwise
each hold a row the other needs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from measures.storage import schema


def now() -> datetime:
    return datetime.now(UTC)


# INSERT … ON CONFLICT DO UPDATE, which both databases know, each in its own dialect.
_UPSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def _write_changed_at(connection: sa.Connection, layer: str, at: datetime) -> None:
    # One statement that inserts the row or updates it: two first writers of a layer wait
    # for each other like all later ones, where an UPDATE of no row and then an INSERT
    # would let both through to the INSERT and fail the second on the primary key.
    insert = _UPSERTS[connection.dialect.name](schema.layer_changes).values(
        layer=layer, changed_at=at
    )
    connection.execute(
        insert.on_conflict_do_update(
            index_elements=["layer"], set_={"changed_at": insert.excluded.changed_at}
        )
    )


class Transaction:
    """The connection of one use case, the time of its change, and the layers it changed."""

    def __init__(self, connection: sa.Connection, at: datetime):
        self.connection = connection
        self.at = at
        self._changed: set[str] = set()

    def changing(self, layer: str) -> None:
        """Write the change time of ``layer`` (once), before any row this use case writes."""
        if layer not in self._changed:
            _write_changed_at(self.connection, layer, self.at)
            self._changed.add(layer)

    def write(self, layer: str, statement: sa.Executable) -> sa.CursorResult:
        """Run a statement that changes rows of ``layer``, after the layer's change time."""
        self.changing(layer)
        return self.connection.execute(statement)


@contextmanager
def transaction(engine: Engine) -> Iterator[Transaction]:
    """Begin a use case's transaction; it commits at the end and rolls back on any error."""
    with engine.begin() as connection:
        yield Transaction(connection, now())
