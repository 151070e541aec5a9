"""Test data made in one place: ideas (with their contacts), measures and planners.

A test names only the values its assertions depend on; everything else is a plain value
inside the Quartier. The seed geodata (``seed`` fixture) provides the measures and places.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from shapely.geometry import Point

from measures.domain.model import Idea, IdeaContact, Measure

# A spot on the Berliner Ring, inside the Quartier near the KiFaZ.
LON, LAT = 8.4740, 50.5655
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
) -> Idea:
    """An idea record, approved unless ``state`` says otherwise; titled "Idee <id>"."""
    return Idea(
        id=idea_id,
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
