"""The planners' statistics of a Quartier's ideas: ``/planung/statistik``.

Each figure is a table (the accessible form, and the numbers of its CSV download) with a
chart beside it drawn as plain SVG on the server (``templates/planning/_charts.html``),
which screen readers skip (``aria-hidden``): the table says the same. The numbers come
from the database (``measures/storage/statistics.py``); this module parses the filters,
asks for them and lays them out.

The CSV is what German Excel opens by a double click: UTF-8 with a byte-order mark
(without it Excel reads the umlauts as Windows-1252) and ``;`` between the columns
(Excel in German takes ``,`` as the decimal sign and splits at ``;``), decimals with a
comma — as the export's "CSV für Excel (deutsch)" (``measures/gis/spreadsheet.py``).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from babel.numbers import format_decimal
from flask import Blueprint, Response, abort, render_template, request
from flask_babel import get_locale, gettext

from app import quartiere
from app.auth import planner_required
from app.db import get_store
from app.i18n import label
from measures.domain.layers import LAYERS
from measures.domain.query import LayerQuery
from measures.gis.spreadsheet import neutralise
from measures.reading.idea_points import statistics_step
from measures.reports.session_paper import NEARBY_M
from measures.storage.filters import TimeRange
from measures.storage.statistics import months_between

bp = Blueprint("statistics", __name__, url_prefix="/planung/statistik")

# The distance around a measure within which ideas count as near it: the one within
# which the Sitzungsunterlage lists ideas with each measure.
NEAR_METRES = NEARBY_M
# How many of the most supported ideas the ranking shows.
RANKING = 10

# The vocabularies of the ideas layer: keys and labels of the Handlungsfelder and states.
CATEGORY_LABELS = LAYERS["ideas"].field("category").vocabulary
STATE_LABELS = LAYERS["ideas"].field("moderation_state").vocabulary


@dataclass
class Table:
    """One figure: its rows as values (numbers stay numbers), for the page and the CSV."""

    name: str
    title: str
    headings: list[str]
    rows: list[list] = field(default_factory=list)
    # The column whose numbers the bar chart draws, and the one that names each bar.
    chart_value: int | None = None
    chart_label: int = 0


@dataclass(frozen=True)
class Filters:
    start: date | None = None
    end: date | None = None
    categories: tuple[str, ...] = ()

    def query(self, slug: str) -> LayerQuery:
        return LayerQuery.of(quartier={slug}, category=set(self.categories))

    def period(self) -> TimeRange | None:
        if self.start is None and self.end is None:
            return None
        # Whole days in UTC, as every other date filter of the service reads them.
        start = datetime.combine(self.start, time(), tzinfo=UTC) if self.start else None
        end = (
            datetime.combine(self.end, time(), tzinfo=UTC) + timedelta(days=1, microseconds=-1)
            if self.end
            else None
        )
        return TimeRange("created_at", start, end)

    def args(self) -> dict:
        """The filters as the URL carries them (for the CSV links)."""
        values: dict = {}
        if self.start:
            values["von"] = self.start.isoformat()
        if self.end:
            values["bis"] = self.end.isoformat()
        if self.categories:
            values["handlungsfeld"] = list(self.categories)
        return values


def _day(text: str, name: str, errors: dict[str, str]) -> date | None:
    if not text:
        return None
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = gettext("Bitte ein Datum wie 2026-11-30 angeben (Jahr-Monat-Tag).")
        return None


def parse_filters(args, categories: tuple[str, ...]) -> tuple[Filters, dict[str, str]]:
    """The filters of the URL and a German message per bad field (field name → text)."""
    errors: dict[str, str] = {}
    start = _day(args.get("von", "").strip(), "von", errors)
    end = _day(args.get("bis", "").strip(), "bis", errors)
    if start and end and start > end:
        errors["bis"] = gettext("Das Ende des Zeitraums liegt vor seinem Anfang.")
    wanted = tuple(dict.fromkeys(key for key in args.getlist("handlungsfeld") if key))
    if any(key not in categories for key in wanted):
        errors["handlungsfeld"] = gettext("Bitte nur Handlungsfelder aus der Liste wählen.")
    return Filters(start, end, wanted), errors


def _categories() -> tuple[str, ...]:
    return quartiere.current_quartier().categories


@dataclass(frozen=True)
class _Ask:
    """What every figure is asked with: the repository, the Quartier and the filters."""

    slug: str
    filters: Filters
    query: LayerQuery
    period: TimeRange | None

    @property
    def stats(self):
        return get_store().statistics


def _by_category(ask: _Ask) -> Table:
    counts = ask.stats.count_by("category", ask.query, ask.period)
    shown = ask.filters.categories or _categories()
    return Table(
        "handlungsfelder",
        gettext("Ideen je Handlungsfeld"),
        [gettext("Handlungsfeld"), gettext("Ideen")],
        [[label(CATEGORY_LABELS[key]), counts.get(key, 0)] for key in shown],
        chart_value=1,
    )


def _by_month(ask: _Ask) -> Table:
    counts = ask.stats.count_by_month(ask.query, ask.period)
    months = months_between(min(counts), max(counts)) if counts else []
    return Table(
        "monate",
        gettext("Ideen je Monat (Eingang, UTC)"),
        [gettext("Monat"), gettext("Ideen")],
        [[month, counts.get(month, 0)] for month in months],
        chart_value=1,
    )


def _by_state(ask: _Ask) -> Table:
    counts = ask.stats.count_by("moderation_state", ask.query, ask.period)
    return Table(
        "status",
        gettext("Ideen je Stand"),
        [gettext("Stand"), gettext("Ideen")],
        [[label(text), counts.get(key, 0)] for key, text in STATE_LABELS.items()],
        chart_value=1,
    )


def _to_decision(ask: _Ask) -> Table:
    median = ask.stats.median_to_decision(ask.query, ask.period)
    return Table(
        "entscheidung",
        gettext("Zeit bis zur Entscheidung"),
        [gettext("Kennzahl"), gettext("Wert")],
        [
            [
                gettext("Median der Tage von der Einreichung bis zur Freigabe oder Ablehnung"),
                None if median.days is None else round(median.days, 1),
            ],
            [gettext("Entschiedene Ideen"), median.count],
        ],
    )


def _ranking(ask: _Ask) -> Table:
    found = ask.stats.most_supported(ask.query, ask.period, RANKING)
    return Table(
        "unterstuetzungen",
        gettext("Meist unterstützte Ideen"),
        [gettext("Platz"), gettext("Idee"), gettext("Handlungsfeld"), gettext("Unterstützungen")],
        [
            [place, idea.title, label(CATEGORY_LABELS[idea.category]), idea.supports]
            for place, idea in enumerate(found, start=1)
        ],
        chart_value=3,
        chart_label=1,
    )


def _near_measures(ask: _Ask) -> Table:
    found = ask.stats.near_measures(ask.slug, ask.query, ask.period, NEAR_METRES)
    return Table(
        "massnahmen",
        gettext("Freigegebene Ideen im Umkreis von %(metres)s m je Maßnahme", metres=NEAR_METRES),
        [gettext("Maßnahme"), gettext("Ideen")],
        [[m.title, m.ideas] for m in found],
        chart_value=1,
    )


def _grid(ask: _Ask) -> Table:
    step = _step()
    return Table(
        "raster",
        gettext("Dichte der Ideen im Raster"),
        [
            gettext("Länge (Mitte der Zelle)"),
            gettext("Breite (Mitte der Zelle)"),
            gettext("Ideen"),
        ],
        [
            [round((c.column + 0.5) * step, 7), round((c.row + 0.5) * step, 7), c.ideas]
            for c in ask.stats.grid(ask.query, ask.period, step)
        ],
    )


# The figures in the order of the page; the keys are the names of their CSV files.
FIGURES = {
    "handlungsfelder": _by_category,
    "monate": _by_month,
    "status": _by_state,
    "entscheidung": _to_decision,
    "unterstuetzungen": _ranking,
    "massnahmen": _near_measures,
    "raster": _grid,
}


def _ask(filters: Filters) -> _Ask:
    slug = quartiere.current_quartier().slug
    return _Ask(slug, filters, filters.query(slug), filters.period())


def _boundary():
    quartier = get_store().layers.quartier(quartiere.current_quartier().slug)
    return quartier.geometry if quartier is not None else None


def _step() -> float:
    boundary = _boundary()
    return statistics_step(boundary.bounds if boundary is not None else (0, 0, 0.01, 0.01))


# Shades of the density map, lightest first; a cell's shade is its share of the fullest.
SHADES = ("#fde0c5", "#facba6", "#f59e72", "#ea6f4f", "#b3293b")


def _density_map(table: Table) -> dict | None:
    """The grid's cells and the Quartier's outline in the coordinates of an SVG: x east,
    y south, a degree of longitude shortened by the cosine of the latitude."""
    boundary = _boundary()
    if boundary is None:
        return None
    step = _step()
    minx, miny, maxx, maxy = boundary.bounds
    shrink = math.cos(math.radians((miny + maxy) / 2))
    scale = 1000 / max((maxx - minx) * shrink, maxy - miny)

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return round((lon - minx) * shrink * scale, 1), round((maxy - lat) * scale, 1)

    outline = []
    for polygon in getattr(boundary, "geoms", [boundary]):
        for ring in (polygon.exterior, *polygon.interiors):
            points = " L ".join(" ".join(map(str, xy(x, y))) for x, y in ring.coords)
            outline.append(f"M {points} Z")
    most = max((row[2] for row in table.rows), default=0)
    cells = []
    for lon, lat, count in table.rows:
        x, y = xy(lon - step / 2, lat + step / 2)
        shade = SHADES[min(len(SHADES) - 1, int(len(SHADES) * count / (most + 1)))]
        cells.append(
            {
                "x": x,
                "y": y,
                "width": round(step * shrink * scale, 1),
                "height": round(step * scale, 1),
                "fill": shade,
            }
        )
    width, height = xy(maxx, miny)
    return {
        "width": width,
        "height": height,
        "outline": " ".join(outline),
        "cells": cells,
        "most": most,
        "shades": SHADES,
        "cell_m": round(step * 111_320 * shrink),
    }


def _page(filters: Filters, errors: dict[str, str]):
    ask = _ask(filters)
    tables = {} if errors else {name: make(ask) for name, make in FIGURES.items()}
    return (
        render_template(
            "planning/statistics.html",
            tables=tables,
            total=sum(row[1] for row in tables["status"].rows) if tables else 0,
            filters=filters,
            errors=errors,
            values=request.args,
            categories={key: label(CATEGORY_LABELS[key]) for key in _categories()},
            density=_density_map(tables["raster"]) if tables else None,
            near_metres=NEAR_METRES,
        ),
        400 if errors else 200,
    )


@bp.get("/")
@planner_required
def page():
    """The statistics of the Quartier's ideas, filtered by period and Handlungsfeld."""
    return _page(*parse_filters(request.args, _categories()))


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    if isinstance(value, str):
        return neutralise(value)
    return str(value)


def to_csv(table: Table) -> bytes:
    """The table as German Excel opens it (see the module's head)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(table.headings)
    for row in table.rows:
        writer.writerow([_csv_cell(value) for value in row])
    return out.getvalue().encode("utf-8-sig")


@bp.get("/<table>.csv")
@planner_required
def download(table: str):
    """One figure's table as CSV, with the page's filters."""
    if table not in FIGURES:
        abort(404)
    filters, errors = parse_filters(request.args, _categories())
    if errors:
        return _page(filters, errors)
    slug = quartiere.current_quartier().slug
    return Response(
        to_csv(FIGURES[table](_ask(filters))),
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="statistik-{slug}-{table}.csv"',
        },
    )


def number(value) -> str:
    """A figure of a table as the page's language writes it; "–" where there is none."""
    if value is None:
        return "–"
    # All the decimals there are: a cell's centre has seven, Babel would keep three.
    return format_decimal(value, locale=get_locale(), decimal_quantization=False)


def init_app(app) -> None:
    quartiere.register(app, bp)
    app.add_template_filter(number, "number")
