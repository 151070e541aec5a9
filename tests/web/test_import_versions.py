"""What an import tells about the records it cannot or will not touch, and how it shows values.

A file exported earlier must not revert what changed in the database since — by another
import or by a planner in the browser; records the file lacks are named; sources and
timelines read as lines, not as Python values.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, date, datetime, timedelta

import flask
import geopandas as gpd
import pandas as pd
import pytest

from measures.gis.importing import file_version, is_stale
from tests.factories import moved_on
from tests.web.test_export import _download, _store
from tests.web.test_import import _apply, _gpkg_bytes, _measures_gpkg, _preview
from tests.web.test_planning import _login


@pytest.fixture
def planner_client(client, planner):
    _login(client)
    return client


def _conflicts(html: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for record_id, field in re.findall(r'data-conflict="([^"]+)" data-field="([^"]+)"', html):
        found.setdefault(record_id, set()).add(field)
    return found


def _edit_in_the_map(store, record_id: str, **changes) -> None:
    """A change made after the export, as the planning area or another import makes it."""
    record = store.layers.record("measures", record_id)
    store.layers.import_records("measures", [dataclasses.replace(record, **changes)])


@pytest.mark.both_databases
def test_a_stale_file_does_not_revert_newer_edits(app, planner_client, tmp_path):
    client, store = planner_client, _store(app)
    frame = _measures_gpkg(client, tmp_path)
    # After the export: someone retitles the KiFaZ and moves another measure on.
    _edit_in_the_map(store, "kifaz", title="KiFaZ Dalheim – neuer Name")
    spielhaus = store.layers.record("measures", "spielhaus-erweiterung")
    store.layers.import_records("measures", [moved_on(spielhaus, "in_umsetzung")])
    kept = {r.id: r for r in store.layers.records("measures")}
    # The planner edits the old file: the KiFaZ's summary, and a third measure's title.
    frame.loc[frame["id"] == "kifaz", "summary"] = "Aus der alten Datei"
    frame.loc[frame["id"] == "abriss-alte-kita", "title"] = "Abriss der alten Kita – erledigt"

    url, html, dry_run = _preview(client, _gpkg_bytes(frame, tmp_path), "alt.gpkg")
    assert _conflicts(html) == {
        "kifaz": {"title", "summary"},
        "spielhaus-erweiterung": {"status", "timeline"},
    }
    assert dry_run["updated"] == {"abriss-alte-kita": {"title"}}
    assert "wird nicht übernommen" in html and "exportieren Sie die Ebene neu" in html
    assert 'id="count-conflicts">2<' in html
    # Both versions are shown: the map's newer title and the file's older one.
    assert "KiFaZ Dalheim – neuer Name" in html and "Aus der alten Datei" in html

    assert _apply(client, url, html).status_code == 303
    after = {r.id: r for r in store.layers.records("measures")}
    assert (
        after["kifaz"] == kept["kifaz"]
        and after["spielhaus-erweiterung"] == kept["spielhaus-erweiterung"]
    ), "the newer edits stay"
    assert after["abriss-alte-kita"].title == "Abriss der alten Kita – erledigt"


@pytest.mark.both_databases
def test_a_current_file_with_gdal_date_times_has_no_conflicts(app, planner_client, tmp_path):
    """A GeoPackage DateTime keeps milliseconds: the current version must not look older."""
    client, store = planner_client, _store(app)
    _edit_in_the_map(store, "kifaz", title="KiFaZ Dalheim – neuer Name")
    frame = _measures_gpkg(client, tmp_path)
    frame["updated_at"] = pd.to_datetime(frame["updated_at"], format="ISO8601", utc=True)
    frame.loc[frame["id"] == "kifaz", "summary"] = "Nach dem Export geändert"
    path = tmp_path / "zeiten.gpkg"
    _gpkg_bytes(frame, tmp_path, path.name)

    url, html, dry_run = _preview(client, path.read_bytes(), "zeiten.gpkg")
    assert _conflicts(html) == {}
    assert dry_run["updated"] == {"kifaz": {"summary"}}
    assert _apply(client, url, html).status_code == 303
    assert store.layers.record("measures", "kifaz").summary == "Nach dem Export geändert"


def test_a_file_without_versions_says_it_cannot_check(app, planner_client, tmp_path):
    frame = _measures_gpkg(planner_client, tmp_path).drop(columns=["updated_at"])
    _url, html, _dry_run = _preview(planner_client, _gpkg_bytes(frame, tmp_path), "ohne.gpkg")
    assert "keine Spalte „updated_at“" in html


def test_an_unreadable_version_is_named(app, planner_client, tmp_path):
    frame = _measures_gpkg(planner_client, tmp_path)
    # The export's column is a DateTime field: as text, a planner can type anything into it.
    frame["updated_at"] = frame["updated_at"].map(lambda at: at.isoformat())
    frame.loc[frame["id"] == "kifaz", "updated_at"] = "gestern"
    _url, _html, dry_run = _preview(planner_client, _gpkg_bytes(frame, tmp_path), "f.gpkg")
    assert "updated_at: ist kein Zeitpunkt" in dry_run["invalid"]["kifaz"]


@pytest.mark.both_databases
def test_records_missing_from_the_file_are_listed_and_kept(app, planner_client, tmp_path):
    client, store = planner_client, _store(app)
    before = {r.id: r for r in store.layers.records("measures")}
    frame = _measures_gpkg(client, tmp_path)
    frame = frame[~frame["id"].isin(["kifaz", "spielhaus-erweiterung"])]
    frame.loc[frame["id"] == "abriss-alte-kita", "title"] = "Abriss – geändert"

    url, html, dry_run = _preview(client, _gpkg_bytes(frame, tmp_path), "teil.gpkg")
    missing = dict(re.findall(r'data-missing="([^"]+)"><code>[^<]+</code> – ([^<]+)</li>', html))
    assert missing == {
        "kifaz": before["kifaz"].title,
        "spielhaus-erweiterung": before["spielhaus-erweiterung"].title,
    }
    assert "Nicht in der Datei – bleiben unverändert" in html
    assert 'id="count-missing">2<' in html
    assert dry_run["updated"] == {"abriss-alte-kita": {"title"}}
    assert _apply(client, url, html).status_code == 303
    after = {r.id: r for r in store.layers.records("measures")}
    assert after["kifaz"] == before["kifaz"]
    assert after["spielhaus-erweiterung"] == before["spielhaus-erweiterung"]


def test_sources_and_timeline_read_as_lines(app, planner_client, tmp_path):
    client, store = planner_client, _store(app)
    kifaz = store.layers.record("measures", "kifaz")
    frame = _measures_gpkg(client, tmp_path)
    sources = [{"title": "Stadt Wetzlar, Beschluss", "url": "https://www.wetzlar.de/beschluss"}]
    timeline = [
        *({"status": s.status, "date": s.date, "note": s.note} for s in kifaz.timeline),
        {"status": "abgeschlossen", "date": "2024-06-01", "note": "Fest zum Jahrestag"},
    ]
    frame.loc[frame["id"] == "kifaz", "sources"] = json.dumps(sources)
    frame.loc[frame["id"] == "kifaz", "timeline"] = json.dumps(timeline)

    _url, html, dry_run = _preview(client, _gpkg_bytes(frame, tmp_path), "quellen.gpkg")
    assert dry_run["updated"] == {"kifaz": {"sources", "timeline"}}
    rows = dict(
        re.findall(r'data-updated="kifaz" data-field="(sources|timeline)">(.*?)</tr>', html, re.S)
    )
    for cell in rows.values():
        assert "Source(" not in cell and "TimelineStep(" not in cell and "{&#39;" not in cell
        assert "[" not in cell
    assert "<td>Stadt Wetzlar, Beschluss – https://www.wetzlar.de/beschluss</td>" in rows["sources"]
    for source in kifaz.sources:
        assert f"<li>{source.title} – {source.url}</li>" in rows["sources"]
    assert "<li>01.06.2024: abgeschlossen – Fest zum Jahrestag</li>" in rows["timeline"]
    assert (
        "<li>12.05.2023: abgeschlossen – Eröffnung; Gebäude fertig im Oktober 2022</li>"
        in (rows["timeline"])
    )
    assert "<li>2014: Idee / in Vorbereitung – Planung seit 2014</li>" in rows["timeline"]


def test_staleness_is_judged_at_the_precision_of_the_file():
    stored = datetime(2026, 12, 2, 10, 15, 30, 123456, tzinfo=UTC)
    assert not is_stale(stored, stored)
    assert is_stale(stored - timedelta(microseconds=1), stored)
    # A GeoPackage date-time keeps milliseconds, a dBASE date only the day.
    assert not is_stale(datetime(2026, 12, 2, 10, 15, 30, 123000, tzinfo=UTC), stored)
    assert is_stale(datetime(2026, 12, 2, 10, 15, 30, 122000, tzinfo=UTC), stored)
    assert not is_stale(datetime(2026, 12, 2, 10, 15, 30, tzinfo=UTC), stored)
    assert is_stale(datetime(2026, 12, 2, 10, 15, 29, tzinfo=UTC), stored)
    assert not is_stale(date(2026, 12, 2), stored)
    assert is_stale(date(2026, 12, 1), stored)


def test_a_file_that_keeps_only_the_day_is_stale_only_from_the_day_before(
    app, planner_client, tmp_path
):
    client = planner_client
    frame = _measures_gpkg(client, tmp_path)
    frame["updated_at"] = pd.to_datetime(frame["updated_at"], format="ISO8601").dt.date
    frame.loc[frame["id"] == "kifaz", "summary"] = "Am selben Tag geändert"
    path = tmp_path / "tage.gpkg"
    _gpkg_bytes(frame, tmp_path, path.name)
    _url, html, dry_run = _preview(client, path.read_bytes(), "tage.gpkg")
    assert _conflicts(html) == {} and dry_run["updated"] == {"kifaz": {"summary"}}


def test_versions_are_read_as_gdal_gives_them():
    at = datetime(2026, 12, 2, 10, 15, tzinfo=UTC)
    assert file_version("2026-12-02T10:15:00Z") == at
    assert file_version("2026/12/02 10:15:00") == at, "GDAL's date-time in a Shapefile"
    assert file_version(pd.Timestamp("2026-12-02T10:15:00Z")) == at
    assert file_version(pd.Timestamp("2026-12-02")) == date(2026, 12, 2), "a date field"
    assert file_version("2026-12-02") == date(2026, 12, 2)
    assert file_version(None) is None
    # Emptied in the GIS: not checked, as the message about a bad version promises.
    assert file_version("") is None and file_version("  ") is None
    with pytest.raises(ValueError):
        file_version("gestern")
    # Year 1 with a positive offset has no UTC instant: no version, not a 500 later.
    with pytest.raises(ValueError):
        file_version("0001-01-01T00:00:00+01:00")


@pytest.mark.parametrize(("value", "invalid"), [("", False), ("0001-01-01T00:00:00+01:00", True)])
def test_an_emptied_or_impossible_version_gives_a_readable_preview(
    app, planner_client, tmp_path, value, invalid
):
    frame = _measures_gpkg(planner_client, tmp_path)
    frame["updated_at"] = frame["updated_at"].map(lambda at: at.isoformat())
    frame.loc[frame["id"] == "kifaz", ["updated_at", "title"]] = [value, "KiFaZ – geändert"]
    _url, _html, dry_run = _preview(planner_client, _gpkg_bytes(frame, tmp_path), "f.gpkg")
    assert ("kifaz" in dry_run["invalid"]) is invalid
    assert ("kifaz" in dry_run["updated"]) is not invalid


@pytest.mark.both_databases
def test_an_edit_committed_while_the_file_is_read_is_not_reverted(
    app, planner_client, tmp_path, monkeypatch
):
    import app.gis_import as gis_import

    store = _store(app)
    frame = _measures_gpkg(planner_client, tmp_path)
    frame.loc[frame["id"] == "kifaz", "summary"] = "Aus der Datei"
    url, html, _dry_run = _preview(planner_client, _gpkg_bytes(frame, tmp_path), "x.gpkg")
    real_read = gis_import.read_upload

    def read_while_another_planner_saves(*args, **kwargs):
        # The apply reads the file again; another planner's import commits meanwhile.
        if flask.request.method == "POST":
            monkeypatch.setattr(gis_import, "read_upload", real_read)
            result = real_read(*args, **kwargs)
            _edit_in_the_map(store, "kifaz", title="KiFaZ Dalheim – neuer Name")
            return result
        return real_read(*args, **kwargs)

    monkeypatch.setattr(gis_import, "read_upload", read_while_another_planner_saves)
    response = _apply(planner_client, url, html)
    assert response.status_code == 409
    assert "Seit der Vorschau wurde etwas geändert (kifaz)" in response.get_data(as_text=True)
    kifaz = store.layers.record("measures", "kifaz")
    assert kifaz.title == "KiFaZ Dalheim – neuer Name" and kifaz.summary != "Aus der Datei"


def _edit_in_the_browser(store, record_id: str, layer: str = "measures", **changes) -> None:
    """A planner's edit in the browser, through the store's versioned write path."""
    record = store.layers.record(layer, record_id)
    store.versions.save(
        layer, dataclasses.replace(record, **changes), author="maria", expected=record.updated_at
    )


@pytest.mark.both_databases
def test_a_file_exported_before_a_web_edit_is_refused(app, planner_client, tmp_path):
    client, store = planner_client, _store(app)
    frame = _measures_gpkg(client, tmp_path)
    _edit_in_the_browser(store, "kifaz", title="KiFaZ – im Browser geändert")
    kept = store.layers.record("measures", "kifaz")
    versions = store.versions.history("measures", "kifaz")
    # The old file changes only the KiFaZ, whose web edit it predates.
    frame.loc[frame["id"] == "kifaz", "summary"] = "Aus der alten Datei"

    url, html, _dry_run = _preview(client, _gpkg_bytes(frame, tmp_path), "alt.gpkg")
    assert _conflicts(html) == {"kifaz": {"title", "summary"}}
    assert "von maria" in html, "the conflict names who changed the record"
    assert 'id="stale-only"' in html and 'name="fingerprint"' not in html
    response = _apply(client, url, html)
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "bevor diese Objekte in der Karte geändert wurden" in text
    assert "übernommen wird nichts" in text
    assert store.layers.record("measures", "kifaz") == kept
    assert store.versions.history("measures", "kifaz") == versions


@pytest.mark.both_databases
def test_a_web_edit_between_preview_and_apply_is_not_reverted(app, planner_client, tmp_path):
    client, store = planner_client, _store(app)
    frame = _measures_gpkg(client, tmp_path)
    frame.loc[frame["id"] == "kifaz", "summary"] = "Aus der Datei"
    frame.loc[frame["id"] == "abriss-alte-kita", "title"] = "Abriss – aus der Datei"
    url, html, dry_run = _preview(client, _gpkg_bytes(frame, tmp_path), "neu.gpkg")
    assert dry_run["updated"] == {"kifaz": {"summary"}, "abriss-alte-kita": {"title"}}
    # While the planner reads the preview, a colleague edits the KiFaZ in the browser.
    _edit_in_the_browser(store, "kifaz", title="KiFaZ – im Browser geändert")
    before = {r.id: r for r in store.layers.records("measures")}
    response = _apply(client, url, html)
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "Seit der Vorschau haben sich die Daten geändert" in text
    # The new preview shows the KiFaZ as changed in the map since the export.
    assert _conflicts(text) == {"kifaz": {"title", "summary"}}
    assert {r.id: r for r in store.layers.records("measures")} == before
    # Applied from the new preview: the other measure changes, the web edit stays.
    assert _apply(client, url, text).status_code == 303
    after = store.layers.record("measures", "kifaz")
    assert after == before["kifaz"]
    assert store.layers.record("measures", "abriss-alte-kita").title == "Abriss – aus der Datei"
    newest = store.versions.history("measures", "abriss-alte-kita")[0]
    assert (newest.source, newest.author, newest.changed) == ("import", "lea", ("title",))


@pytest.mark.both_databases
def test_places_missing_from_the_file_are_listed_and_kept(app, planner_client, tmp_path):
    client, store = planner_client, _store(app)
    places = {r.id: r for r in store.layers.records("locations")}
    path = _download(client, "/export/locations.gpkg?crs=25832", tmp_path, "orte.gpkg")
    frame = gpd.read_file(path, layer="locations")
    dropped = sorted(places)[:2]
    frame = frame[~frame["id"].isin(dropped)]
    changed = sorted(places)[2]
    frame.loc[frame["id"] == changed, "opening_hours"] = "Mo–Fr 9–12 Uhr"
    content = _gpkg_bytes(frame, tmp_path, "orte-teil.gpkg", layer="locations")
    url, html, dry_run = _preview(client, content, "orte-teil.gpkg", layer="locations")
    missing = dict(re.findall(r'data-missing="([^"]+)"><code>[^<]+</code> – ([^<]+)</li>', html))
    assert missing == {place_id: places[place_id].name for place_id in dropped}
    assert f'id="count-missing">{len(dropped)}<' in html
    assert dry_run["updated"] == {changed: {"opening_hours"}}
    assert _apply(client, url, html).status_code == 303
    after = {r.id: r for r in store.layers.records("locations")}
    assert all(after[place_id] == places[place_id] for place_id in dropped)
    assert after[changed].opening_hours == "Mo–Fr 9–12 Uhr"
