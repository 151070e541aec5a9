"""Records ↔ table rows: what the store writes for a record and the record it reads back.

Derived from the fields each layer declares (``measures.domain.model``): a field is a
column of the same name; sources and timelines are JSON; the geometry goes in as WKB with
its bounding box (``schema._spatial_columns``); times come back as UTC. ``updated_at`` is
not part of a row: the store stamps it at every change.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from measures.domain.fields import Field
from measures.domain.layers import LAYERS
from measures.domain.model import Source, TimelineStep


def utc(value: datetime | None) -> datetime | None:
    # SQLite gives back naive datetimes; everything we store is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def spatial_values(geometry: BaseGeometry) -> dict:
    minx, miny, maxx, maxy = geometry.bounds
    return {
        "geom_wkb": shapely.to_wkb(geometry),
        "geom_type": geometry.geom_type,
        "minx": minx,
        "miny": miny,
        "maxx": maxx,
        "maxy": maxy,
    }


def _to_column(field: Field, value: Any) -> Any:
    if field.kind == "sources":
        return [{"title": s.title, "url": s.url} for s in value]
    if field.kind == "timeline":
        return [{"status": s.status, "date": s.date, "note": s.note} for s in value]
    return value


def _from_column(field: Field, value: Any) -> Any:
    if field.kind == "sources":
        return tuple(Source(title=s["title"], url=s["url"]) for s in value)
    if field.kind == "timeline":
        return tuple(TimelineStep(**step) for step in value)
    if field.kind == "datetime":
        return utc(value)
    return value


@cache
def _stored(layer: str) -> tuple[tuple[str, Field], ...]:
    """The layer's fields that are columns of its table (once per layer: asked per row)."""
    return tuple(
        (n, f) for n, f in LAYERS[layer].fields if f.kind != "geometry" and n != "updated_at"
    )


def to_row(layer: str, record: Any) -> dict:
    """The column values of ``record`` of ``layer``, without ``updated_at``."""
    return {
        **{name: _to_column(f, getattr(record, name)) for name, f in _stored(layer)},
        **spatial_values(record.geometry),
    }


def from_row(layer: str, row: Any) -> Any:
    """The record of ``layer`` that a table row holds."""
    values = {name: _from_column(f, getattr(row, name)) for name, f in _stored(layer)}
    return LAYERS[layer].record_type(
        **values, geometry=shapely.from_wkb(row.geom_wkb), updated_at=utc(row.updated_at)
    )
