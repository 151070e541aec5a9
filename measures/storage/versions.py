"""The versions of measures and places: every change is one, written with the change.

Every statement that changes a row of ``measures`` or ``locations`` goes through
``save`` or ``delete`` here, which write the row and, in the same transaction, a version
of the record: who (``author``, and the ``source``: a planner on the web, an import, the
seed, an idea turned into a measure), when (the transaction's time, which is also the
record's ``updated_at``), what changed (the names of the fields) and the whole record as
it is after the change — after a deletion as it was before. ``Transaction.write`` refuses
statements on these layers (``VERSIONED``), so no writer can change a record without its
version.

``VersionRepository`` reads the versions, and restores one: a new version with the old
record's values, refused when the record changed since the planner looked at it or is
gone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from measures.domain.errors import Conflict, NotFound
from measures.domain.layers import LAYERS
from measures.domain.messages import Message, as_message
from measures.domain.notifications import status_notice
from measures.domain.vocabulary import N_
from measures.storage import mail, rows, schema
from measures.storage.transaction import VERSIONED, Transaction, transaction

ACTIONS = ("created", "updated", "deleted", "restored", "published", "withdrawn", "archived")
SOURCES = ("web", "import", "seed", "idea", "system")


@dataclass(frozen=True)
class Version:
    """One version of a measure or place: the record as it was after the change."""

    id: int
    layer: str
    record_id: str
    quartier: str
    at: datetime
    action: str
    source: str
    author: str
    changed: tuple[str, ...]
    record: Any


# -- snapshots -----------------------------------------------------------------------------


# The columns of a row that hold the geometry, not a field.
_SPATIAL = frozenset(c.name for c in schema._spatial_columns())


def _to_properties(layer: str, record) -> dict:
    """The record's fields as JSON values (its columns, times as ISO text), no geometry."""
    return {
        name: value.isoformat() if isinstance(value, datetime) else value
        for name, value in rows.to_row(layer, record).items()
        if name not in _SPATIAL
    }


def _from_properties(layer: str, properties: Mapping, geom_wkb: bytes, at: datetime):
    """The record a version holds. Fields the version predates get their default; fields
    no longer declared are dropped."""
    fields = dict(LAYERS[layer].fields)
    values = {}
    for name, value in properties.items():
        field = fields.get(name)
        if field is None or name in ("geometry", "updated_at"):
            continue
        if field.kind == "datetime" and isinstance(value, str):
            value = datetime.fromisoformat(value)
        values[name] = value

    row = SimpleNamespace()
    defaults = {f.name: f.default for f in dataclasses.fields(LAYERS[layer].record_type)}
    for name, _field in fields.items():
        if name in ("geometry", "updated_at"):
            continue
        default = defaults.get(name)
        if default is dataclasses.MISSING:
            default = None
        setattr(row, name, values.get(name, default))
    row.geom_wkb = geom_wkb
    row.updated_at = at
    return rows.from_row(layer, row)


def changed_fields(old, new) -> tuple[str, ...]:
    """The names of the fields in which two records of a layer differ (not ``updated_at``)."""
    if old is None:
        return ()
    names = []
    for f in dataclasses.fields(new):
        if f.name == "updated_at":
            continue
        before, after = getattr(old, f.name), getattr(new, f.name)
        if f.name == "geometry":
            if not shapely.equals_exact(before, after, 0) or before.geom_type != after.geom_type:
                names.append(f.name)
        elif before != after:
            names.append(f.name)
    return tuple(names)


# -- writing (in the transaction of the change) -----------------------------------------------


def _add_version(
    tx: Transaction,
    layer: str,
    record,
    action: str,
    source: str,
    author: str,
    changed: tuple[str, ...],
) -> None:
    # Parameters rather than ``.values()``: one compiled statement for every version.
    tx.connection.execute(
        schema.record_versions.insert(),
        {
            "layer": layer,
            "record_id": record.id,
            "quartier": record.quartier,
            "at": tx.at,
            "action": action,
            "source": source,
            "author": author,
            "changed": list(changed),
            "properties": _to_properties(layer, record),
            "geom_wkb": shapely.to_wkb(record.geometry),
        },
    )


