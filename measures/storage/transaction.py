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

The same write counts the layer's ``version`` up by one, and at the end of the use case
the records it changed go into ``layer_log`` under that number (``ids`` of ``changing`` and
``write``; a statement written without them may have touched any record, and is logged
as such). As the lock orders the writers of a layer, the numbers commit in order: a
worker holding a layer's index at version n brings it up to date by reading the records
logged after n (``LayerRepository.delta``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from measures.domain import times
from measures.storage import schema

# The layers whose rows change only together with a version of the record: through
# ``measures/storage/versions.py``, never through ``Transaction.write``.
VERSIONED = frozenset({"measures", "locations"})


def now() -> datetime:
    return times.now()


# INSERT … ON CONFLICT DO UPDATE, which both databases know, each in its own dialect.
UPSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


# How many versions of each layer the log keeps: an index older than that is built again.
LOG_KEPT = 1000


def _write_changed_at(connection: sa.Connection, layer: str, at: datetime) -> int:
    """Write the change time of ``layer``, count its version up; the new version."""
    # One statement that inserts the row or updates it: two first writers of a layer wait
    # for each other like all later ones, where an UPDATE of no row and then an INSERT
    # would let both through to the INSERT and fail the second on the primary key.
    t = schema.layer_changes
    insert = UPSERTS[connection.dialect.name](t).values(layer=layer, changed_at=at, version=1)
    return connection.execute(
        insert.on_conflict_do_update(
            index_elements=["layer"],
            set_={"changed_at": insert.excluded.changed_at, "version": t.c.version + 1},
        ).returning(t.c.version)
    ).scalar_one()


class Transaction:
    """The connection of one use case, the time of its change, and the layers it changed."""

    def __init__(self, connection: sa.Connection, at: datetime):
        self.connection = connection
        self.at = at
        # Layer → its new version.
        self._changed: dict[str, int] = {}
        # Layer → the ids of the records changed; None: any record.
        self._ids: dict[str, set[str] | None] = {}

    def changing(self, layer: str, ids: Iterable[str] = ()) -> None:
        """Write the change time of ``layer`` (once), before any row this use case writes;
        ``ids``: records of the layer this use case changes (see ``write``)."""
        if layer not in self._changed:
            self._changed[layer] = _write_changed_at(self.connection, layer, self.at)
        self._note(layer, ids)

    def write(
        self, layer: str, statement: sa.Executable, ids: Iterable[str] | None = None
    ) -> sa.CursorResult:
        """Run a statement that changes rows of ``layer``, after the layer's change time.

        ``ids``: every record the statement may change (insert, update or delete); without
        them, any record of the layer may have changed, and every worker reads the whole
        layer again. Not for measures and places: a change of those is written with its
        version (``measures.storage.versions.save`` and ``delete``).
        """
        if layer in VERSIONED:
            raise ValueError(f"rows of {layer!r} change only through measures.storage.versions")
        self.changing(layer)
        if ids is None:
            self._ids[layer] = None
        else:
            self._note(layer, ids)
        return self.connection.execute(statement)

    def _note(self, layer: str, ids: Iterable[str]) -> None:
        noted = self._ids.setdefault(layer, set())
        if noted is not None:
            noted.update(ids)

    def log(self) -> None:
        """Log what this use case changed, per layer under its new version; then forget
        versions older than ``LOG_KEPT``. A layer written with no records named: any."""
        t = schema.layer_log
        for layer, version in self._changed.items():
            ids = self._ids.get(layer) or None  # nothing named: any record
            values = [
                {"layer": layer, "version": version, "record_id": i}
                for i in (sorted(ids) if ids is not None else [None])
            ]
            self.connection.execute(t.insert(), values)
            if version % 100 == 0:
                self.connection.execute(
                    t.delete().where(t.c.layer == layer, t.c.version <= version - LOG_KEPT)
                )


@contextmanager
def transaction(engine: Engine) -> Iterator[Transaction]:
    """Begin a use case's transaction; it commits at the end and rolls back on any error."""
    with engine.begin() as connection:
        tx = Transaction(connection, now())
        yield tx
        tx.log()
