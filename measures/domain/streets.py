"""Streets of the Quartier that a resident can choose instead of a point on the map.

They live in each Quartier's folder, ``geodata/<slug>/streets.geojson``, with their
sources (``geodata/README.md``). Unlike the seed layers they are not loaded into the
database: they change with the street map, not with the work of the
Quartiersmanagement, and nothing refers to them by id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from measures.domain.seed import GEODATA_DIR, SEED_DIR

STREETS_FILE = "streets.geojson"


@dataclass(frozen=True)
class Street:
    name: str
    lon: float
    lat: float


@lru_cache(maxsize=4)
def read_streets(directory: Path = SEED_DIR) -> tuple[Street, ...]:
    """The streets in the order of the file; read once per process."""
    collection = json.loads((directory / STREETS_FILE).read_text(encoding="utf-8"))
    return tuple(
        Street(
            name=feature["properties"]["name"],
            lon=feature["geometry"]["coordinates"][0],
            lat=feature["geometry"]["coordinates"][1],
        )
        for feature in collection["features"]
    )


def streets_of(slug: str) -> tuple[Street, ...]:
    """The streets of Quartier ``slug`` (``geodata/<slug>/streets.geojson``); none for a
    Quartier without that file (one added on the command line)."""
    directory = GEODATA_DIR / slug
    if not (directory / STREETS_FILE).is_file():
        return ()
    return read_streets(directory)
