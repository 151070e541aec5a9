"""The public layers — Quartier, measures, places, approved ideas — read by name, and the
seed and GIS imports that write the first three.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import NamedTuple

import sqlalchemy as sa
from shapely.geometry import Point
from sqlalchemy.engine import Engine

from measures.domain.model import Quartier, SeedData
from measures.domain.moderation import PUBLIC_STATES
from measures.domain.query import LayerQuery
from measures.storage import rows, schema
from measures.storage.filters import ALL, TimeRange, query_clauses, time_clauses
from measures.storage.spatial import Spatial
from measures.storage.transaction import Transaction, transaction


@dataclass(frozen=True)
class LayerInfo:
    name: str
    count: int
    bbox: tuple[float, float, float, float] | None
    geometry_types: tuple[str, ...]
    changed_at: datetime | None


class LayerPage(NamedTuple):
    """One page of a layer's records and how many records match the query in all."""

    records: list
    number_matched: int


@dataclass(frozen=True)
class LoadReport:
    """What loading the seed did, per layer: created, updated, unchanged ids."""

    created: dict[str, list[str]] = field(default_factory=dict)
    updated: dict[str, list[str]] = field(default_factory=dict)
    unchanged: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Layer:
    """How a layer is read: its table, row converter, order (the read API's) and the
    conditions every public read adds."""

    table: sa.Table
    from_row: Callable
    order: tuple
    public: tuple = ()


def _layer(name: str) -> _Layer:
    """The reading of a layer from its definition: its table bears the layer's name."""
    t = schema.metadata.tables[name]
    # Only approved ideas are public; the other layers hold nothing private.
    public = (t.c.moderation_state.in_(list(PUBLIC_STATES)),) if name == "ideas" else ()
    return _Layer(t, partial(rows.from_row, name), schema.list_order(name), public)


class _ChangedAtQuery:
    """``SELECT changed_at … WHERE layer = ?`` compiled once, for the driver itself.

    The read before every cached answer is the hottest statement there is: handing the
    driver SQL that SQLAlchemy compiled once, and converting the value with the column
    type's own processor, spares building and compiling the statement per request —
    about a sixth of the CPU time of a cached answer. Errors still pass through
    SQLAlchemy, which drops a connection the server has closed.
    """

    def __init__(self, dialect: sa.Dialect):
        t = schema.layer_changes
        compiled = (
            sa.select(t.c.changed_at)
            .where(t.c.layer == sa.bindparam("layer"))
            .compile(dialect=dialect)
        )
        self.sql = compiled.string
        self.positional = compiled.positional
        column_type = t.c.changed_at.type.dialect_impl(dialect)
        self._process = column_type.result_processor(dialect, None)

    def parameters(self, layer: str) -> tuple | dict:
        return (layer,) if self.positional else {"layer": layer}

    def to_value(self, raw):
        return self._process(raw) if self._process is not None and raw is not None else raw


def _same(a, b) -> bool:
    """Equal apart from the time of the last change."""
    return dataclasses.replace(a, updated_at=None) == dataclasses.replace(b, updated_at=None)


def _upsert(tx: Transaction, layer: str, records: list, report: LoadReport) -> None:
    """Insert new records of ``layer`` and update changed ones, by id."""
    table, from_row, to_row = (
        _layer(layer).table,
        _layer(layer).from_row,
        partial(rows.to_row, layer),
    )
    existing = {
        row.id: from_row(row)
        for row in tx.connection.execute(
            sa.select(table).where(table.c.id.in_([r.id for r in records]))
        )
    }
    report.created[layer], report.updated[layer], report.unchanged[layer] = [], [], []
    for record in records:
        old = existing.get(record.id)
        if old is None:
            tx.write(layer, table.insert().values(**to_row(record), updated_at=tx.at))
            report.created[layer].append(record.id)
        elif _same(old, record):
            report.unchanged[layer].append(record.id)
        else:
            tx.write(
                layer,
                table.update()
                .where(table.c.id == record.id)
                .values(**to_row(record), updated_at=tx.at),
            )
            report.updated[layer].append(record.id)


