"""The public layers — Quartier, measures, places, approved ideas — read by name, and the
seed and GIS imports that write the first three.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import NamedTuple

import sqlalchemy as sa
from shapely.geometry import Point
from sqlalchemy.engine import Engine

from measures.domain.editing import PUBLISHED
from measures.domain.errors import Conflict
from measures.domain.messages import Message
from measures.domain.model import Quartier, SeedData
from measures.domain.moderation import PUBLIC_STATES
from measures.domain.query import LayerQuery
from measures.domain.vocabulary import N_
from measures.storage import decision_path, rows, schema, versions
from measures.storage.filters import ALL, TimeRange, query_clauses, time_clauses
from measures.storage.spatial import Spatial
from measures.storage.transaction import VERSIONED, Transaction, transaction


@dataclass(frozen=True)
class LayerInfo:
    name: str
    count: int
    bbox: tuple[float, float, float, float] | None
    geometry_types: tuple[str, ...]
    changed_at: datetime | None


class LayerVersion(NamedTuple):
    """Which state of a layer something holds: the number of its changes (the order of
    versions) and the time of the last one (an answer's Last-Modified)."""

    number: int
    changed_at: datetime


@dataclass(frozen=True)
class LayerDelta:
    """What changed in a layer between two versions: the ids of every record changed,
    and those of them public now, as records in the layer's order."""

    version: LayerVersion
    ids: frozenset[str]
    records: list


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
    # Only approved ideas and published measures and places are public (drafts and
    # archived ones are the planners', ``measures.storage.editing``).
    public = ()
    if name == "ideas":
        public = (t.c.moderation_state.in_(list(PUBLIC_STATES)),)
    elif "publication" in t.c:
        public = (t.c.publication == PUBLISHED,)
    return _Layer(t, partial(rows.from_row, name), schema.list_order(name), public)


class _ChangedAtQuery:
    """``SELECT changed_at, version … WHERE layer = ?`` compiled once, for the driver itself.

    The read before every cached answer is the hottest statement there is: handing the
    driver SQL that SQLAlchemy compiled once, and converting the value with the column
    type's own processor, spares building and compiling the statement per request —
    about a sixth of the CPU time of a cached answer. Errors still pass through
    SQLAlchemy, which drops a connection the server has closed.
    """

    def __init__(self, dialect: sa.Dialect):
        t = schema.layer_changes
        compiled = (
            sa.select(t.c.changed_at, t.c.version)
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


def _check_versions(tx: Transaction, layer: str, expected: Mapping[str, datetime | None]) -> None:
    """Conflict unless every record is as ``expected`` says (its ``updated_at``, or absent)."""
    table = _layer(layer).table
    now = dict(
        tx.connection.execute(
            sa.select(table.c.id, table.c.updated_at).where(table.c.id.in_(list(expected)))
        ).all()
    )
    changed = sorted(
        record_id
        for record_id, version in expected.items()
        if rows.utc(now.get(record_id)) != version
    )
    if changed:
        raise Conflict(
            "Seit der Vorschau wurde etwas geändert ("
            + ", ".join(changed[:5])
            + (" …" if len(changed) > 5 else "")
            + "). Bitte prüfen Sie die neue Vorschau und übernehmen Sie dann noch einmal."
        )


def _upsert(
    tx: Transaction,
    layer: str,
    records: list,
    report: LoadReport,
    extra: dict | None = None,
    *,
    source: str,
    author: str = "",
) -> None:
    """Insert new records of ``layer`` and update changed ones, by id.

    A record of a Quartier never replaces one of another Quartier with the same id
    (Conflict, and the transaction changes nothing). ``extra``: further columns of a
    new row. Measures and places are written with their versions, by ``source`` and
    ``author`` (``measures/storage/versions.py``).
    """
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
        steps = None
        if layer == "measures":
            # The status and timeline are the decision path's (see as_from_file).
            record, steps = decision_path.as_from_file(tx, record)
        old = existing.get(record.id)
        if old is not None and getattr(old, "quartier", "") != getattr(record, "quartier", ""):
            raise Conflict(
                Message(
                    N_(
                        "Die Kennung '%(id)s' gehört zu einem anderen Quartier (%(quartier)s); "
                        "bitte eine andere Kennung wählen."
                    ),
                    id=record.id,
                    quartier=old.quartier,
                )
            )
        if old is not None and _same(old, record):
            report.unchanged[layer].append(record.id)
            continue
        if layer in VERSIONED:
            versions.save(tx, layer, record, source=source, author=author, old=old, extra=extra)
        elif old is None:
            tx.write(
                layer,
                table.insert().values(**to_row(record), **(extra or {}), updated_at=tx.at),
                ids=[record.id],
            )
        else:
            tx.write(
                layer,
                table.update()
                .where(table.c.id == record.id)
                .values(**to_row(record), updated_at=tx.at),
                ids=[record.id],
            )
        (report.created if old is None else report.updated)[layer].append(record.id)
        if steps is not None:
            decision_path.write_file_steps(tx, record.id, steps)


class LayerRepository:
    def __init__(self, engine: Engine, spatial: Spatial):
        self.engine = engine
        self.spatial = spatial
        # For single statements read on every request: no transaction around them (no
        # BEGIN, no ROLLBACK), so one round trip each. Shares the engine's pool.
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._changed_at = _ChangedAtQuery(engine.dialect)
        self._code_points: bool | None = None

    # -- writing -------------------------------------------------------------------------

    def load_seed(self, seed: SeedData, tolerance_m: float | None = None) -> LoadReport:
        """Insert or update the seed records of one Quartier by id in one transaction.

        Records not in the seed stay as they are: planners may have added measures, and
        residents' ideas are never touched. A Quartier the seed creates gets the
        ``tolerance_m`` it was checked with; one that exists keeps its settings.
        """
        report = LoadReport()
        extra = dict(seed.profile) | ({} if tolerance_m is None else {"tolerance_m": tolerance_m})
        with transaction(self.engine) as tx:
            _upsert(tx, "quartier", [seed.quartier], report, extra, source="seed")
            _upsert(tx, "measures", list(seed.measures), report, source="seed")
            _upsert(tx, "locations", list(seed.locations), report, source="seed")
        return report

    def import_records(
        self,
        layer: str,
        records: list,
        expected: Mapping[str, datetime | None] | None = None,
        author: str = "",
    ) -> LoadReport:
        """Insert or update measures or places by id in one transaction (a GIS import).

        Like the seed: records not named stay as they are, and any failure changes nothing.
        ``expected`` is each record's ``updated_at`` as the planner's preview saw it (None:
        not there yet). A record that changed since — another planner's import committed
        while this file was read — fails the whole import with Conflict: nothing newer is
        overwritten unseen. Checked after the layer's lock is taken (``tx.changing``), so
        no change can slip in between the check and the writes. ``author``: the planner
        who imports, named in each record's new version.
        """
        if layer not in ("measures", "locations"):
            raise ValueError(f"no import into layer {layer!r}")
        report = LoadReport()
        with transaction(self.engine) as tx:
            if expected is not None:
                tx.changing(layer)
                _check_versions(tx, layer, expected)
            _upsert(tx, layer, records, report, source="import", author=author)
        return report

    # -- reading -------------------------------------------------------------------------

    def quartier(self, slug: str | None = None) -> Quartier | None:
        """The boundary record of the Quartier ``slug``, or of the first one by slug."""
        t = schema.quartier
        statement = sa.select(t).order_by(t.c.id).limit(1)
        if slug is not None:
            statement = statement.where(t.c.id == slug)
        with self.engine.connect() as connection:
            row = connection.execute(statement).first()
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

    def record(self, layer: str, record_id: str, query: LayerQuery = ALL):
        """One public record of ``layer`` by id (among those ``query`` selects), or None."""
        found = _layer(layer)
        where = query_clauses(found.table, query, self.spatial)
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(found.table).where(found.table.c.id == record_id, *found.public, *where)
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
        version = self.version(layer)
        return version.changed_at if version is not None else None

    def version(self, layer: str) -> LayerVersion | None:
        """The layer's version; None if it never changed."""
        # Read on every request before any cached layer is served.
        query = self._changed_at
        with self._autocommit.connect() as connection:
            row = connection.exec_driver_sql(query.sql, query.parameters(layer)).first()
        if row is None:
            return None
        return LayerVersion(row[1], rows.utc(query.to_value(row[0])))

    def delta(self, layer: str, since: int) -> LayerDelta | None:
        """The changes of ``layer`` after version ``since``, read in one snapshot; None
        when the log cannot tell (a change of any record, or versions no longer kept):
        then only reading the whole layer can.

        ``records`` are what ``records`` would return for ``ids``: only public ones, in
        the layer's order.
        """
        found = _layer(layer)
        log = schema.layer_log
        with self.engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                # All three reads from one snapshot: the records as of the version read.
                connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                now = connection.execute(
                    sa.select(
                        schema.layer_changes.c.version, schema.layer_changes.c.changed_at
                    ).where(schema.layer_changes.c.layer == layer)
                ).first()
                if now is None or now.version < since:
                    return None
                version = LayerVersion(now.version, rows.utc(now.changed_at))
                logged = connection.execute(
                    sa.select(log.c.version, log.c.record_id).where(
                        log.c.layer == layer, log.c.version > since, log.c.version <= now.version
                    )
                ).all()
                ids = frozenset(r.record_id for r in logged)
                if None in ids or len({r.version for r in logged}) != now.version - since:
                    return None
                result = (
                    connection.execute(
                        sa.select(found.table)
                        .where(found.table.c.id.in_(sorted(ids)), *found.public)
                        .order_by(*found.order)
                    ).all()
                    if ids
                    else []
                )
        return LayerDelta(version, ids, [found.from_row(r) for r in result])

    def orders_by_code_point(self) -> bool:
        """Whether the database sorts text by code point, as Python does: SQLite always,
        PostgreSQL with the collation C (the index orders new records in Python)."""
        if self.engine.dialect.name != "postgresql":
            return True
        if self._code_points is None:
            with self.engine.connect() as connection:
                collation = connection.execute(
                    sa.text("SELECT datcollate FROM pg_database WHERE datname = current_database()")
                ).scalar()
            self._code_points = collation in ("C", "POSIX", "C.UTF-8", "C.utf8", "ucs_basic")
        return self._code_points

    def infos(self, query: LayerQuery = ALL) -> list[LayerInfo]:
        """Count, extent, geometry types and last change of every public layer (of the
        records ``query`` selects, by its filters; the change time is the layer's)."""
        infos = []
        with self.engine.connect() as connection:
            changes = dict(
                connection.execute(
                    sa.select(schema.layer_changes.c.layer, schema.layer_changes.c.changed_at)
                ).all()
            )
            for name in ("quartier", "measures", "locations", "ideas"):
                found = _layer(name)
                t = found.table
                where = (
                    *found.public,
                    *query_clauses(t, LayerQuery(filters=query.filters), self.spatial),
                )
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

    def distance_outside_quartier_m(self, point: Point, quartier: str) -> float | None:
        """Metres from ``point`` to the Quartier ``quartier``, computed by the database's
        backend; None when there is no such Quartier."""
        with self.engine.connect() as connection:
            return self.spatial.distance_outside_quartier_m(connection, point, quartier)

    def _where(self, found: _Layer, query: LayerQuery, time_range: TimeRange | None) -> list:
        return [
            *query_clauses(found.table, query, self.spatial),
            *time_clauses(found.table, time_range),
            *found.public,
        ]
