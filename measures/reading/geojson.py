"""Public GeoJSON (RFC 7946) views of the domain records.

These are the open-data views: they carry no personal data, whoever asks.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from functools import cache, partial
from operator import attrgetter

import shapely
from shapely.geometry import mapping

from measures.domain.layers import LAYERS, Column
from measures.domain.vocabulary import BODIES, STATUSES


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _sources(value) -> list[dict]:
    return [{"title": s.title, "url": s.url} for s in value]


def _timeline(value) -> list[dict]:
    return [
        {
            "status": step.status,
            "status_label": STATUSES[step.status],
            "date": step.date,
            "note": step.note,
            "body": step.body,
            "body_label": BODIES.get(step.body, ""),
            "reference": step.reference,
        }
        for step in value
    ]


# How the read API writes a value, by the kind of its column; other kinds as they are.
_WRITERS = {"datetime": _iso, "sources": _sources, "timeline": _timeline}


def _property_writer(column: Column) -> Callable[[object], object]:
    """A function from a record to the value of ``column`` as the read API writes it."""
    if column.kind == "label" or column.compute is not None:
        read = column.value
    else:
        read = attrgetter(column.name)
    write = _WRITERS.get(column.kind)
    return read if write is None else (lambda record: write(read(record)))


@cache
def _property_writers(layer: str) -> tuple[tuple[str, Callable[[object], object]], ...]:
    # Chosen once per layer: an index writes every feature of a layer at once.
    return tuple((c.name, _property_writer(c)) for c in LAYERS[layer].columns("public"))


def to_feature(layer: str, record: object) -> dict:
    """The public GeoJSON feature of ``record`` of ``layer``: its public columns, no others.

    Only public columns: an idea's moderation and its author's name and e-mail never
    appear here, whoever asks. Areas wind as RFC 7946 (§3.1.6) asks: outer rings
    counter-clockwise, holes clockwise, whichever way they were stored.
    """
    return {
        "type": "Feature",
        "id": record.id,
        "geometry": mapping(shapely.orient_polygons(record.geometry)),
        "properties": {name: write(record) for name, write in _property_writers(layer)},
    }


def feature_collection(features: list[dict], name: str) -> dict:
    return {"type": "FeatureCollection", "name": name, "features": features}


# The public feature of a record, by layer.
LAYER_FEATURES: dict[str, Callable[[object], dict]] = {
    name: partial(to_feature, name) for name in LAYERS
}


def dumps(document: dict) -> str:
    """Compact JSON with umlauts as they are: how every API answer is written."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def with_features(envelope: bytes, features: list[bytes]) -> bytes:
    """``envelope`` — a document written by ``dumps`` whose last member is
    ``"features":[]`` — with ``features``, each already written, in that list.

    So an answer made of features kept as JSON needs no second writing of each feature.
    """
    if not envelope.endswith(b"[]}"):
        raise ValueError("the envelope must end with an empty features list")
    head, tail = envelope[: -len(b"[]}")] + b"[", b"]}"
    if not features:
        return head + tail
    if len(features) == 1:
        return head + features[0] + tail
    # One copy of the features' bytes (58 MB at 100,000 ideas), not one per "+".
    return b",".join([head + features[0], *features[1:-1], features[-1] + tail])
