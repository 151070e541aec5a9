"""Records ↔ table rows: what the store writes for a record and the record it reads back.

Geometries go in as WKB with their bounding box (``schema._spatial_columns``); times come
back as UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import shapely
from shapely.geometry.base import BaseGeometry

from measures.domain.model import Idea, Location, Measure, Quartier, Source, TimelineStep


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


def sources_to_json(sources: Iterable[Source]) -> list[dict]:
    return [{"title": s.title, "url": s.url} for s in sources]


def sources_from_json(value: list[dict]) -> tuple[Source, ...]:
    return tuple(Source(title=s["title"], url=s["url"]) for s in value)


def quartier_row(q: Quartier) -> dict:
    return {
        "id": q.id,
        "name": q.name,
        "description": q.description,
        "accuracy": q.accuracy,
        "sources": sources_to_json(q.sources),
        **spatial_values(q.geometry),
    }


def measure_row(m: Measure) -> dict:
    return {
        "id": m.id,
        "title": m.title,
        "summary": m.summary,
        "description": m.description,
        "category": m.category,
        "status": m.status,
        "accuracy": m.accuracy,
        "sources": sources_to_json(m.sources),
        "timeline": [{"status": s.status, "date": s.date, "note": s.note} for s in m.timeline],
        "cost_eur": m.cost_eur,
        "cost_is_estimate": m.cost_is_estimate,
        "funding_share": m.funding_share,
        "funding_programme": m.funding_programme,
        "start_year": m.start_year,
        "end_year": m.end_year,
        **spatial_values(m.geometry),
    }


def location_row(loc: Location) -> dict:
    return {
        "id": loc.id,
        "name": loc.name,
        "kind": loc.kind,
        "address": loc.address,
        "description": loc.description,
        "contact": loc.contact,
        "opening_hours": loc.opening_hours,
        "accuracy": loc.accuracy,
        "sources": sources_to_json(loc.sources),
        **spatial_values(loc.geometry),
    }


def idea_row(idea: Idea) -> dict:
    return {
        "id": idea.id,
        "title": idea.title,
        "description": idea.description,
        "category": idea.category,
        "moderation_state": idea.moderation_state,
        "moderation_reason": idea.moderation_reason,
        "supports": idea.supports,
        "created_at": idea.created_at,
        "original_title": idea.original_title,
        "original_description": idea.original_description,
        "duplicate_of": idea.duplicate_of,
        "measure_id": idea.measure_id,
        "decided_at": idea.decided_at,
        **spatial_values(idea.geometry),
    }


def quartier_from(row) -> Quartier:
    return Quartier(
        id=row.id,
        name=row.name,
        description=row.description,
        accuracy=row.accuracy,
        sources=sources_from_json(row.sources),
        geometry=shapely.from_wkb(row.geom_wkb),
        updated_at=utc(row.updated_at),
    )


def measure_from(row) -> Measure:
    return Measure(
        id=row.id,
        title=row.title,
        summary=row.summary,
        description=row.description,
        category=row.category,
        status=row.status,
        geometry=shapely.from_wkb(row.geom_wkb),
        accuracy=row.accuracy,
        sources=sources_from_json(row.sources),
        timeline=tuple(TimelineStep(**step) for step in row.timeline),
        cost_eur=row.cost_eur,
        cost_is_estimate=row.cost_is_estimate,
        funding_share=row.funding_share,
        funding_programme=row.funding_programme,
        start_year=row.start_year,
        end_year=row.end_year,
        updated_at=utc(row.updated_at),
    )


def location_from(row) -> Location:
    return Location(
        id=row.id,
        name=row.name,
        kind=row.kind,
        address=row.address,
        description=row.description,
        geometry=shapely.from_wkb(row.geom_wkb),
        accuracy=row.accuracy,
        sources=sources_from_json(row.sources),
        contact=row.contact,
        opening_hours=row.opening_hours,
        updated_at=utc(row.updated_at),
    )


def idea_from(row) -> Idea:
    return Idea(
        id=row.id,
        title=row.title,
        description=row.description,
        category=row.category,
        geometry=shapely.from_wkb(row.geom_wkb),
        created_at=utc(row.created_at),
        moderation_state=row.moderation_state,
        moderation_reason=row.moderation_reason,
        supports=row.supports,
        updated_at=utc(row.updated_at),
        original_title=row.original_title,
        original_description=row.original_description,
        duplicate_of=row.duplicate_of,
        measure_id=row.measure_id,
        decided_at=utc(row.decided_at),
    )
