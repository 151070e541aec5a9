"""Reading the seed geodata (``geodata/*.geojson``) into validated domain records."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

from measures.domain import validation
from measures.domain.model import SeedData
from measures.domain.validation import InvalidFeatures, Problem

GEODATA_DIR = Path(__file__).resolve().parents[2] / "geodata"
QUARTIER_FILE = "quartier.geojson"
MEASURES_FILE = "measures.geojson"
LOCATIONS_FILE = "locations.geojson"

# Hand-placed positions may sit a little off a boundary that is itself an approximation.
DEFAULT_TOLERANCE_M = 25.0


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidFeatures([Problem(path.name, None, "-", "Datei fehlt.")]) from None
    except UnicodeDecodeError:
        raise InvalidFeatures([Problem(path.name, None, "-", "ist nicht UTF-8-kodiert.")]) from None
    except json.JSONDecodeError as error:
        raise InvalidFeatures(
            [
                Problem(
                    path.name,
                    None,
                    "-",
                    f"kein gültiges JSON (Zeile {error.lineno}, Spalte {error.colno}).",
                )
            ]
        ) from None


def read_seed(directory: Path = GEODATA_DIR, tolerance_m: float = DEFAULT_TOLERANCE_M) -> SeedData:
    """Read and validate all seed files; raise ``InvalidFeatures`` with every problem found."""
    problems: list[Problem] = []

    def attempt(read, file):
        try:
            return read(_read_json(directory / file), file)
        except InvalidFeatures as error:
            problems.extend(error.problems)
            return None

    quartier = attempt(validation.read_quartier, QUARTIER_FILE)
    measures = attempt(partial(validation.read_records, layer="measures"), MEASURES_FILE)
    locations = attempt(partial(validation.read_records, layer="locations"), LOCATIONS_FILE)
    if quartier is not None:
        for records, file in ((measures, MEASURES_FILE), (locations, LOCATIONS_FILE)):
            if records:
                try:
                    validation.check_inside(quartier, records, file, tolerance_m)
                except InvalidFeatures as error:
                    problems.extend(error.problems)
    if problems:
        raise InvalidFeatures(problems)
    return SeedData(quartier=quartier, measures=tuple(measures), locations=tuple(locations))
