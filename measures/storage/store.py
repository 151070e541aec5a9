"""The one place that reads and writes domain records in the database."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from shapely.geometry import Point
from sqlalchemy.engine import Engine

from measures.domain.model import (
    ContactExport,
    Idea,
    IdeaContact,
    IdeaEvent,
    Location,
    Measure,
    Planner,
    Quartier,
    SeedData,
    Source,
    TimelineStep,
)
from measures.domain.query import LayerQuery
from measures.storage import rows, schema
from measures.storage.spatial import spatial_for

PUBLIC_IDEA_STATES = ("approved",)
ALL = LayerQuery()


@dataclass(frozen=True)
class LayerInfo:
    name: str
    count: int
    bbox: tuple[float, float, float, float] | None
    geometry_types: tuple[str, ...]
    changed_at: datetime | None


@dataclass(frozen=True)
class LayerPage:
    """One page of a layer's records and how many records match the query in all."""

    records: list
    number_matched: int


@dataclass(frozen=True)
class TimeRange:
    """A closed interval on a timestamp column; ``None`` leaves that end open."""

    column: str
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class LoadReport:
    """What loading the seed did, per layer: created, updated, unchanged ids."""

    created: dict[str, list[str]]
    updated: dict[str, list[str]]
    unchanged: dict[str, list[str]]


def now() -> datetime:
    return datetime.now(UTC)


def _as_utc(value: datetime) -> datetime:
    # SQLite compares the stored UTC text, so a bound value must be UTC as well.
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _same(a, b) -> bool:
    """Equal apart from the time of the last change."""
    return dataclasses.replace(a, updated_at=None) == dataclasses.replace(b, updated_at=None)


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


