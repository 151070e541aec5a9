"""Public GeoJSON (RFC 7946) views of the domain records.

These are the open-data views: they carry no personal data, whoever asks.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from functools import partial

from shapely.geometry import mapping

from measures.domain.layers import LAYERS, Column
from measures.domain.vocabulary import STATUSES


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _json_value(column: Column, record: object) -> object:
    """The value of ``column`` as the read API writes it, by the kind of the column."""
    value = column.value(record)
    if column.kind == "datetime":
        return _iso(value)
    if column.kind == "sources":
        return [{"title": s.title, "url": s.url} for s in value]
    if column.kind == "timeline":
        return [
            {
                "status": step.status,
                "status_label": STATUSES[step.status],
                "date": step.date,
                "note": step.note,
            }
            for step in value
        ]
    return value


def to_feature(layer: str, record: object) -> dict:
    """The public GeoJSON feature of ``record`` of ``layer``: its public columns, no others.

    Only public columns: an idea's moderation and its author's name and e-mail never
    appear here, whoever asks.
    """
    return {
        "type": "Feature",
        "id": record.id,
        "geometry": mapping(record.geometry),
        "properties": {c.name: _json_value(c, record) for c in LAYERS[layer].columns("public")},
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
    return envelope[: -len(b"[]}")] + b"[" + b",".join(features) + b"]}"
