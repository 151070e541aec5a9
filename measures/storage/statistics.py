"""The planners' statistics of a Quartier's ideas, counted by the database.

Every figure is one query that returns counts, never the ideas themselves: GROUP BY for
the counts per Handlungsfeld, month, state and cell of a grid, an aggregate for the median
time to a decision, a join for the ideas near each measure. At 100,000 ideas the page
reads a few hundred rows (``make bench``, part "statistics").

Which ideas count: those of the Quartier handed in within the period (``created_at``)
and of the Handlungsfelder asked for — every state, also rejected and deleted ones (the
counts per state show them apart). The supports ranking and the ideas near measures count
approved ideas only: only those can be supported, and only those are public.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from measures.domain.moderation import PUBLIC_STATES
from measures.domain.query import LayerQuery
from measures.storage import schema
from measures.storage.filters import TimeRange, query_clauses, time_clauses
from measures.storage.spatial import Spatial

# The states whose ``decided_at`` is the planners' decision (a deletion sets it too, but
# a deleted idea's time says when it was deleted, not when it was decided).
DECIDED_STATES = ("approved", "rejected")


@dataclass(frozen=True)
class Median:
    """The median of the days from submission to decision, of ``count`` decided ideas."""

    days: float | None
    count: int


@dataclass(frozen=True)
class Supported:
    id: str
    title: str
    category: str
    supports: int


@dataclass(frozen=True)
class NearMeasure:
    id: str
    title: str
    ideas: int


@dataclass(frozen=True)
class Cell:
    """A square of the grid: ``column`` and ``row`` count steps of ``step`` degrees east
    and north from 0° (its west edge is ``column * step``)."""

    column: int
    row: int
    ideas: int


class StatisticsRepository:
    def __init__(self, engine: Engine, spatial: Spatial):
        self.engine = engine
        self.spatial = spatial
        self.postgres = engine.dialect.name == "postgresql"

    def _where(self, query: LayerQuery, period: TimeRange | None) -> list:
        t = schema.ideas
        return [*query_clauses(t, query, self.spatial), *time_clauses(t, period)]

    def _rows(self, statement) -> list:
        with self.engine.connect() as connection:
            return connection.execute(statement).all()

    def count_by(self, field: str, query: LayerQuery, period: TimeRange | None) -> dict[str, int]:
        """Ideas per key of ``field`` (``category``, ``moderation_state``); keys without
        ideas are not there."""
        t = schema.ideas
        column = t.c[field]
        statement = (
            sa.select(column, sa.func.count()).where(*self._where(query, period)).group_by(column)
        )
        return {key: count for key, count in self._rows(statement)}

    def count_by_month(self, query: LayerQuery, period: TimeRange | None) -> dict[str, int]:
        """Ideas per month of submission (UTC), ``{"2026-11": 12}``, months without
        ideas left out."""
        created = schema.ideas.c.created_at
        if self.postgres:
            # date_trunc groups faster than a text made per row: 59 ms instead of 240 ms
            # at 100,000 ideas (make bench, part "statistics"); the few months found are
            # written as text below.
            month = sa.func.date_trunc("month", sa.func.timezone("UTC", created))
        else:
            month = sa.func.strftime("%Y-%m", created)
        month = month.label("month")
        statement = (
            sa.select(month, sa.func.count())
            .where(*self._where(query, period))
            .group_by(month)
            .order_by(month)
        )
        return {
            key if isinstance(key, str) else f"{key:%Y-%m}": count
            for key, count in self._rows(statement)
        }

    def _seconds_to_decision(self) -> sa.ColumnElement[float]:
        t = schema.ideas
        if self.postgres:
            return sa.func.extract("epoch", t.c.decided_at - t.c.created_at)
        return (sa.func.julianday(t.c.decided_at) - sa.func.julianday(t.c.created_at)) * 86400.0

    def median_to_decision(self, query: LayerQuery, period: TimeRange | None) -> Median:
        """The median time from submission to approval or rejection.

        PostgreSQL has ``percentile_cont``; SQLite has no such aggregate, so the middle
        one or two of the ordered times are picked by their row numbers (the same
        definition: the mean of the two middle values for an even count).
        """
        t = schema.ideas
        where = [
            *self._where(query, period),
            t.c.moderation_state.in_(DECIDED_STATES),
            t.c.decided_at.is_not(None),
        ]
        seconds = self._seconds_to_decision()
        if self.postgres:
            statement = sa.select(
                sa.func.percentile_cont(0.5).within_group(seconds), sa.func.count()
            ).where(*where)
            value, count = self._rows(statement)[0]
        else:
            ranked = (
                sa.select(
                    seconds.label("s"),
                    sa.func.row_number().over(order_by=seconds).label("n"),
                    sa.func.count().over().label("total"),
                )
                .where(*where)
                .subquery()
            )
            # Integer division: for 5 rows rows 3 and 3, for 6 rows rows 3 and 4.
            middle = sa.select(sa.func.avg(ranked.c.s), sa.func.max(ranked.c.total)).where(
                ranked.c.n.in_([(ranked.c.total + 1) // 2, (ranked.c.total + 2) // 2])
            )
            value, count = self._rows(middle)[0]
        count = int(count or 0)
        return Median(None if value is None else float(value) / 86400.0, count)

    def most_supported(
        self, query: LayerQuery, period: TimeRange | None, limit: int = 10
    ) -> list[Supported]:
        """The approved ideas with the most supports (at least one), most first."""
        t = schema.ideas
        statement = (
            sa.select(t.c.id, t.c.title, t.c.category, t.c.supports)
            .where(
                *self._where(query, period),
                t.c.moderation_state.in_(PUBLIC_STATES),
                t.c.supports > 0,
            )
            .order_by(t.c.supports.desc(), t.c.created_at.desc(), t.c.id)
            .limit(limit)
        )
        return [Supported(*row) for row in self._rows(statement)]

    def near_measures(
        self, quartier: str, query: LayerQuery, period: TimeRange | None, metres: float
    ) -> list[NearMeasure]:
        """Each measure of the Quartier (not archived) with the number of approved ideas
        within ``metres`` of it, most first."""
        m, t, q = schema.measures, schema.ideas, schema.quartier
        with self.engine.connect() as connection:
            latitude = connection.execute(
                sa.select(
                    sa.func.max(sa.func.abs(q.c.maxy)), sa.func.max(sa.func.abs(q.c.miny))
                ).where(q.c.id == quartier)
            ).first()
            # The latitude farthest from the equator: there a degree of longitude is
            # shortest, so the box in degrees is large enough everywhere in the Quartier.
            farthest = max((v for v in latitude if v is not None), default=0.0)
            ideas = sa.and_(
                *self._where(query, period),
                t.c.moderation_state.in_(PUBLIC_STATES),
                self.spatial.near_points(m, t, metres, farthest),
            )
            count = sa.func.count(t.c.id).label("ideas")
            statement = (
                sa.select(m.c.id, m.c.title, count)
                .select_from(m.outerjoin(t, ideas))
                .where(m.c.quartier == quartier, m.c.publication != "archived")
                .group_by(m.c.id, m.c.title)
                .order_by(count.desc(), m.c.title, m.c.id)
            )
            return [NearMeasure(*row) for row in connection.execute(statement)]

    def grid(self, query: LayerQuery, period: TimeRange | None, step: float) -> list[Cell]:
        """Ideas counted in the squares of a grid of ``step`` degrees (the cells of the
        residents' map, ``measures.reading.idea_points``): the cells holding ideas."""
        t = schema.ideas
        # An idea's box is its point. floor: a cell holds west <= lon < east.
        column = sa.func.floor(t.c.minx / step).label("column")
        row = sa.func.floor(t.c.miny / step).label("row")
        statement = (
            sa.select(column, row, sa.func.count())
            .where(*self._where(query, period))
            .group_by(column, row)
            .order_by(column, row)
        )
        return [Cell(int(c), int(r), n) for c, r, n in self._rows(statement)]


def months_between(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` ("2026-11"), both included."""
    year, month = map(int, first.split("-"))
    end = tuple(map(int, last.split("-")))
    months = []
    while (year, month) <= end:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
