"""The records of the domain. Geometries are shapely objects in EPSG:4326 (lon, lat).

The records of the four layers declare their fields here, once (``fields.py``): in the
order in which the read API, OGC API and GIS files show them. ``layers.py`` derives each
layer's columns, filters and checks from these declarations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from shapely.geometry.base import BaseGeometry

from measures.domain import fields as f
from measures.domain.vocabulary import (
    ACCURACIES,
    CATEGORIES,
    LOCATION_KINDS,
    MODERATION_STATES,
    N_,
    STATUSES,
)


@dataclass(frozen=True)
class Source:
    title: str
    url: str


@dataclass(frozen=True)
class TimelineStep:
    """One dated step on a measure's decision path.

    ``date`` is ISO 8601 at the precision the source gives: ``2020``, ``2020-09`` or
    ``2020-09-15``; sources often name only a month or a year, and a step read from a
    file may have none ("") where no source dates it. ``status`` is the measure's status
    after the step. A measure's timeline is its decision-path records
    (``measures.domain.decision_path``) in order, never written on its own.
    """

    status: str
    date: str
    note: str = ""
    body: str = ""
    reference: str = ""


# Declarations used by several layers.
def _accuracy():
    return f.choice(
        ACCURACIES,
        N_("Genauigkeit (Schlüssel)"),
        N_("Lagegenauigkeit"),
        max_length=20,
        label_shapefile="accur_lbl",
    )


def _category():
    return f.choice(
        CATEGORIES,
        N_("Handlungsfeld (Schlüssel)"),
        N_("Handlungsfeld"),
        label_shapefile="categ_lbl",
        filter="category",
        filter_title=N_("Handlungsfeld"),
        filter_description=N_("Nur dieses Handlungsfeld."),
    )


def _updated_at():
    return f.timestamp(N_("Letzte Änderung"))


@dataclass(frozen=True, kw_only=True)
class Quartier:
    id: str = f.identifier()
    name: str = f.text(N_("Name"), required=True)
    description: str = f.text(N_("Beschreibung"), shapefile="descr")
    accuracy: str = _accuracy()
    sources: tuple[Source, ...] = f.sources(N_("Quellen"))
    geometry: BaseGeometry = f.geometry()
    updated_at: datetime | None = _updated_at()

    @property
    def quartier(self) -> str:
        """The Quartier this boundary is of: itself (as records of other layers say it)."""
        return self.id


@dataclass(frozen=True, kw_only=True)
class Measure:
    id: str = f.identifier()
    quartier: str = f.quartier_key()
    title: str = f.text(N_("Titel"), required=True, max_length=200)
    summary: str = f.text(N_("Kurzbeschreibung"), required=True, max_length=500)
    description: str = f.text(N_("Beschreibung"), shapefile="descr")
    category: str = _category()
    status: str = f.choice(
        STATUSES,
        N_("Status (Schlüssel)"),
        N_("Status"),
        label_shapefile="status_lbl",
        filter="status",
        filter_title=N_("Status"),
        filter_description=N_("Nur Maßnahmen mit diesem Status."),
        # Status and timeline follow the decision path, not the planners' form.
        editable=False,
    )
    timeline: tuple[TimelineStep, ...] = f.timeline(N_("Verlauf"), editable=False)
    cost_eur: int | None = f.integer(N_("Kosten (Euro)"), minimum=0, maximum=10**10)
    cost_is_estimate: bool = f.flag(N_("Kosten geschätzt"), shapefile="cost_estim")
    funding_share: float | None = f.fraction(N_("Förderanteil"), shapefile="fund_share")
    funding_programme: str = f.text(N_("Förderprogramm"), max_length=200, shapefile="fund_prog")
    start_year: int | None = f.integer(N_("Beginn (Jahr)"), minimum=1950, maximum=2100)
    end_year: int | None = f.integer(N_("Ende (Jahr)"), minimum=1950, maximum=2100)
    accuracy: str = _accuracy()
    sources: tuple[Source, ...] = f.sources(N_("Quellen"))
    geometry: BaseGeometry = f.geometry()
    updated_at: datetime | None = _updated_at()


@dataclass(frozen=True, kw_only=True)
class Location:
    id: str = f.identifier()
    quartier: str = f.quartier_key()
    name: str = f.text(N_("Name"), required=True, max_length=200)
    kind: str = f.choice(
        LOCATION_KINDS,
        N_("Art (Schlüssel)"),
        N_("Art"),
        filter="kind",
        filter_title=N_("Art des Ortes"),
        filter_description=N_("Nur Orte dieser Art."),
    )
    address: str = f.text(N_("Adresse"), required=True, max_length=300)
    description: str = f.text(N_("Beschreibung"), shapefile="descr")
    contact: str = f.text(N_("Kontakt"), max_length=500)
    opening_hours: str = f.text(N_("Öffnungszeiten"), max_length=500, shapefile="open_hours")
    accessibility: str = f.text(
        N_("Hinweise zur Barrierefreiheit"), max_length=1000, shapefile="access"
    )
    accuracy: str = _accuracy()
    sources: tuple[Source, ...] = f.sources(N_("Quellen"))
    geometry: BaseGeometry = f.geometry()
    updated_at: datetime | None = _updated_at()


@dataclass(frozen=True, kw_only=True)
class Idea:
    """The public record of a resident's idea; personal data lives in ``IdeaContact``.

    The fields after ``updated_at`` are the moderation's: planners see them, nobody else
    (but ``measure_id``, the measure the idea was taken up in).
    """

    id: str = f.identifier(max_length=40)
    quartier: str = f.quartier_key()
    title: str = f.text(N_("Titel"), required=True, max_length=120)
    description: str = f.text(N_("Beschreibung"), required=True, max_length=2000, shapefile="descr")
    category: str = _category()
    created_at: datetime = f.timestamp(N_("Eingereicht am"), required=True)
    supports: int = f.integer(N_("Unterstützungen"), minimum=0, default=0, importable=False)
    geometry: BaseGeometry = f.geometry()
    updated_at: datetime | None = _updated_at()
    moderation_state: str = f.choice(
        MODERATION_STATES,
        N_("Moderation (Schlüssel)"),
        N_("Moderation"),
        audience="planner",
        default="pending",
        max_length=20,
        indexed=True,
        shapefile="mod_state",
        label_shapefile="mod_st_lbl",
    )
    moderation_reason: str = f.text(N_("Begründung"), audience="planner", shapefile="mod_reason")
    decided_at: datetime | None = f.timestamp(N_("Entschieden am"), audience="planner")
    # Kept when a planner edits the text (e.g. to remove personal data), for the record.
    original_title: str | None = f.text(
        N_("Ursprünglicher Titel"), audience="planner", default=None, shapefile="orig_title"
    )
    original_description: str | None = f.text(
        N_("Ursprüngliche Beschreibung"), audience="planner", default=None, shapefile="orig_descr"
    )
    duplicate_of: str | None = f.text(
        N_("Doppelt zu"), audience="planner", default=None, max_length=40, shapefile="dupl_of"
    )
    # The measure the idea was taken up in ("aufgegriffen in …": made into one, or linked
    # by a planner). Public: the idea's page, the measure's, both APIs and exports show it.
    measure_id: str | None = f.text(N_("Aufgegriffen in Maßnahme"), default=None, max_length=80)


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
    email: str = ""
    # The second factor (``measures/domain/accounts.py``): its secret, if set up, and
    # whether this account must have one (an admin's choice for it).
    totp_secret: str | None = None
    totp_required: bool = False

    @property
    def has_password(self) -> bool:
        """False for an invited account whose setup link is not used yet."""
        return bool(self.password_hash)


@dataclass(frozen=True)
class SeedData:
    quartier: Quartier
    measures: tuple[Measure, ...] = field(default_factory=tuple)
    locations: tuple[Location, ...] = field(default_factory=tuple)
    # The Quartier's settings from the folder's profile.json (short name, programme,
    # office): taken when the seed creates the Quartier.
    profile: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ContactExport:
    """A planner's export of residents' contact data, recorded for accountability."""

    at: datetime
    actor: str
    what: str
    records: int
