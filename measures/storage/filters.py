"""The read API's filters as SQL conditions, for every repository that reads a layer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from measures.domain.query import LayerQuery
from measures.storage.spatial import Spatial

ALL = LayerQuery()


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
