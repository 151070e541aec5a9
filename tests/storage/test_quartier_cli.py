"""`flask --app app quartier add|list` and the seed loader's folder per Quartier."""

from __future__ import annotations

import json
import shutil

import pytest
from shapely.geometry import mapping

from measures.domain.seed import SEED_DIR
from tests.factories import EXAMPLE_BOUNDARY, EXAMPLE_SLUG

pytestmark = pytest.mark.both_databases


def _boundary_file(tmp_path, geometry=EXAMPLE_BOUNDARY, name="grenze.geojson"):
    path = tmp_path / name
    feature = {"type": "Feature", "properties": {}, "geometry": mapping(geometry)}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), "utf-8")
    return path


def _store(app):
    return app.extensions["quartierskarte.store"]


def test_add_and_list_a_quartier(runner, app, tmp_path):
    result = runner.invoke(
        args=[
            "quartier",
            "add",
            "--slug",
            EXAMPLE_SLUG,
            "--name",
            "Beispielquartier",
            "--boundary",
            str(_boundary_file(tmp_path)),
            "--programme",
            "Beispielprogramm",
            "--tolerance",
            "10",
            "--view",
            "8.49,50.567,15",
            "--categories",
            "wohnen,spiel_freizeit",
        ]
    )
    assert result.exit_code == 0, result.output
    added = _store(app).quartiere.get(EXAMPLE_SLUG)
    assert added.name == "Beispielquartier" and added.programme == "Beispielprogramm"
    assert added.tolerance_m == 10 and added.view.zoom == 15
    assert added.categories == ("wohnen", "spiel_freizeit")
    assert added.boundary.equals(EXAMPLE_BOUNDARY)
    listed = runner.invoke(args=["quartier", "list"])
    assert listed.exit_code == 0
    assert listed.output.splitlines() == [
        "beispiel\tBeispielquartier\taktiv",
        "dalheim\tFördergebiet Dalheim (Sozialer Zusammenhalt)\taktiv",
    ]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"--slug": "dalheim"}, "gibt es schon"),
        ({"--slug": "Groß Buchstaben"}, "Kleinbuchstaben"),
        ({"--categories": "wohnen,erfunden"}, "Handlungsfelder"),
        ({"--view": "8.49"}, "--view"),
        ({"--name": " "}, "--name"),
    ],
)
def test_a_bad_quartier_is_refused_and_nothing_added(runner, app, tmp_path, change, words):
    options = {
        "--slug": EXAMPLE_SLUG,
        "--name": "Beispielquartier",
        "--boundary": str(_boundary_file(tmp_path)),
        **change,
    }
    args = ["quartier", "add", *[part for pair in options.items() for part in pair]]
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert "Fehler:" in result.output and words in result.output
    assert [q.slug for q in _store(app).quartiere.all()] == ["dalheim"]


@pytest.mark.parametrize(
    "content",
    [
        '{"type": "Point", "coordinates": [8.49, 50.56]}',
        '{"type": "Polygon", "coordinates": [[[600000, 5600000], [600100, 5600000], '
        "[600100, 5600100], [600000, 5600000]]]}",
        "kein json",
        '{"type": "FeatureCollection", "features": []}',
    ],
)
def test_a_boundary_that_is_no_area_in_degrees_is_refused(runner, app, tmp_path, content):
    path = tmp_path / "grenze.geojson"
    path.write_text(content, "utf-8")
    result = runner.invoke(
        args=["quartier", "add", "--slug", "b", "--name", "B", "--boundary", str(path)]
    )
    assert result.exit_code == 1 and "Grenze" in result.output
    assert _store(app).quartiere.get("b") is None


def test_the_seed_loader_loads_a_folder_per_quartier(runner, app, tmp_path):
    root = tmp_path / "geodata"
    shutil.copytree(SEED_DIR, root / "dalheim")
    example = root / EXAMPLE_SLUG
    example.mkdir()
    quartier = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "id": EXAMPLE_SLUG,
                    "name": "Beispielquartier (erfunden, nur für Tests)",
                    "description": "Erfunden.",
                    "accuracy": "approximate",
                    "sources": [{"title": "Erfunden", "url": "https://example.org"}],
                },
                "geometry": mapping(EXAMPLE_BOUNDARY),
            }
        ],
    }
    (example / "quartier.geojson").write_text(json.dumps(quartier), "utf-8")
    empty = json.dumps({"type": "FeatureCollection", "features": []})
    (example / "measures.geojson").write_text(empty, "utf-8")
    (example / "locations.geojson").write_text(empty, "utf-8")
    result = runner.invoke(args=["db", "load-seed", "--dir", str(root)])
    assert result.exit_code == 0, result.output
    assert "beispiel: quartier: 1 neu" in result.output
    assert "dalheim: measures: 0 neu, 0 geändert, 7 unverändert" in result.output
    assert [q.slug for q in _store(app).quartiere.all()] == [EXAMPLE_SLUG, "dalheim"]
