"""Planners' changes to measures and places, drafts and archived ones included.

Each use case is one transaction that takes the layer's lock first (``tx.changing``) and
then checks that the record is still the version the planner's form was made from (its
``updated_at``): a change made meanwhile by someone else is never overwritten (``Stale``,
which carries the stored record). Only published records are public
(``measures.storage.layers``); every change here bumps the layer's change time, so the
public caches drop what they held.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from measures.domain.editing import (
    EDITABLE_LAYERS,
    NEW_STATE,
    PUBLICATION_STATES,
    PUBLISHED,
    form_fields,
)
from measures.domain.errors import Conflict
from measures.domain.layers import LAYERS
from measures.domain.messages import Message
from measures.domain.vocabulary import N_
from measures.storage import mail, rows, schema, versions
from measures.storage.photos import delete_measure_photos
from measures.storage.transaction import Transaction, transaction


class Edited(NamedTuple):
    """A record as planners see it: with its publication state."""

    record: Any
    publication: str


class Stale(Conflict):
    """The record changed since the planner's form was made; ``stored`` is it now."""

    def __init__(self, stored: Edited):
        self.stored = stored
        super().__init__(
            "Jemand anders hat diesen Eintrag inzwischen geändert. Ihre Änderung ist nicht "
            "gespeichert; unten stehen beide Fassungen."
        )


def _table(layer: str) -> sa.Table:
    if layer not in EDITABLE_LAYERS:
        raise ValueError(f"planners do not edit layer {layer!r}")
    return schema.metadata.tables[layer]


def _edited(layer: str, row: Any) -> Edited:
    return Edited(rows.from_row(layer, row), row.publication)


def _current(tx: Transaction, layer: str, record_id: str, quartier: str) -> Edited:
    """The record as this transaction sees it, after the layer's lock; LookupError if
    there is none in ``quartier``."""
    table = _table(layer)
    tx.changing(layer)
    row = tx.connection.execute(
        sa.select(table).where(table.c.id == record_id, table.c.quartier == quartier)
    ).first()
    if row is None:
        raise LookupError(record_id)
    return _edited(layer, row)


def _check(found: Edited, expected: datetime | None) -> None:
    if found.record.updated_at != expected:
        raise Stale(found)


class EditingRepository:
    def __init__(self, engine: Engine):
        self.engine = engine

    def records(self, layer: str, quartier: str | None = None) -> list[Edited]:
        """Every record of ``layer`` (of ``quartier``), whatever its state, in list order."""
        table = _table(layer)
        statement = sa.select(table).order_by(*schema.list_order(layer))
        if quartier is not None:
            statement = statement.where(table.c.quartier == quartier)
        with self.engine.connect() as connection:
            return [_edited(layer, row) for row in connection.execute(statement)]

    def get(self, layer: str, record_id: str, quartier: str) -> Edited | None:
        table = _table(layer)
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(table).where(table.c.id == record_id, table.c.quartier == quartier)
            ).first()
        return _edited(layer, row) if row is not None else None

    def ids(self, layer: str) -> set[str]:
        """Every key in use in ``layer``, in every Quartier (keys are unique overall)."""
        table = _table(layer)
        with self.engine.connect() as connection:
            return set(connection.execute(sa.select(table.c.id)).scalars())

    def create(self, layer: str, record: Any, *, author: str) -> datetime:
        """Add a new record as a draft; Conflict if its key is taken. Its ``updated_at``."""
        table = _table(layer)
        with transaction(self.engine) as tx:
            tx.changing(layer)
            taken = tx.connection.execute(
                sa.select(table.c.id).where(table.c.id == record.id)
            ).first()
            if taken is not None:
                raise Conflict(
                    Message(
                        N_("Die Kennung „%(id)s“ ist schon vergeben. Bitte eine andere wählen."),
                        id=record.id,
                    )
                )
            versions.save(
                tx, layer, record, source="web", author=author, extra={"publication": NEW_STATE}
            )
            return tx.at

    def update(
        self, layer: str, record: Any, expected: datetime | None, *, author: str
    ) -> datetime:
        """Save a planner's version of a record made from the version ``expected``.

        Only what the form edits is written (and the geometry): status and timeline stay
        as stored. Stale if the record changed since; LookupError if it is gone.
        """
        with transaction(self.engine) as tx:
            found = _current(tx, layer, record.id, record.quartier)
            _check(found, expected)
            merged = _with_stored_fields(layer, record, found.record)
            versions.save(tx, layer, merged, source="web", author=author, old=found.record)
            return tx.at

    def set_publication(
        self,
        layer: str,
        record_id: str,
        quartier: str,
        state: str,
        expected: datetime | None,
        *,
        author: str,
    ) -> None:
        """Publish, withdraw to a draft, or archive a record."""
        if state not in PUBLICATION_STATES:
            raise ValueError(f"unknown publication state {state!r}")
        _table(layer)
        with transaction(self.engine) as tx:
            found = _current(tx, layer, record_id, quartier)
            _check(found, expected)
            if found.publication == state:
                return
            if layer == "measures" and state == PUBLISHED:
                mail.queue_conversion_news(tx, record_id)
            versions.set_publication(tx, layer, found.record, state, author=author)

    def delete(
        self, layer: str, record_id: str, quartier: str, expected: datetime | None, *, author: str
    ) -> list[str]:
        """Delete a record for good, with a measure's photos, comments and subscriptions;
        the file keys of its photos, to remove after the commit."""
        _table(layer)
        photo_keys: list[str] = []
        with transaction(self.engine) as tx:
            found = _current(tx, layer, record_id, quartier)
            _check(found, expected)
            if layer == "measures":
                photo_keys = delete_measure_photos(tx, record_id)
                s = schema.subscriptions
                tx.connection.execute(s.delete().where(s.c.measure_id == record_id))
                mail.drop_unneeded_addresses(tx.connection)
            versions.delete(tx, layer, record_id, source="web", author=author)
        return photo_keys


def _with_stored_fields(layer: str, record: Any, stored: Any) -> Any:
    """The planner's record with the stored values of the fields the form does not edit
    (a measure's status and timeline, the Quartier)."""
    kept = {name for name, _ in form_fields(layer)} | {"id", "geometry"}
    skipped = {n for n, _ in LAYERS[layer].fields} - kept
    return dataclasses.replace(record, **{name: getattr(stored, name) for name in skipped})
