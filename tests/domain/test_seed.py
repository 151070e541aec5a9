"""Reading and validating the seed geodata; each kind of bad file is refused with a clear error."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from measures.domain.seed import SEED_DIR, read_seed
from measures.domain.validation import InvalidFeatures

DATA = Path(__file__).parents[1] / "data"


def test_the_shipped_seed_is_valid_and_complete():
    seed = read_seed()
    measures = {m.id: m for m in seed.measures}
    locations = {loc.id: loc for loc in seed.locations}
    kifaz = measures["kifaz"]
    assert kifaz.status == "abgeschlossen"
    assert kifaz.cost_eur == 8_370_000
    assert kifaz.timeline[-1].date == "2023-05-12"
    assert kifaz.sources, "every measure carries its sources"
    assert locations["kifaz"].address.startswith("Berliner Ring 39")
    # Nothing was read from a coordinate source, so nothing may claim to be exact.
    assert {r.accuracy for r in (*seed.measures, *seed.locations)} == {"approximate"}
    assert seed.quartier.accuracy == "approximate"
    # The status of every measure is its timeline's last step's (or "idee" without one).
    for measure in seed.measures:
        assert measure.status == (measure.timeline[-1].status if measure.timeline else "idee")


def _seed_with(tmp_path: Path, bad_file: str, replaces: str) -> Path:
    directory = tmp_path / "geodata"
    shutil.copytree(SEED_DIR, directory)
    shutil.copy(DATA / bad_file, directory / replaces)
    return directory


@pytest.mark.parametrize(
    ("bad_file", "replaces", "feature_id", "field", "words"),
    [
        ("measures_invalid_geometry.geojson", "measures.geojson", "bowtie", "geometry", "ungültig"),
        ("measures_empty_geometry.geojson", "measures.geojson", "leer", "geometry", "leer"),
        (
            "locations_wrong_geometry_type.geojson",
            "locations.geojson",
            "linie",
            "geometry",
            "LineString",
        ),
        (
            "measures_unknown_status.geojson",
            "measures.geojson",
            "falscher-status",
            "status",
            "fertig",
        ),
        (
            "measures_unknown_category.geojson",
            "measures.geojson",
            "falsches-feld",
            "category",
            "verkehr",
        ),
        ("locations_missing_name.geojson", "locations.geojson", "ohne-name", "name", "Pflicht"),
        ("measures_duplicate_id.geojson", "measures.geojson", "doppelt", "id", "mehrfach"),
        # As two measures of the seed were: completed, while their timeline ended earlier.
        (
            "measures_status_contradicts_timeline.geojson",
            "measures.geojson",
            "status-ohne-schritt",
            "status",
            "'abgeschlossen' widerspricht dem Verlauf: dessen letzter Schritt (2018) ist 'idee'",
        ),
        (
            "locations_outside_quartier.geojson",
            "locations.geojson",
            "in-giessen",
            "geometry",
            "außerhalb",
        ),
    ],
)
def test_each_bad_file_is_refused_naming_file_feature_and_field(
    tmp_path, bad_file, replaces, feature_id, field, words
):
    with pytest.raises(InvalidFeatures) as caught:
        read_seed(_seed_with(tmp_path, bad_file, replaces))
    problems = caught.value.problems
    assert [(p.file, p.feature_id, p.field) for p in problems] == [(replaces, feature_id, field)]
    assert words in problems[0].message
    assert f"{replaces}: Objekt {feature_id}, Feld '{field}'" in str(caught.value)


def test_broken_json_and_missing_file_are_reported(tmp_path):
    directory = tmp_path / "geodata"
    shutil.copytree(SEED_DIR, directory)
    (directory / "measures.geojson").write_text('{"type": "FeatureCollection", ', encoding="utf-8")
    (directory / "locations.geojson").unlink()
    with pytest.raises(InvalidFeatures) as caught:
        read_seed(directory)
    files = sorted(p.file for p in caught.value.problems)
    assert files == ["locations.geojson", "measures.geojson"]
    assert "kein gültiges JSON" in str(caught.value)
    assert "Datei fehlt" in str(caught.value)


def test_tolerance_decides_what_counts_as_outside(tmp_path):
    directory = _seed_with(tmp_path, "locations_outside_quartier.geojson", "locations.geojson")
    # Gießen is about 15 km away: inside a 20 km tolerance, outside the default.
    assert read_seed(directory, tolerance_m=20_000).locations[0].id == "in-giessen"
