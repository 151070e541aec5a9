"""Two versions of a measure or place side by side: which fields differ, and how.

The planners' history pages (``app/history.py``) show this, the GIS import's dry run
shows values the same way (``value_lines``): a source or a step of the timeline per line,
dates as people in Dalheim write them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import shapely

from measures.domain import geo
from measures.domain.vocabulary import STATUSES


def german_date(text: str) -> str:
    """``2020-09-15`` → ``15.09.2020``, ``2020-09`` → ``09.2020``; a year stays as it is."""
    return ".".join(reversed(text.split("-")))


def describe(value: Any) -> str:
    """A plain value as a short text: ja/nein, – for nothing, long texts cut at 80."""
    if value is True or value is False:
        return "ja" if value else "nein"
    text = "–" if value in (None, "", ()) else str(value)
    return text if len(text) <= 80 else text[:79] + "…"


def value_lines(field: str, value: Any) -> tuple[str, ...]:
    """A field's value as lines a person reads: one per source or step of the timeline."""
    if field == "sources" and value:
        return tuple(f"{s.title} – {s.url}" for s in value)
    if field == "timeline" and value:
        return tuple(
            f"{german_date(s.date)}: {STATUSES.get(s.status, s.status)}"
            + (f" – {s.note}" if s.note else "")
            for s in value
        )
    return (describe(value),)


@dataclass(frozen=True)
class FieldDiff:
    field: str
    before: tuple[str, ...]
    after: tuple[str, ...]


@dataclass(frozen=True)
class GeometryDiff:
    changed: bool
    before_type: str
    after_type: str
    before_vertices: int
    after_vertices: int
    # How far the farthest point moved (Hausdorff distance), in metres.
    moved_m: float


@dataclass(frozen=True)
class Diff:
    fields: tuple[FieldDiff, ...]
    geometry: GeometryDiff


def compare(old, new) -> Diff:
    """Field by field, ``old`` → ``new`` (records of one layer); ``updated_at`` aside."""
    fields = []
    for f in dataclasses.fields(new):
        if f.name in ("updated_at", "geometry"):
            continue
        before, after = getattr(old, f.name), getattr(new, f.name)
        if before != after:
            fields.append(
                FieldDiff(f.name, value_lines(f.name, before), value_lines(f.name, after))
            )
    a, b = old.geometry, new.geometry
    changed = a.geom_type != b.geom_type or not shapely.equals_exact(a, b, 0)
    moved = (
        geo.to_crs(a, geo.UTM32N).hausdorff_distance(geo.to_crs(b, geo.UTM32N)) if changed else 0.0
    )
    geometry = GeometryDiff(
        changed=changed,
        before_type=a.geom_type,
        after_type=b.geom_type,
        before_vertices=int(shapely.get_num_coordinates(a)),
        after_vertices=int(shapely.get_num_coordinates(b)),
        moved_m=moved,
    )
    return Diff(tuple(fields), geometry)
