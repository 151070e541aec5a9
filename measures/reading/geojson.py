"""Public GeoJSON (RFC 7946) views of the domain records.

These are the open-data views: they carry no personal data, whoever asks.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime

from shapely.geometry import mapping

from measures.domain.model import Idea, Location, Measure, Quartier, Source
from measures.domain.vocabulary import ACCURACIES, CATEGORIES, LOCATION_KINDS, STATUSES


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _sources(sources: Iterable[Source]) -> list[dict]:
    return [{"title": s.title, "url": s.url} for s in sources]


def _feature(record_id: str, geometry, properties: dict) -> dict:
    return {
        "type": "Feature",
        "id": record_id,
        "geometry": mapping(geometry),
        "properties": {"id": record_id, **properties},
    }


def status_date(measure: Measure) -> str | None:
    """The date the measure reached its current status, if the timeline records it."""
    dates = [step.date for step in measure.timeline if step.status == measure.status]
    return dates[-1] if dates else None


def quartier_feature(q: Quartier) -> dict:
    return _feature(
        q.id,
        q.geometry,
        {
            "name": q.name,
            "description": q.description,
            "accuracy": q.accuracy,
            "accuracy_label": ACCURACIES[q.accuracy],
            "sources": _sources(q.sources),
            "updated_at": _iso(q.updated_at),
        },
    )


def measure_feature(m: Measure) -> dict:
    return _feature(
        m.id,
        m.geometry,
        {
            "title": m.title,
            "summary": m.summary,
            "description": m.description,
            "category": m.category,
            "category_label": CATEGORIES[m.category],
            "status": m.status,
            "status_label": STATUSES[m.status],
            "status_date": status_date(m),
            "timeline": [
                {
                    "status": step.status,
                    "status_label": STATUSES[step.status],
                    "date": step.date,
                    "note": step.note,
                }
                for step in m.timeline
            ],
            "cost_eur": m.cost_eur,
            "cost_is_estimate": m.cost_is_estimate,
            "funding_share": m.funding_share,
            "funding_programme": m.funding_programme,
            "start_year": m.start_year,
            "end_year": m.end_year,
            "accuracy": m.accuracy,
            "accuracy_label": ACCURACIES[m.accuracy],
            "sources": _sources(m.sources),
            "updated_at": _iso(m.updated_at),
        },
    )


def location_feature(loc: Location) -> dict:
    return _feature(
        loc.id,
        loc.geometry,
        {
            "name": loc.name,
            "kind": loc.kind,
            "kind_label": LOCATION_KINDS[loc.kind],
            "address": loc.address,
            "description": loc.description,
            "contact": loc.contact,
            "opening_hours": loc.opening_hours,
            "accuracy": loc.accuracy,
            "accuracy_label": ACCURACIES[loc.accuracy],
            "sources": _sources(loc.sources),
            "updated_at": _iso(loc.updated_at),
        },
    )


def idea_feature(idea: Idea) -> dict:
    # Deliberately without author name and e-mail: those live apart and stay private.
    return _feature(
        idea.id,
        idea.geometry,
        {
            "title": idea.title,
            "description": idea.description,
            "category": idea.category,
            "category_label": CATEGORIES[idea.category],
            "created_at": _iso(idea.created_at),
            "supports": idea.supports,
            "updated_at": _iso(idea.updated_at),
        },
    )


def feature_collection(features: list[dict], name: str) -> dict:
    return {"type": "FeatureCollection", "name": name, "features": features}


# The public feature of a record, by layer.
LAYER_FEATURES: dict[str, Callable[[object], dict]] = {
    "quartier": quartier_feature,
    "measures": measure_feature,
    "locations": location_feature,
    "ideas": idea_feature,
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
