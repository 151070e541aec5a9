"""Test data made in one place: ideas (with their contacts), measures and planners.

A test names only the values its assertions depend on; everything else is a plain value
inside the Quartier. The seed geodata (``seed`` fixture) provides the measures and places.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from shapely.geometry import Point, box

from measures.domain.model import (
    Idea,
    IdeaContact,
    Location,
    Measure,
    Quartier,
    SeedData,
    Source,
    TimelineStep,
)
from measures.domain.quartiere import QuartierProfile
from measures.domain.vocabulary import DEFAULT_BODIES

# A spot on the Berliner Ring, inside the Quartier near the KiFaZ.
LON, LAT = 8.4740, 50.5655
# A second Quartier for the tests only: INVENTED, it exists nowhere. Its box overlaps the
# east of Dalheim's boundary, so that a point can lie in both, in Dalheim only (LON, LAT:
# about 400 m west of it) or in the example only (EXAMPLE_LON, EXAMPLE_LAT).
EXAMPLE_SLUG = "beispiel"
EXAMPLE_BOUNDARY = box(8.480, 50.560, 8.500, 50.575)
EXAMPLE_LON, EXAMPLE_LAT = 8.4950, 50.5700

# The password of every planner the tests create: long enough for the rules.
PASSWORD = "ein-langes-geheimes-wort"


def idea(
    idea_id: str,
    *,
    state: str = "approved",
    title: str | None = None,
    description: str = "Ein Vorschlag für das Quartier.",
    category: str = "wohnumfeld_gruen",
    lon: float = LON,
    lat: float = LAT,
    created_at: datetime = datetime(2026, 11, 1, tzinfo=UTC),
    supports: int = 0,
    quartier: str = "dalheim",
) -> Idea:
    """An idea record, approved unless ``state`` says otherwise; titled "Idee <id>"."""
    return Idea(
        id=idea_id,
        quartier=quartier,
        title=f"Idee {idea_id}" if title is None else title,
        description=description,
        category=category,
        geometry=Point(lon, lat),
        created_at=created_at,
        moderation_state=state,
        supports=supports,
    )


def add_idea(store, idea_id: str, *, name: str = "", email: str = "", **fields) -> Idea:
    """Store ``idea(idea_id, **fields)``, with a contact when a name or e-mail is given."""
    record = idea(idea_id, **fields)
    store.ideas.add(record, IdeaContact(idea_id, name, email) if name or email else None)
    return record


def idea_feature(*, lon: float = LON, lat: float = LAT, **properties) -> dict:
    """The GeoJSON Feature a resident sends to ``POST /api/ideas``."""
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "title": "Trinkbrunnen",
            "description": "Ein Trinkbrunnen am Berliner Ring.",
            "category": "wohnumfeld_gruen",
            "consent": True,
            **properties,
        },
    }


def measure(seed, measure_id: str, **changes) -> Measure:
    """A measure like the seed's first one, with another id and the given changes."""
    return dataclasses.replace(seed.measures[0], id=measure_id, **changes)


def moved_on(measure: Measure, status: str, date: str = "2026-12", **changes) -> Measure:
    """``measure`` one step further along its decision path, as a file names it: the
    status is its timeline's last step's."""
    step = TimelineStep(status=status, date=date, body=DEFAULT_BODIES[status])
    return dataclasses.replace(
        measure, status=status, timeline=(*measure.timeline, step), **changes
    )


def seed_with(seed, *measures: Measure):
    """The seed with ``measures`` in place of the seed's measures of the same id, or added."""
    replaced = {m.id: m for m in measures}
    kept = tuple(replaced.pop(m.id, m) for m in seed.measures)
    return dataclasses.replace(seed, measures=kept + tuple(replaced.values()))


def create_planner(runner, name: str = "lea", password: str = PASSWORD) -> str:
    """A planner's account, made on the command line as the README tells operators to."""
    result = runner.invoke(
        args=["planner", "create", name, "--password-stdin"], input=password + "\n"
    )
    assert result.exit_code == 0, result.output
    return name


def example_quartier() -> tuple[Quartier, QuartierProfile]:
    """The invented second Quartier (boundary record and profile), not yet stored."""
    record = Quartier(
        id=EXAMPLE_SLUG,
        name="Beispielquartier (erfunden, nur für Tests)",
        description="Erfundenes Gebiet für die Tests mehrerer Quartiere; keine echten Daten.",
        accuracy="approximate",
        sources=(),
        geometry=EXAMPLE_BOUNDARY,
    )
    profile = QuartierProfile(
        slug=EXAMPLE_SLUG,
        name=record.name,
        boundary=EXAMPLE_BOUNDARY,
        programme="Beispielprogramm",
        tolerance_m=10.0,
        categories=("wohnen", "spiel_freizeit"),
    )
    return record, profile


def example_seed(seed) -> SeedData:
    """The invented Quartier with one measure and one place of its own, both inside it
    and outside Dalheim, made from the first ones of Dalheim's ``seed``."""
    record, _profile = example_quartier()
    where = Point(EXAMPLE_LON, EXAMPLE_LAT)
    source = (Source(title="Erfunden für die Tests", url="https://example.org/beispiel"),)
    measure_ = dataclasses.replace(
        seed.measures[0],
        id="beispiel-platz",
        quartier=EXAMPLE_SLUG,
        title="Platz im Beispielquartier",
        geometry=where,
        sources=source,
    )
    location: Location = dataclasses.replace(
        seed.locations[0],
        id="beispiel-treff",
        quartier=EXAMPLE_SLUG,
        name="Treff im Beispielquartier",
        geometry=where,
        sources=source,
    )
    return SeedData(quartier=record, measures=(measure_,), locations=(location,))


def add_example_quartier(store, seed) -> None:
    """Store the invented Quartier with its profile, its measure and its place."""
    record, profile = example_quartier()
    store.quartiere.add(record, profile)
    store.layers.load_seed(example_seed(seed))
