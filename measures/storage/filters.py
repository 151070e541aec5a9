"""The read API's filters as SQL conditions, for every repository that reads a layer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from measures.domain.query import LayerQuery
from measures.storage import schema
from measures.storage.spatial import Spatial

ALL = LayerQuery()
# The filter that keeps a read to one Quartier (or several).
QUARTIER = "quartier"


@dataclass(frozen=True)
class TimeRange:
    """A closed interval on a timestamp column; ``None`` leaves that end open."""

    column: str
    start: datetime | None = None
    end: datetime | None = None


def query_clauses(
    table: sa.Table, query: LayerQuery, spatial: Spatial
) -> list[sa.ColumnElement[bool]]:
    """The filters and bbox of ``query``, for the columns ``table`` has."""
    clauses = []
    for field, wanted in query.filters:
        # For all layers at once, a filter applies to the layers that have the field.
        if field in table.c:
            clauses.append(table.c[field].in_(sorted(wanted)))
        elif field == QUARTIER and table.name == QUARTIER:
            # A Quartier's own row: its id is its slug.
            clauses.append(table.c.id.in_(sorted(wanted)))
    if query.bbox is not None:
        clauses.append(spatial.intersects_bbox(table, query.bbox))
    return clauses


def _as_utc(value: datetime) -> datetime:
    # SQLite compares the stored UTC text, so a bound value must be UTC as well.
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def time_clauses(table: sa.Table, time_range: TimeRange | None) -> list:
    if time_range is None:
        return []
    column = table.c[time_range.column]
    clauses = []
    if time_range.start is not None:
        clauses.append(column >= _as_utc(time_range.start))
    if time_range.end is not None:
        clauses.append(column <= _as_utc(time_range.end))
    return clauses


def about_quartier(table: sa.Table, quartier: str | None) -> list[sa.ColumnElement[bool]]:
    """For a table whose rows are about an idea or a measure (``idea_id``, ``measure_id``:
    comments, photos): the rows about one of Quartier ``quartier``; None: every row."""
    if quartier is None:
        return []
    ideas, measures = schema.ideas, schema.measures
    return [
        sa.or_(
            table.c.idea_id.in_(sa.select(ideas.c.id).where(ideas.c.quartier == quartier)),
            table.c.measure_id.in_(sa.select(measures.c.id).where(measures.c.quartier == quartier)),
        )
    ]