def _current(tx: Transaction, layer: str, record_id: str):
    table = schema.metadata.tables[layer]
    row = tx.connection.execute(sa.select(table).where(table.c.id == record_id)).first()
    return rows.from_row(layer, row) if row is not None else None


def save(
    tx: Transaction,
    layer: str,
    record,
    *,
    source: str,
    author: str = "",
    old=None,
    action: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> None:
    """Insert ``record`` (``old`` None) or update it from ``old``, with its version.

    ``old``: the stored record as the caller read it in this transaction. ``extra``:
    further columns of a new row.
    """
    if layer not in VERSIONED or source not in SOURCES:
        raise ValueError(f"no versions of layer {layer!r} from {source!r}")
    table = schema.metadata.tables[layer]
    tx.changing(layer, [record.id])
    if old is None:
        tx.connection.execute(
            table.insert(), {**rows.to_row(layer, record), **(extra or {}), "updated_at": tx.at}
        )
    else:
        # The SET clause from the parameters' names: one compiled statement for all rows.
        tx.connection.execute(
            table.update().where(table.c.id == sa.bindparam("record_id")),
            {**rows.to_row(layer, record), "updated_at": tx.at, "record_id": record.id},
        )
    action = action or ("created" if old is None else "updated")
    _add_version(tx, layer, record, action, source, author, changed_fields(old, record))
    notice = status_notice(old, record) if layer == "measures" and old is not None else None
    if notice is not None:
        # Whoever follows the measure hears of its new status: queued with the change, so
        # a failed import or edit sends nothing.
        mail.queue_notice(tx, notice, measure_id=record.id)


# The action of a version that changes a record's publication state, by the new state.
PUBLICATION_ACTIONS = {"published": "published", "draft": "withdrawn", "archived": "archived"}


def set_publication(tx: Transaction, layer: str, record, state: str, *, author: str) -> None:
    """Publish, withdraw or archive ``record`` (as stored): a version of its own, with the
    record's values unchanged, so the history tells when it went public and who did it."""
    if layer not in VERSIONED:
        raise ValueError(f"no versions of layer {layer!r}")
    table = schema.metadata.tables[layer]
    tx.changing(layer, [record.id])
    tx.connection.execute(
        table.update().where(table.c.id == record.id).values(publication=state, updated_at=tx.at)
    )
    _add_version(tx, layer, record, PUBLICATION_ACTIONS[state], "web", author, ())


def delete(tx: Transaction, layer: str, record_id: str, *, source: str, author: str = "") -> bool:
    """Delete a record, with a version of it as it was; False when there is none."""
    if layer not in VERSIONED:
        raise ValueError(f"no versions of layer {layer!r}")
    old = _current(tx, layer, record_id)
    if old is None:
        return False
    table = schema.metadata.tables[layer]
    tx.changing(layer, [record_id])
    tx.connection.execute(table.delete().where(table.c.id == record_id))
    _add_version(tx, layer, old, "deleted", source, author, ())
    return True


def check_unchanged(current, expected: datetime | None, what: str) -> None:
    """Conflict unless the stored record is the one the planner saw (by ``updated_at``)."""
    if current is None:
        raise Conflict(
            Message(
                N_(
                    "%(what)s wurde inzwischen gelöscht; es wurde nichts geändert. "
                    "Eine frühere Version lässt sich nicht mehr wiederherstellen."
                ),
                what=as_message(what),
            )
        )
    if rows.utc(expected) != current.updated_at:
        raise Conflict(
            Message(
                N_(
                    "%(what)s wurde inzwischen von jemand anderem geändert; es wurde nichts "
                    "überschrieben. Bitte sehen Sie sich die neue Version an und entscheiden "
                    "Sie dann noch einmal."
                ),
                what=as_message(what),
            )
        )


# -- reading and restoring ---------------------------------------------------------------------


def _from_row(row) -> Version:
    at = rows.utc(row.at)
    return Version(
        id=row.id,
        layer=row.layer,
        record_id=row.record_id,
        quartier=row.quartier,
        at=at,
        action=row.action,
        source=row.source,
        author=row.author,
        changed=tuple(row.changed),
        record=_from_properties(row.layer, row.properties, row.geom_wkb, at),
    )


_WHAT = {"measures": N_("Die Maßnahme"), "locations": N_("Der Ort")}


class VersionRepository:
    def __init__(self, engine: Engine):
        self.engine = engine

    def history(self, layer: str, record_id: str, quartier: str | None = None) -> list[Version]:
        """The versions of one record, newest first (also of a deleted one)."""
        t = schema.record_versions
        statement = (
            sa.select(t)
            .where(t.c.layer == layer, t.c.record_id == record_id)
            .order_by(t.c.id.desc())
        )
        if quartier is not None:
            statement = statement.where(t.c.quartier == quartier)
        with self.engine.connect() as connection:
            return [_from_row(r) for r in connection.execute(statement)]

    def recent(self, quartier: str, limit: int = 200) -> list[Version]:
        """The latest versions of the measures and places of ``quartier``, newest first."""
        t = schema.record_versions
        statement = (
            sa.select(t).where(t.c.quartier == quartier).order_by(t.c.id.desc()).limit(limit)
        )
        with self.engine.connect() as connection:
            return [_from_row(r) for r in connection.execute(statement)]

    def save(
        self, layer: str, record, *, author: str, expected: datetime | None = None
    ) -> datetime:
        """A planner's edit in the browser: create the record, or update it when it is
        still the version the planner saw (``expected``: its ``updated_at``); returns the
        new ``updated_at``. Conflict when another change came first."""
        with transaction(self.engine) as tx:
            tx.changing(layer)  # the layer's lock first: no change between check and write
            old = _current(tx, layer, record.id)
            if old is not None and expected is None:
                raise Conflict(
                    Message(
                        N_(
                            "%(what)s mit der Kennung „%(id)s“ gibt es schon; "
                            "bitte eine andere Kennung wählen."
                        ),
                        what=Message(_WHAT[layer]),
                        id=record.id,
                    )
                )
            if old is not None or expected is not None:
                check_unchanged(old, expected, _WHAT[layer])
                if old.quartier != record.quartier:
                    raise Conflict(N_("Die Kennung gehört zu einem anderen Quartier."))
            save(tx, layer, record, source="web", author=author, old=old)
            return tx.at

    def delete(self, layer: str, record_id: str, *, author: str, expected: datetime) -> None:
        """A planner deletes a record they saw at ``expected``; the deletion is a version."""
        with transaction(self.engine) as tx:
            tx.changing(layer)
            check_unchanged(_current(tx, layer, record_id), expected, _WHAT[layer])
            delete(tx, layer, record_id, source="web", author=author)

    def restore(
        self, layer: str, record_id: str, version_id: int, *, author: str, expected: datetime
    ) -> datetime:
        """Make version ``version_id`` the current one again, as a new version.

        ``expected``: the ``updated_at`` of the record the planner saw when choosing. A
        record changed or deleted since is left as it is (Conflict); an unknown version
        is NotFound. Returns the new ``updated_at``.
        """
        with transaction(self.engine) as tx:
            tx.changing(layer)
            t = schema.record_versions
            row = tx.connection.execute(
                sa.select(t).where(
                    t.c.id == version_id, t.c.layer == layer, t.c.record_id == record_id
                )
            ).first()
            if row is None:
                raise NotFound(N_("Diese Version gibt es nicht."))
            version = _from_row(row)
            old = _current(tx, layer, record_id)
            check_unchanged(old, expected, _WHAT[layer])
            if version.action == "deleted":
                raise Conflict(N_("Eine Löschung lässt sich nicht als Version wiederherstellen."))
            record = dataclasses.replace(version.record, quartier=old.quartier)
            if not changed_fields(old, record):
                raise Conflict(
                    N_(
                        "Diese Version entspricht dem aktuellen Stand; es gibt nichts "
                        "wiederherzustellen."
                    )
                )
            save(tx, layer, record, source="web", author=author, old=old, action="restored")
            return tx.at
