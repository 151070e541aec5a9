"""Reading the seed geodata into validated domain records: a folder per Quartier
(``geodata/<slug>/*.geojson``)."""

from __future__ import annotations

import dataclasses
import json
from functools import partial
from pathlib import Path

from measures.domain import validation
from measures.domain.model import SeedData
from measures.domain.quartiere import DEFAULT_TOLERANCE_M
from measures.domain.validation import InvalidFeatures, Problem

GEODATA_DIR = Path(__file__).resolve().parents[2] / "geodata"
# The seed's one Quartier.
SEED_DIR = GEODATA_DIR / "dalheim"
QUARTIER_FILE = "quartier.geojson"
MEASURES_FILE = "measures.geojson"
LOCATIONS_FILE = "locations.geojson"
# Optional: the Quartier's short name, programme and office, as texts.
PROFILE_FILE = "profile.json"
PROFILE_KEYS = ("short_name", "programme", "contact")

__all__ = ["DEFAULT_TOLERANCE_M", "read_seed", "read_seeds", "seed_folders"]


def seed_folders(root: Path = GEODATA_DIR) -> list[Path]:
    """The folders of Quartiere under ``root``, by name; ``root`` itself when it is one."""
    if (root / QUARTIER_FILE).is_file():
        return [root]
    return (
        sorted(p for p in root.iterdir() if (p / QUARTIER_FILE).is_file()) if root.is_dir() else []
    )


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


def read_seeds(
    root: Path = GEODATA_DIR, tolerance_m: float = DEFAULT_TOLERANCE_M
) -> list[SeedData]:
    """The seed of every Quartier folder under ``root``; ``InvalidFeatures`` with every
    problem of every folder (the file names then start with the folder's)."""
    folders = seed_folders(root)
    if not folders:
        raise InvalidFeatures(
            [Problem(root.name, None, "-", "enthält keinen Ordner mit quartier.geojson.")]
        )
    seeds, problems = [], []
    for folder in folders:
        try:
            seeds.append(read_seed(folder, tolerance_m))
        except InvalidFeatures as error:
            prefix = "" if folder == root else f"{folder.name}/"
            problems.extend(dataclasses.replace(p, file=prefix + p.file) for p in error.problems)
    if problems:
        raise InvalidFeatures(problems)
    return seeds


def read_seed(directory: Path = SEED_DIR, tolerance_m: float = DEFAULT_TOLERANCE_M) -> SeedData:
    """Read and validate the seed files of one Quartier; raise ``InvalidFeatures`` with
    every problem found. Measures and places belong to the Quartier of the folder's
    ``quartier.geojson`` (its id is the Quartier's slug)."""
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
    profile = _read_profile(directory, problems)
    if problems:
        raise InvalidFeatures(problems)

    def owned(records):
        return tuple(dataclasses.replace(r, quartier=quartier.id) for r in records)

    return SeedData(
        quartier=quartier, measures=owned(measures), locations=owned(locations), profile=profile
    )


def _read_profile(directory: Path, problems: list[Problem]) -> dict[str, str]:
    """The folder's ``profile.json``: an object of texts under ``PROFILE_KEYS``."""
    path = directory / PROFILE_FILE
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        problems.append(Problem(PROFILE_FILE, None, "-", "ist kein gültiges JSON."))
        return {}
    if not isinstance(data, dict) or not all(
        key in PROFILE_KEYS and isinstance(value, str) for key, value in data.items()
    ):
        problems.append(
            Problem(
                PROFILE_FILE,
                None,
                "-",
                "muss ein Objekt mit Texten sein, nur unter " + ", ".join(PROFILE_KEYS) + ".",
            )
        )
        return {}
    return data