class Store:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.spatial = spatial_for(engine.dialect.name)
        # For single statements read on every request: no transaction around them (no
        # BEGIN, no ROLLBACK), so one round trip each. Shares the engine's pool.
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._changed_at = _ChangedAtQuery(engine.dialect)

    # -- writing -------------------------------------------------------------------------

    def _touch(self, connection: sa.Connection, layer: str, at: datetime) -> None:
        table = schema.layer_changes
        updated = connection.execute(
            table.update().where(table.c.layer == layer).values(changed_at=at)
        )
        if updated.rowcount == 0:
            connection.execute(table.insert().values(layer=layer, changed_at=at))

    def _upsert(self, connection, table, records, to_row, from_row, layer, at, report) -> None:
        existing = {
            row.id: from_row(row)
            for row in connection.execute(
                sa.select(table).where(table.c.id.in_([r.id for r in records]))
            )
        }
        report.created[layer], report.updated[layer], report.unchanged[layer] = [], [], []
        for record in records:
            old = existing.get(record.id)
            if old is None:
                connection.execute(table.insert().values(**to_row(record), updated_at=at))
                report.created[layer].append(record.id)
            elif _same(old, record):
                report.unchanged[layer].append(record.id)
            else:
                connection.execute(
                    table.update()
                    .where(table.c.id == record.id)
                    .values(**to_row(record), updated_at=at)
                )
                report.updated[layer].append(record.id)
        if report.created[layer] or report.updated[layer]:
            self._touch(connection, layer, at)

    def load_seed(self, seed: SeedData) -> LoadReport:
        """Insert or update the seed records by id in one transaction.

        Records not in the seed stay as they are: planners may have added measures, and
        residents' ideas are never touched.
        """
        report = LoadReport({}, {}, {})
        at = now()
        with self.engine.begin() as connection:
            self._upsert(
                connection,
                schema.quartier,
                [seed.quartier],
                rows.quartier_row,
                rows.quartier_from,
                "quartier",
                at,
                report,
            )
            self._upsert(
                connection,
                schema.measures,
                list(seed.measures),
                rows.measure_row,
                rows.measure_from,
                "measures",
                at,
                report,
            )
            self._upsert(
                connection,
                schema.locations,
                list(seed.locations),
                rows.location_row,
                rows.location_from,
                "locations",
                at,
                report,
            )
        return report

    def import_records(self, layer: str, records: list) -> LoadReport:
        """Insert or update measures or places by id in one transaction (a GIS import).

        Like the seed: records not named stay as they are, and any failure changes nothing.
        """
        table, to_row, from_row = {
            "measures": (schema.measures, rows.measure_row, rows.measure_from),
            "locations": (schema.locations, rows.location_row, rows.location_from),
        }[layer]
        report = LoadReport({}, {}, {})
        with self.engine.begin() as connection:
            self._upsert(connection, table, records, to_row, from_row, layer, now(), report)
        return report

    def add_idea(
        self,
        idea: Idea,
        contact: IdeaContact | None = None,
        status_token_hash: str | None = None,
    ) -> None:
        """Store a new idea, its contact data and the first entry of its history at once."""
        at = now()
        with self.engine.begin() as connection:
            connection.execute(
                schema.ideas.insert().values(
                    **rows.idea_row(idea), updated_at=at, status_token_hash=status_token_hash
                )
            )
            if contact is not None:
                connection.execute(
                    schema.idea_contacts.insert().values(
                        idea_id=idea.id, author_name=contact.author_name, email=contact.email
                    )
                )
            connection.execute(
                schema.idea_events.insert().values(
                    idea_id=idea.id, at=at, action="submitted", reason="", actor="resident"
                )
            )
            if idea.moderation_state in PUBLIC_IDEA_STATES:
                self._touch(connection, "ideas", at)

    # -- reading -------------------------------------------------------------------------

    def _where(self, table: sa.Table, query: LayerQuery) -> list[sa.ColumnElement[bool]]:
        clauses = []
        for field, wanted in query.filters:
            # For all layers at once, a filter applies to the layers that have the field.
            if field in table.c:
                clauses.append(table.c[field].in_(sorted(wanted)))
        if query.bbox is not None:
            clauses.append(self.spatial.intersects_bbox(table, query.bbox))
        return clauses

    def _select(self, table, query: LayerQuery, order, extra=()):
        statement = sa.select(table).where(*self._where(table, query), *extra).order_by(*order)
        with self.engine.connect() as connection:
            return connection.execute(statement).all()

    def quartier(self) -> Quartier | None:
        found = self._select(schema.quartier, ALL, [schema.quartier.c.id])
        return rows.quartier_from(found[0]) if found else None

    def quartiers(self, query: LayerQuery = ALL) -> list[Quartier]:
        return [
            rows.quartier_from(r)
            for r in self._select(schema.quartier, query, [schema.quartier.c.id])
        ]

    def measures(self, query: LayerQuery = ALL) -> list[Measure]:
        t = schema.measures
        return [rows.measure_from(r) for r in self._select(t, query, [t.c.title, t.c.id])]

    def measure(self, measure_id: str) -> Measure | None:
        t = schema.measures
        found = self._select(t, ALL, [t.c.id], [t.c.id == measure_id])
        return rows.measure_from(found[0]) if found else None

    def locations(self, query: LayerQuery = ALL) -> list[Location]:
        t = schema.locations
        return [rows.location_from(r) for r in self._select(t, query, [t.c.name, t.c.id])]

    def location(self, location_id: str) -> Location | None:
        t = schema.locations
        found = self._select(t, ALL, [t.c.id], [t.c.id == location_id])
        return rows.location_from(found[0]) if found else None

    def ideas(
        self, query: LayerQuery = ALL, states: Iterable[str] = PUBLIC_IDEA_STATES
    ) -> list[Idea]:
        t = schema.ideas
        return [
            rows.idea_from(r)
            for r in self._select(
                t, query, [t.c.created_at.desc(), t.c.id], [t.c.moderation_state.in_(list(states))]
            )
        ]

    def idea_count(
        self, query: LayerQuery = ALL, states: Iterable[str] = PUBLIC_IDEA_STATES
    ) -> int:
        """How many ideas ``ideas()`` would return, without reading them (the map page)."""
        t = schema.ideas
        statement = (
            sa.select(sa.func.count())
            .select_from(t)
            .where(*self._where(t, query), t.c.moderation_state.in_(list(states)))
        )
        with self.engine.connect() as connection:
            return connection.execute(statement).scalar_one()

    def idea(self, idea_id: str, states: Iterable[str] = PUBLIC_IDEA_STATES) -> Idea | None:
        t = schema.ideas
        found = self._select(
            t, ALL, [t.c.id], [t.c.id == idea_id, t.c.moderation_state.in_(list(states))]
        )
        return rows.idea_from(found[0]) if found else None

    def idea_contact(self, idea_id: str) -> IdeaContact | None:
        t = schema.idea_contacts
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(t).where(t.c.idea_id == idea_id)).first()
        if row is None:
            return None
        return IdeaContact(idea_id=row.idea_id, author_name=row.author_name, email=row.email)

    def layer_changed_at(self, layer: str) -> datetime | None:
        # Read on every request before any cached layer is served.
        query = self._changed_at
        with self._autocommit.connect() as connection:
            value = connection.exec_driver_sql(query.sql, query.parameters(layer)).scalar()
        return rows.utc(query.to_value(value))

    def layer_infos(self) -> list[LayerInfo]:
        """Count, extent, geometry types and last change of every public layer."""
        tables = {
            "quartier": (schema.quartier, []),
            "measures": (schema.measures, []),
            "locations": (schema.locations, []),
            "ideas": (
                schema.ideas,
                [schema.ideas.c.moderation_state.in_(list(PUBLIC_IDEA_STATES))],
            ),
        }
        infos = []
        with self.engine.connect() as connection:
            changes = dict(
                connection.execute(
                    sa.select(schema.layer_changes.c.layer, schema.layer_changes.c.changed_at)
                ).all()
            )
            for name, (t, where) in tables.items():
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

    # -- reading a layer by name, in pages ------------------------------------------------

    def _layer(self, layer: str):
        """Table, row converter, order (the read API's) and fixed conditions of a layer."""
        if layer == "quartier":
            t = schema.quartier
            return t, rows.quartier_from, [t.c.id], []
        if layer == "measures":
            t = schema.measures
            return t, rows.measure_from, [t.c.title, t.c.id], []
        if layer == "locations":
            t = schema.locations
            return t, rows.location_from, [t.c.name, t.c.id], []
        if layer == "ideas":
            t = schema.ideas
            public = [t.c.moderation_state.in_(list(PUBLIC_IDEA_STATES))]
            return t, rows.idea_from, [t.c.created_at.desc(), t.c.id], public
        raise ValueError(f"unknown layer {layer!r}")

    def _time_clauses(self, table: sa.Table, time_range: TimeRange | None) -> list:
        if time_range is None:
            return []
        column = table.c[time_range.column]
        clauses = []
        if time_range.start is not None:
            clauses.append(column >= _as_utc(time_range.start))
        if time_range.end is not None:
            clauses.append(column <= _as_utc(time_range.end))
        return clauses

    def layer_page(
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
        table, from_row, order, fixed = self._layer(layer)
        where = [*self._where(table, query), *self._time_clauses(table, time_range), *fixed]
        # Sort and skip over the ids only, then read the full rows of this page: sorting
        # whole rows (geometry, sources, timeline) to throw most of them away made deep
        # pages ten times slower.
        page_ids = (
            sa.select(table.c.id).where(*where).order_by(*order).limit(limit).offset(offset)
        ).subquery()
        with self.engine.connect() as connection:
            number_matched = connection.execute(
                sa.select(sa.func.count()).select_from(table).where(*where)
            ).scalar_one()
            found = connection.execute(
                sa.select(table).join(page_ids, table.c.id == page_ids.c.id).order_by(*order)
            ).all()
        return LayerPage(records=[from_row(r) for r in found], number_matched=number_matched)

    def layer_record(self, layer: str, record_id: str):
        """One public record of ``layer`` by id, or None."""
        table, from_row, _order, fixed = self._layer(layer)
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(table).where(table.c.id == record_id, *fixed)
            ).first()
        return from_row(row) if row is not None else None

    def layer_records(
        self,
        layer: str,
        query: LayerQuery = ALL,
        time_range: TimeRange | None = None,
        idea_states: Iterable[str] = PUBLIC_IDEA_STATES,
    ) -> list:
        """Every record of ``layer`` that matches, in the read API's order (for exports).

        Ideas are the approved ones unless ``idea_states`` names others (planners only).
        """
        table, from_row, order, fixed = self._layer(layer)
        if layer == "ideas":
            fixed = [table.c.moderation_state.in_(list(idea_states))]
        where = [*self._where(table, query), *self._time_clauses(table, time_range), *fixed]
        with self.engine.connect() as connection:
            found = connection.execute(sa.select(table).where(*where).order_by(*order)).all()
        return [from_row(r) for r in found]

    def layer_time_extent(self, layer: str, column: str) -> tuple[datetime | None, datetime | None]:
        """Earliest and latest value of a timestamp column over the public records."""
        table, _from_row, _order, fixed = self._layer(layer)
        with self.engine.connect() as connection:
            first, last = connection.execute(
                sa.select(sa.func.min(table.c[column]), sa.func.max(table.c[column])).where(*fixed)
            ).one()
        return rows.utc(first), rows.utc(last)

    # -- the idea workflow -----------------------------------------------------------------

    def idea_by_token(self, status_token_hash: str) -> Idea | None:
        """The idea behind a private status link, in whatever state (not deleted)."""
        t = schema.ideas
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(t).where(
                    t.c.status_token_hash == status_token_hash, t.c.moderation_state != "deleted"
                )
            ).first()
        return rows.idea_from(row) if row is not None else None

    def withdraw_idea(self, idea_id: str) -> bool:
        """Delete an idea at its author's wish, with its contact data and history."""
        with self.engine.begin() as connection:
            deleted = connection.execute(
                schema.ideas.delete().where(schema.ideas.c.id == idea_id)
            ).rowcount
            if deleted:
                self._touch(connection, "ideas", now())
        return bool(deleted)

    def support_idea(self, idea_id: str) -> int | None:
        """Count one support for an approved idea; None when there is no such idea."""
        t = schema.ideas
        at = now()
        with self.engine.begin() as connection:
            # One UPDATE adds atomically, however many workers count at once.
            updated = connection.execute(
                t.update()
                .where(t.c.id == idea_id, t.c.moderation_state == "approved")
                .values(supports=t.c.supports + 1, updated_at=at)
            ).rowcount
            if not updated:
                return None
            self._touch(connection, "ideas", at)
            return connection.execute(sa.select(t.c.supports).where(t.c.id == idea_id)).scalar()

    def _moderate(self, idea_id: str, actor: str, action: str, reason: str = "", **values) -> None:
        """Change an idea and record who did what, in one transaction."""
        at = now()
        with self.engine.begin() as connection:
            updated = connection.execute(
                schema.ideas.update()
                .where(schema.ideas.c.id == idea_id, schema.ideas.c.moderation_state != "deleted")
                .values(**values, updated_at=at)
            ).rowcount
            if not updated:
                raise LookupError(idea_id)
            connection.execute(
                schema.idea_events.insert().values(
                    idea_id=idea_id, at=at, action=action, reason=reason, actor=actor
                )
            )
            self._touch(connection, "ideas", at)

    def approve_idea(self, idea_id: str, actor: str) -> None:
        self._moderate(
            idea_id,
            actor,
            "approved",
            moderation_state="approved",
            moderation_reason="",
            decided_at=now(),
        )

    def reject_idea(self, idea_id: str, actor: str, reason: str) -> None:
        self._moderate(
            idea_id,
            actor,
            "rejected",
            reason,
            moderation_state="rejected",
            moderation_reason=reason,
            decided_at=now(),
        )

    def edit_idea(self, idea_id: str, actor: str, title: str, description: str) -> None:
        """Change the text; the author's original is kept the first time."""
        current = self.idea(idea_id, states=("pending", "approved", "rejected"))
        if current is None:
            raise LookupError(idea_id)
        keep = {}
        if current.original_title is None:
            keep = {
                "original_title": current.title,
                "original_description": current.description,
            }
        self._moderate(idea_id, actor, "edited", title=title, description=description, **keep)

    def mark_duplicate(self, idea_id: str, actor: str, other_id: str) -> None:
        other = self.idea(other_id, states=("approved", "pending"))
        reason = f"Diese Idee gibt es schon: „{other.title}“." if other else ""
        self._moderate(
            idea_id,
            actor,
            "duplicate",
            reason,
            moderation_state="rejected",
            moderation_reason=reason,
            duplicate_of=other_id,
            decided_at=now(),
        )

    def convert_to_measure(self, idea_id: str, actor: str, idea_url: str) -> str:
        """Create a measure (status idee) from an idea and link the two; returns its id."""
        idea = self.idea(idea_id, states=("pending", "approved", "rejected"))
        if idea is None:
            raise LookupError(idea_id)
        measure_id = f"idee-{idea.id}"
        at = now()
        measure = Measure(
            id=measure_id,
            title=idea.title,
            summary=idea.title,
            description=idea.description,
            category=idea.category,
            status="idee",
            geometry=idea.geometry,
            # The resident placed the pin on purpose: this is where the idea is meant.
            accuracy="exact",
            sources=(Source(title="Idee aus der Quartierskarte", url=idea_url),),
            timeline=(TimelineStep(status="idee", date=at.date().isoformat(), note=""),),
        )
        with self.engine.begin() as connection:
            connection.execute(
                schema.measures.insert().values(**rows.measure_row(measure), updated_at=at)
            )
            self._touch(connection, "measures", at)
        self._moderate(idea_id, actor, "converted", measure_id=measure_id)
        return measure_id

    def delete_idea(self, idea_id: str, actor: str) -> None:
        """A planner deletes an idea: text and personal data go, the history stays."""
        self._moderate(
            idea_id,
            actor,
            "deleted",
            moderation_state="deleted",
            title="[gelöscht]",
            description="",
            original_title=None,
            original_description=None,
            moderation_reason="",
            decided_at=now(),
        )
        with self.engine.begin() as connection:
            connection.execute(
                schema.idea_contacts.delete().where(schema.idea_contacts.c.idea_id == idea_id)
            )

    def idea_events(self, idea_id: str | None = None, limit: int = 200) -> list[IdeaEvent]:
        """The moderation history of one idea (oldest first), or of all (newest first)."""
        t = schema.idea_events
        statement = sa.select(t)
        if idea_id is not None:
            statement = statement.where(t.c.idea_id == idea_id).order_by(t.c.at, t.c.id)
        else:
            statement = statement.order_by(t.c.at.desc(), t.c.id.desc()).limit(limit)
        with self.engine.connect() as connection:
            found = connection.execute(statement).all()
        return [
            IdeaEvent(
                idea_id=r.idea_id,
                at=rows.utc(r.at),
                action=r.action,
                actor=r.actor,
                reason=r.reason,
            )
            for r in found
        ]

    def idea_histories(self) -> dict[str, list[IdeaEvent]]:
        """The moderation history of every idea, oldest first (one query, for exports)."""
        t = schema.idea_events
        histories: dict[str, list[IdeaEvent]] = {}
        with self.engine.connect() as connection:
            for r in connection.execute(sa.select(t).order_by(t.c.at, t.c.id)):
                histories.setdefault(r.idea_id, []).append(
                    IdeaEvent(r.idea_id, rows.utc(r.at), r.action, r.actor, r.reason)
                )
        return histories

    def idea_contacts_by_idea(self) -> dict[str, IdeaContact]:
        """Every idea's contact data by idea id: only for an export a planner asked for."""
        t = schema.idea_contacts
        with self.engine.connect() as connection:
            found = connection.execute(sa.select(t)).all()
        return {r.idea_id: IdeaContact(r.idea_id, r.author_name, r.email) for r in found}

    def record_contact_export(self, actor: str, what: str, records: int) -> None:
        """Note who exported residents' contact data, when, and what exactly."""
        with self.engine.begin() as connection:
            connection.execute(
                schema.contact_exports.insert().values(
                    at=now(), actor=actor, what=what, records=records
                )
            )

    def contact_exports(self, limit: int = 50) -> list[ContactExport]:
        """The recorded exports of contact data, newest first."""
        t = schema.contact_exports
        with self.engine.connect() as connection:
            found = connection.execute(
                sa.select(t).order_by(t.c.at.desc(), t.c.id.desc()).limit(limit)
            ).all()
        return [ContactExport(rows.utc(r.at), r.actor, r.what, r.records) for r in found]

    def ideas_near(self, point: Point, metres: float, limit: int = 10) -> list[Idea]:
        """Approved ideas within ``metres`` of ``point``, nearest first."""
        t = schema.ideas
        statement = (
            sa.select(t)
            .where(
                t.c.moderation_state.in_(list(PUBLIC_IDEA_STATES)),
                self.spatial.near(t, point, metres),
            )
            .order_by(self.spatial.distance_m(t, point), t.c.id)
            .limit(limit)
        )
        with self.engine.connect() as connection:
            return [rows.idea_from(r) for r in connection.execute(statement)]

    def purge_contacts(self, decided_before: datetime) -> int:
        """Delete the personal data of ideas decided before the given time; returns count.

        The retention period of the privacy statement: once an idea is decided, the name
        and e-mail address are no longer needed for replies.
        """
        ideas, contacts = schema.ideas, schema.idea_contacts
        decided = sa.select(ideas.c.id).where(
            ideas.c.decided_at.is_not(None), ideas.c.decided_at < decided_before
        )
        with self.engine.begin() as connection:
            return connection.execute(
                contacts.delete().where(contacts.c.idea_id.in_(decided))
            ).rowcount

    # -- planners ---------------------------------------------------------------------------

    def add_planner(self, username: str, password_hash: str) -> bool:
        """Create a planner's account; False when the name is taken."""
        t = schema.planners
        with self.engine.begin() as connection:
            if connection.execute(sa.select(t.c.id).where(t.c.username == username)).first():
                return False
            connection.execute(
                t.insert().values(
                    username=username,
                    password_hash=password_hash,
                    session_nonce=secrets.token_hex(16),
                    active=True,
                    created_at=now(),
                )
            )
        return True

    def _planner_where(self, *where) -> Planner | None:
        t = schema.planners
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(t).where(*where)).first()
        if row is None:
            return None
        return Planner(
            id=row.id,
            username=row.username,
            password_hash=row.password_hash,
            session_nonce=row.session_nonce,
            active=row.active,
        )

    def planner(self, planner_id: int) -> Planner | None:
        return self._planner_where(schema.planners.c.id == planner_id)

    def planner_by_name(self, username: str) -> Planner | None:
        return self._planner_where(schema.planners.c.username == username)

    def renew_planner_nonce(self, planner_id: int) -> str:
        """A new session nonce: sessions that carry the old one are void from now on."""
        nonce = secrets.token_hex(16)
        t = schema.planners
        with self.engine.begin() as connection:
            connection.execute(t.update().where(t.c.id == planner_id).values(session_nonce=nonce))
        return nonce

    def deactivate_planner(self, username: str) -> bool:
        t = schema.planners
        with self.engine.begin() as connection:
            return bool(
                connection.execute(
                    t.update()
                    .where(t.c.username == username)
                    .values(active=False, session_nonce=secrets.token_hex(16))
                ).rowcount
            )
