"""Records ↔ table rows: what the store writes for a record and the record it reads back.

Derived from the fields each layer declares (``measures.domain.model``): a field is a
column of the same name; sources and timelines are JSON; the geometry goes in as WKB with
its bounding box (``schema._spatial_columns``); times come back as UTC. ``updated_at`` is
not part of a row: the store stamps it at every change.
"""

from __future__ import annotations

from collections.abc import Callable
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
        return [
            {
                "status": s.status,
                "date": s.date,
                "note": s.note,
                "body": s.body,
                "reference": s.reference,
            }
            for s in value
        ]
    return value


def _sources_from(value: Any) -> tuple[Source, ...]:
    return tuple(Source(title=s["title"], url=s["url"]) for s in value)


def _timeline_from(value: Any) -> tuple[TimelineStep, ...]:
    return tuple(TimelineStep(**step) for step in value)


# How a column's value becomes the record's, by the field's kind; other kinds as they are.
_READERS = {"sources": _sources_from, "timeline": _timeline_from, "datetime": utc}


@cache
def _readers(layer: str) -> tuple[tuple[str, Callable[[Any], Any] | None], ...]:
    # Chosen once per layer: a layer's index reads every row of it at once.
    return tuple((name, _READERS.get(f.kind)) for name, f in _stored(layer))


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
    values = {
        name: getattr(row, name) if read is None else read(getattr(row, name))
        for name, read in _readers(layer)
    }
    return LAYERS[layer].record_type(
        **values, geometry=shapely.from_wkb(row.geom_wkb), updated_at=utc(row.updated_at)
    )
