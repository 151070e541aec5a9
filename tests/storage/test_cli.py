"""The database commands of the Flask CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app import create_app
from measures.domain.seed import SEED_DIR

DATA = Path(__file__).parents[1] / "data"
# Migrating and loading the seed are SQL that differs between the backends.
pytestmark = pytest.mark.both_databases


def _fresh_app(database_url):
    return create_app({"TESTING": True, "DATABASE_URL": database_url})


def test_init_creates_and_loads_and_can_run_again(database_url):
    app = _fresh_app(database_url)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "init"])
    assert result.exit_code == 0, result.output
    assert "measures: 7 neu, 0 geändert, 0 unverändert" in result.output
    again = runner.invoke(args=["db", "init"])
    assert again.exit_code == 0
    assert "measures: 0 neu, 0 geändert, 7 unverändert" in again.output
    assert (
        app.extensions["quartierskarte.store"].layers.record("measures", "kifaz").status
        == "abgeschlossen"
    )
    app.extensions["quartierskarte.store"].engine.dispose()


def test_a_bad_seed_loads_nothing_and_says_why(database_url, tmp_path):
    app = _fresh_app(database_url)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    directory = tmp_path / "geodata"
    shutil.copytree(SEED_DIR, directory)
    shutil.copy(DATA / "measures_unknown_status.geojson", directory / "measures.geojson")
    result = runner.invoke(args=["db", "load-seed", "--dir", str(directory)])
    assert result.exit_code == 1
    assert "measures.geojson: Objekt falscher-status, Feld 'status'" in result.output
    store = app.extensions["quartierskarte.store"]
    # The valid quartier and locations files of the same load were not written either.
    assert store.layers.quartier() is None and store.layers.records("locations") == []
    app.extensions["quartierskarte.store"].engine.dispose()


def test_a_bad_reload_leaves_the_loaded_data_as_it_was(runner, app, tmp_path):
    directory = tmp_path / "geodata"
    shutil.copytree(SEED_DIR, directory)
    shutil.copy(DATA / "locations_outside_quartier.geojson", directory / "locations.geojson")
    store = app.extensions["quartierskarte.store"]
    before = store.layers.records("locations")
    result = runner.invoke(args=["db", "load-seed", "--dir", str(directory)])
    assert result.exit_code == 1
    assert "außerhalb des Quartiers" in result.output
    assert store.layers.records("locations") == before