class LayerRepository:
    def __init__(self, engine: Engine, spatial: Spatial):
        self.engine = engine
        self.spatial = spatial
        # For single statements read on every request: no transaction around them (no
        # BEGIN, no ROLLBACK), so one round trip each. Shares the engine's pool.
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._changed_at = _ChangedAtQuery(engine.dialect)

    # -- writing -------------------------------------------------------------------------

    def load_seed(self, seed: SeedData) -> LoadReport:
        """Insert or update the seed records by id in one transaction.

        Records not in the seed stay as they are: planners may have added measures, and
        residents' ideas are never touched.
        """
        report = LoadReport()
        with transaction(self.engine) as tx:
            _upsert(tx, "quartier", [seed.quartier], report)
            _upsert(tx, "measures", list(seed.measures), report)
            _upsert(tx, "locations", list(seed.locations), report)
        return report

    def import_records(self, layer: str, records: list) -> LoadReport:
        """Insert or update measures or places by id in one transaction (a GIS import).

        Like the seed: records not named stay as they are, and any failure changes nothing.
        """
        if layer not in ("measures", "locations"):
            raise ValueError(f"no import into layer {layer!r}")
        report = LoadReport()
        with transaction(self.engine) as tx:
            _upsert(tx, layer, records, report)
        return report

    # -- reading -------------------------------------------------------------------------

    def quartier(self) -> Quartier | None:
        """The Quartier (the first, should a seed ever hold more than one)."""
        t = schema.quartier
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(t).order_by(t.c.id).limit(1)).first()
        return rows.from_row("quartier", row) if row is not None else None

    def records(
        self, layer: str, query: LayerQuery = ALL, time_range: TimeRange | None = None
    ) -> list:
        """Every public record of ``layer`` that matches, in the read API's order."""
        found = _layer(layer)
        where = self._where(found, query, time_range)
        with self.engine.connect() as connection:
            result = connection.execute(
                sa.select(found.table).where(*where).order_by(*found.order)
            ).all()
        return [found.from_row(r) for r in result]

    def record(self, layer: str, record_id: str):
        """One public record of ``layer`` by id, or None."""
        found = _layer(layer)
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(found.table).where(found.table.c.id == record_id, *found.public)
            ).first()
        return found.from_row(row) if row is not None else None

    def page(
        self,
        layer: str,
        query: LayerQuery = ALL,
        *,
        limit: int,
        offset: int = 0,
        time_range: TimeRange | None = None,
    ) -> LayerPage:
        """The public records of ``layer`` from ``offset`` on, at most ``limit`` of them.

        Counting, filtering and paging all run in the database, so that a client paging
        through a large layer in small steps costs two small queries per page.
        """
        found = _layer(layer)
        table = found.table
        where = self._where(found, query, time_range)
        # Sort and skip over the ids only, then read the full rows of this page: sorting
        # whole rows (geometry, sources, timeline) to throw most of them away made deep
        # pages ten times slower.
        page_ids = (
            sa.select(table.c.id).where(*where).order_by(*found.order).limit(limit).offset(offset)
        ).subquery()
        with self.engine.connect() as connection:
            number_matched = connection.execute(
                sa.select(sa.func.count()).select_from(table).where(*where)
            ).scalar_one()
            result = connection.execute(
                sa.select(table).join(page_ids, table.c.id == page_ids.c.id).order_by(*found.order)
            ).all()
        return LayerPage([found.from_row(r) for r in result], number_matched)

    def time_extent(self, layer: str, column: str) -> tuple[datetime | None, datetime | None]:
        """Earliest and latest value of a timestamp column over the public records."""
        found = _layer(layer)
        column_ = found.table.c[column]
        with self.engine.connect() as connection:
            first, last = connection.execute(
                sa.select(sa.func.min(column_), sa.func.max(column_)).where(*found.public)
            ).one()
        return rows.utc(first), rows.utc(last)

    def changed_at(self, layer: str) -> datetime | None:
        # Read on every request before any cached layer is served.
        query = self._changed_at
        with self._autocommit.connect() as connection:
            value = connection.exec_driver_sql(query.sql, query.parameters(layer)).scalar()
        return rows.utc(query.to_value(value))

    def infos(self) -> list[LayerInfo]:
        """Count, extent, geometry types and last change of every public layer."""
        infos = []
        with self.engine.connect() as connection:
            changes = dict(
                connection.execute(
                    sa.select(schema.layer_changes.c.layer, schema.layer_changes.c.changed_at)
                ).all()
            )
            for name in ("quartier", "measures", "locations", "ideas"):
                found = _layer(name)
                t, where = found.table, found.public
                count, minx, miny, maxx, maxy = connection.execute(
                    sa.select(
                        sa.func.count(),
                        sa.func.min(t.c.minx),
                        sa.func.min(t.c.miny),
                        sa.func.max(t.c.maxx),
                        sa.func.max(t.c.maxy),
                    ).where(*where)
                ).one()
                types = connection.execute(
                    sa.select(t.c.geom_type).where(*where).distinct().order_by(t.c.geom_type)
                ).scalars()
                infos.append(
                    LayerInfo(
                        name=name,
                        count=count,
                        bbox=(minx, miny, maxx, maxy) if count else None,
                        geometry_types=tuple(types),
                        changed_at=rows.utc(changes.get(name)),
                    )
                )
        return infos

    def distance_outside_quartier_m(self, point: Point) -> float | None:
        """Metres from ``point`` to the Quartier, computed by the database's backend."""
        with self.engine.connect() as connection:
            return self.spatial.distance_outside_quartier_m(connection, point)

    def _where(self, found: _Layer, query: LayerQuery, time_range: TimeRange | None) -> list:
        return [
            *query_clauses(found.table, query, self.spatial),
            *time_clauses(found.table, time_range),
            *found.public,
        ]
