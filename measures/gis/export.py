"""Exports for GIS: records → GeoDataFrame → file, written by pyogrio (GDAL) or as CSV.

Framework-free: the web layer (``app/export.py``) and the command line both parse their
options with ``parse_spec`` and call ``write_export``, which builds the file in a folder
the caller owns (a temporary one) so that large exports never sit in memory as a whole.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd

from measures.domain import crs
from measures.domain.errors import QueryError
from measures.domain.layers import LAYERS
from measures.domain.messages import Message
from measures.domain.model import IdeaContact
from measures.domain.query import LayerQuery
from measures.domain.times import parse_time
from measures.domain.vocabulary import MODERATION_STATES, N_
from measures.gis import attributes, writers
from measures.gis.formats import FORMATS, WGS84, ExportFormat
from measures.reading.parameters import LAYER_PARAMETERS, parse_layer_query
from measures.storage.filters import TimeRange
from measures.storage.store import Store

PUBLIC_LAYERS = tuple(LAYERS)
# All ideas in every moderation state, with history: for logged-in planners only.
PLANNER_IDEAS = "ideas-all"
# The options every export understands besides the layer's own filters.
OPTIONS = frozenset({"crs", "from", "to"})


@dataclass(frozen=True)
class ExportSpec:
    """What to export: the layers, the format, the CRS and the filters of each layer."""

    layers: tuple[str, ...]
    fmt: ExportFormat
    epsg: int = WGS84
    queries: Mapping[str, LayerQuery] = field(default_factory=dict)
    since: datetime | None = None
    until: datetime | None = None
    with_contacts: bool = False

    @property
    def title(self) -> str:
        if len(self.layers) > 1:
            return "quartierskarte"
        return self.layers[0] + ("-kontakte" if self.with_contacts else "")


@dataclass(frozen=True)
class ExportResult:
    path: Path
    counts: dict[str, int]


# -- options ---------------------------------------------------------------------------------


def _single(args: Mapping[str, list[str]], name: str) -> str | None:
    values = [v for v in args.get(name, []) if v.strip()]
    if len(values) > 1:
        raise QueryError(
            name, Message(N_("'%(name)s' darf nur einmal angegeben werden."), name=name)
        )
    return values[0].strip() if values else None


def parse_crs(text: str | None, fmt: ExportFormat) -> int:
    """An EPSG code as ``25832`` or ``EPSG:25832``; GeoJSON and KML are always 4326."""
    if text is None:
        return WGS84
    code = crs.epsg_number(crs.parse_crs(text, "crs"))
    if fmt.wgs84_only and code != WGS84:
        raise QueryError(
            "crs",
            Message(
                N_(
                    "%(format)s ist immer in EPSG:4326 (Länge/Breite). Für EPSG:%(code)s bitte "
                    "GeoPackage, Shapefile, FlatGeobuf oder CSV wählen."
                ),
                format=fmt.label,
                code=code,
            ),
        )
    return code


def _day_or_instant(text: str, name: str) -> tuple[datetime, datetime]:
    """The first and last instant of a date (the whole day, UTC) or an ISO 8601 date-time."""
    return parse_time(
        text,
        name,
        Message(
            N_("'%(name)s' muss ein Datum wie 2026-01-31 sein (oder Datum und Uhrzeit)."), name=name
        ),
        rfc3339=False,
    )


def _date_range(args: Mapping[str, list[str]]) -> tuple[datetime | None, datetime | None]:
    since_text, until_text = _single(args, "from"), _single(args, "to")
    since = _day_or_instant(since_text, "from")[0] if since_text else None
    until = _day_or_instant(until_text, "to")[1] if until_text else None
    if since and until and since > until:
        raise QueryError("from", N_("Der Zeitraum beginnt nach seinem Ende ('from' nach 'to')."))
    return since, until


def _query_layer(layer: str) -> str:
    return "ideas" if layer == PLANNER_IDEAS else layer


def _queries(layers: Sequence[str], filters: Mapping[str, list[str]]) -> dict[str, LayerQuery]:
    if len(layers) == 1:
        return {layers[0]: parse_layer_query(_query_layer(layers[0]), filters)}
    # For all layers at once each filter applies to the layers that know it.
    known = set().union(*(LAYER_PARAMETERS[_query_layer(layer)] for layer in layers))
    unknown = sorted(set(filters) - known)
    if unknown:
        raise QueryError(
            unknown[0],
            Message(
                N_("Den Filter '%(name)s' gibt es nicht. Möglich sind: %(allowed)s."),
                name=unknown[0],
                allowed=", ".join(sorted(known)),
            ),
        )
    return {
        layer: parse_layer_query(
            _query_layer(layer),
            {k: v for k, v in filters.items() if k in LAYER_PARAMETERS[_query_layer(layer)]},
        )
        for layer in layers
    }


def parse_format(key: str) -> ExportFormat:
    if key not in FORMATS:
        raise QueryError(
            "format",
            Message(
                N_("Das Format '%(format)s' gibt es nicht. Möglich sind: %(allowed)s."),
                format=key,
                allowed=", ".join(FORMATS),
            ),
        )
    return FORMATS[key]


def parse_spec(
    layers: Sequence[str],
    format_key: str,
    args: Mapping[str, list[str]],
    with_contacts: bool = False,
) -> ExportSpec:
    """Check every option (``args``: parameter → all its values); raise ``QueryError``."""
    fmt = parse_format(format_key)
    if len(layers) > 1 and fmt.key != "gpkg":
        raise QueryError("format", N_("Alle Ebenen in einer Datei gibt es nur als GeoPackage."))
    if with_contacts and tuple(layers) != (PLANNER_IDEAS,):
        raise ValueError("contact data belong to the planners' export of ideas only")
    epsg = parse_crs(_single(args, "crs"), fmt)
    since, until = _date_range(args)
    filters = {k: v for k, v in args.items() if k not in OPTIONS}
    return ExportSpec(
        layers=tuple(layers),
        fmt=fmt,
        epsg=epsg,
        queries=_queries(layers, filters),
        since=since,
        until=until,
        with_contacts=with_contacts,
    )


def download_name(spec: ExportSpec, day: date) -> str:
    """E.g. ``dalheim-measures-2026-11-25-epsg25832.gpkg``."""
    variant = "-excel" if spec.fmt.key == "csv-excel" else ""
    return f"dalheim-{spec.title}-{day.isoformat()}-epsg{spec.epsg}{variant}.{spec.fmt.extension}"


# -- records → GeoDataFrame -----------------------------------------------------------------


def _series(kind: str, values: list) -> pd.Series:
    # Nullable integers stay integers in GIS files (plain pandas would make them floats).
    if kind == "int":
        return pd.Series(pd.array(values, dtype="Int64"))
    if kind == "float":
        return pd.Series(values, dtype="float64")
    if kind == "bool":
        return pd.Series(values, dtype="bool")
    if kind == "datetime":
        # Date-time fields in GeoPackage and FlatGeobuf, not text.
        return pd.Series(pd.to_datetime(values, utc=True))
    return pd.Series(values, dtype="object")


def frame(
    columns: Mapping[str, str], rows: list[dict], geometries: list, epsg: int
) -> gpd.GeoDataFrame:
    """A GeoDataFrame with the given schema from flat rows and EPSG:4326 geometries."""
    data = {name: _series(kind, [row.get(name) for row in rows]) for name, kind in columns.items()}
    result = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geometries, crs=WGS84))
    return result if epsg == WGS84 else result.to_crs(epsg)


def _time_range(layer: str, spec: ExportSpec) -> TimeRange | None:
    if spec.since is None and spec.until is None:
        return None
    # Ideas by when they were handed in, everything else by its last change.
    return TimeRange(LAYERS[_query_layer(layer)].time_field, spec.since, spec.until)


def _columns(layer: str, spec: ExportSpec) -> attributes.Columns:
    """The columns of ``layer`` in this export, with their kinds."""
    if layer != PLANNER_IDEAS:
        return attributes.columns_of(layer)
    if spec.with_contacts:
        return {**attributes.PLANNER_IDEA_COLUMNS, **attributes.CONTACT_COLUMNS}
    return attributes.PLANNER_IDEA_COLUMNS


def layer_frame(store: Store, layer: str, spec: ExportSpec) -> gpd.GeoDataFrame:
    """The records of one layer as the export's table, reprojected to ``spec.epsg``."""
    query = spec.queries.get(layer, LayerQuery())
    columns = _columns(layer, spec)
    if layer == PLANNER_IDEAS:
        records = store.ideas.find(tuple(MODERATION_STATES), query, _time_range(layer, spec))
        histories = store.ideas.histories()
        contacts = store.ideas.contacts_by_idea() if spec.with_contacts else {}
        if spec.with_contacts:
            rows = [
                attributes.planner_idea_row(
                    r, histories.get(r.id, []), contacts.get(r.id) or IdeaContact(idea_id=r.id)
                )
                for r in records
            ]
        else:
            rows = [attributes.planner_idea_row(r, histories.get(r.id, [])) for r in records]
    else:
        records = store.layers.records(layer, query, _time_range(layer, spec))
        rows = [attributes.to_row(layer, r) for r in records]
    return frame(columns, rows, [r.geometry for r in records], spec.epsg)


def write_export(store: Store, spec: ExportSpec, directory: Path) -> ExportResult:
    """Read the layers of ``spec`` from ``store`` and write the file into ``directory``."""
    frames = {layer: layer_frame(store, layer, spec) for layer in spec.layers}
    json_columns = {
        layer: [name for name, kind in _columns(layer, spec).items() if kind == "json"]
        for layer in spec.layers
    }
    path = writers.write_frames(frames, spec.fmt, directory, json_columns)
    return ExportResult(path=path, counts={layer: len(f) for layer, f in frames.items()})
