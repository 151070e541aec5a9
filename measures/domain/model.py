"""The records of the domain. Geometries are shapely objects in EPSG:4326 (lon, lat)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True)
class Source:
    title: str
    url: str


@dataclass(frozen=True)
class TimelineStep:
    """One dated step on a measure's decision path.

    ``date`` is ISO 8601 at the precision the source gives: ``2020``, ``2020-09`` or
    ``2020-09-15``; sources often name only a month or a year.
    """

    status: str
    date: str
    note: str = ""


@dataclass(frozen=True)
class Quartier:
    id: str
    name: str
    description: str
    accuracy: str
    sources: tuple[Source, ...]
    geometry: BaseGeometry
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Measure:
    id: str
    title: str
    summary: str
    description: str
    category: str
    status: str
    geometry: BaseGeometry
    accuracy: str
    sources: tuple[Source, ...]
    timeline: tuple[TimelineStep, ...] = ()
    cost_eur: int | None = None
    cost_is_estimate: bool = False
    funding_share: float | None = None
    funding_programme: str = ""
    start_year: int | None = None
    end_year: int | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Location:
    id: str
    name: str
    kind: str
    address: str
    description: str
    geometry: BaseGeometry
    accuracy: str
    sources: tuple[Source, ...]
    contact: str = ""
    opening_hours: str = ""
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Idea:
    """The public record of a resident's idea; personal data lives in ``IdeaContact``."""

    id: str
    title: str
    description: str
    category: str
    geometry: BaseGeometry
    created_at: datetime
    moderation_state: str = "pending"
    moderation_reason: str = ""
    supports: int = 0
    updated_at: datetime | None = None
    # Kept when a planner edits the text (e.g. to remove personal data), for the record.
    original_title: str | None = None
    original_description: str | None = None
    duplicate_of: str | None = None
    measure_id: str | None = None
    decided_at: datetime | None = None


@dataclass(frozen=True)
class IdeaContact:
    """Personal data given with an idea; never part of a public view or export."""

    idea_id: str
    author_name: str = ""
    email: str = ""


@dataclass(frozen=True)
class IdeaEvent:
    """One step in an idea's moderation history: who did what, when and why."""

    idea_id: str
    at: datetime
    action: str
    actor: str
    reason: str = ""


@dataclass(frozen=True)
class Planner:
    id: int
    username: str
    password_hash: str
    # Changes at every login and logout; a session that carries an old one is void.
    session_nonce: str
    active: bool = True


@dataclass(frozen=True)
class SeedData:
    quartier: Quartier
    measures: tuple[Measure, ...] = field(default_factory=tuple)
    locations: tuple[Location, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ContactExport:
    """A planner's export of residents' contact data, recorded for accountability."""

    at: datetime
    actor: str
    what: str
    records: int
