"""The planners' history pages: versions of a measure or place, the diff of two, restore.

The versions are written by the storage (``tests/storage/test_versions.py``); here a
planner reads them in the browser's HTML, compares two, restores one, and every wrong
request is answered in German with nothing changed.
"""

from __future__ import annotations

import dataclasses
import re
from zoneinfo import ZoneInfo

import pytest
from shapely.geometry import box

from tests.factories import PASSWORD
from tests.web.test_export import _store
from tests.web.test_planning import _login

BASE = "/planung/massnahmen/kifaz/versionen"


@pytest.fixture
def planner_client(client, planner):
    _login(client)
    return client


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _rows(html: str) -> list[tuple[str, str]]:
    """(version id, action) of each row of the versions table, newest first."""
    return re.findall(r'<tr data-version="(\d+)" data-action="(\w+)">', html)


def _edit(store, record_id="kifaz", author="lea", layer="measures", **changes):
    record = store.layers.record(layer, record_id)
    return store.versions.save(
        layer, dataclasses.replace(record, **changes), author=author, expected=record.updated_at
    )


def _state(store) -> tuple:
    """What a refused request must leave as it was: the record and all its versions."""
    return store.layers.record("measures", "kifaz"), store.versions.history("measures", "kifaz")


@pytest.mark.both_databases
def test_the_versions_name_who_changed_what(app, planner_client):
    store = _store(app)
    _edit(store, title="KiFaZ – neuer Titel")
    kifaz = store.layers.record("measures", "kifaz")
    store.layers.import_records(
        "measures",
        [dataclasses.replace(kifaz, summary="Aus QGIS")],
        {"kifaz": kifaz.updated_at},
        author="max",
    )
    html = planner_client.get(BASE).get_data(as_text=True)
    assert [action for _id, action in _rows(html)] == ["updated", "updated", "created"]
    table = html[html.index('class="table versions"') :]
    cells = re.findall(r"<td>([^<]*)</td>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>", table)
    assert [(who, what, fields) for who, what, fields in cells] == [
        ("GIS-Import (max)", "geändert", "Kurzbeschreibung"),
        ("lea", "geändert", "Titel"),
        ("Seed-Daten", "angelegt", "–"),
    ]
    assert "Diese Version wiederherstellen" in html
    # The overview of recent changes links here.
    overview = planner_client.get("/planung/aenderungen").get_data(as_text=True)
    assert f'href="/q/dalheim{BASE}"' in overview
    assert "Änderungen" in planner_client.get("/planung/").get_data(as_text=True)


@pytest.mark.both_databases
def test_two_versions_side_by_side(app, planner_client):
    store = _store(app)
    seed_version = store.versions.history("measures", "kifaz")[0]
    area = box(8.4700, 50.5600, 8.4710, 50.5610)
    _edit(store, title="Neuer Titel", cost_eur=125000, geometry=area)
    newest = store.versions.history("measures", "kifaz")[0]
    html = planner_client.get(f"{BASE}/vergleich?alt={seed_version.id}&neu={newest.id}").get_data(
        as_text=True
    )
    rows = re.findall(
        r'<tr data-field="(\w+)"><th scope="row">([^<]+)</th><td>([^<]*)</td><td>([^<]*)</td>',
        html,
    )
    fields = {name: (before, after) for name, _title, before, after in rows}
    assert fields["title"] == (seed_version.record.title, "Neuer Titel")
    assert fields["cost_eur"][1] == "125000"
    assert 'data-field="geometry" data-changed="ja"' in html
    listing = planner_client.get(BASE).get_data(as_text=True)
    assert "<td>Titel, Kosten (Euro), Lage (Geometrie)</td>" in listing
    assert "geändert: Fläche, Stützpunkte: 5" in html
    # The order of the two does not matter, and without a choice the newest two are shown.
    swapped = planner_client.get(f"{BASE}/vergleich?alt={newest.id}&neu={seed_version.id}")
    assert swapped.get_data(as_text=True).count("Neuer Titel") == html.count("Neuer Titel")
    default = planner_client.get(f"{BASE}/vergleich").get_data(as_text=True)
    assert 'data-field="title"' in default


@pytest.mark.both_databases
def test_restoring_a_version_after_confirming(app, planner_client):
    store = _store(app)
    original = store.layers.record("measures", "kifaz")
    seed_version = store.versions.history("measures", "kifaz")[0]
    _edit(store, title="Vertippt", author="max")
    page = planner_client.get(f"{BASE}/{seed_version.id}/wiederherstellen")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Vertippt" in html and original.title in html
    stand = re.search(r'name="stand" value="([^"]+)"', html).group(1)
    response = planner_client.post(
        f"{BASE}/{seed_version.id}/wiederherstellen",
        data={"csrf_token": _csrf(html), "stand": stand, "bestaetigt": "ja"},
    )
    assert response.status_code == 303
    restored = store.layers.record("measures", "kifaz")
    assert restored.title == original.title
    newest = store.versions.history("measures", "kifaz")[0]
    assert (newest.action, newest.author, newest.source) == ("restored", "lea", "web")
    listing = planner_client.get(BASE).get_data(as_text=True)
    assert "wiederhergestellt" in listing and "Die Version ist wiederhergestellt" in listing


@pytest.mark.both_databases
def test_restoring_onto_a_record_changed_meanwhile_is_refused(app, planner_client):
    store = _store(app)
    seed_version = store.versions.history("measures", "kifaz")[0]
    _edit(store, title="Erste Änderung")
    html = planner_client.get(f"{BASE}/{seed_version.id}/wiederherstellen").get_data(as_text=True)
    stand = re.search(r'name="stand" value="([^"]+)"', html).group(1)
    # Another planner saves while this one reads the confirmation page.
    _edit(store, title="Zweite Änderung", author="max")
    before = _state(store)
    response = planner_client.post(
        f"{BASE}/{seed_version.id}/wiederherstellen",
        data={"csrf_token": _csrf(html), "stand": stand, "bestaetigt": "ja"},
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "inzwischen von jemand anderem geändert" in text
    # Both are shown: the newer state and the version the planner chose.
    assert "Zweite Änderung" in text and seed_version.record.title in text
    assert _state(store) == before


def _bad_requests(store):
    """Each wrong request: method, path, form (None: GET), status, German words."""
    seed_version = store.versions.history("measures", "kifaz")[0].id
    place = store.layers.records("locations")[0]
    place_version = store.versions.history("locations", place.id)[0].id
    return [
        ("GET", "/planung/massnahmen/gibt-es-nicht/versionen", None, 404, "keine Maßnahme"),
        ("GET", "/planung/ideen/kifaz/versionen", None, 404, "gibt es nicht"),
        ("GET", f"{BASE}/vergleich?alt=999999&neu={seed_version}", None, 404, "gibt es bei"),
        ("GET", f"{BASE}/vergleich?alt=abc", None, 400, "Bitte wählen Sie die ältere"),
        # A version of another record is no version of this one.
        ("GET", f"{BASE}/vergleich?alt={place_version}", None, 404, "gibt es bei"),
        ("GET", f"{BASE}/999999/wiederherstellen", None, 404, "gibt es bei"),
        ("GET", f"{BASE}/neueste/wiederherstellen", None, 404, "gibt es bei"),
        ("POST", f"{BASE}/999999/wiederherstellen", {"bestaetigt": "ja"}, 404, "gibt es bei"),
        ("POST", f"{BASE}/{seed_version}/wiederherstellen", {}, 400, "Bitte bestätigen"),
        (
            "POST",
            f"{BASE}/{seed_version}/wiederherstellen",
            {"bestaetigt": "ja", "stand": "gestern"},
            400,
            "unvollständig",
        ),
        (
            "POST",
            f"{BASE}/{seed_version}/wiederherstellen",
            {"bestaetigt": "ja", "stand": "2020-01-01T00:00:00+00:00"},
            409,
            "von jemand anderem geändert",
        ),
    ]


@pytest.mark.both_databases
def test_wrong_requests_get_a_german_answer_and_change_nothing(app, planner_client):
    store = _store(app)
    _edit(store, title="Geändert")
    token = _csrf(planner_client.get(BASE).get_data(as_text=True))
    for method, path, form, status, words in _bad_requests(store):
        before = _state(store)
        if method == "GET":
            response = planner_client.get(path)
        else:
            response = planner_client.post(path, data={"csrf_token": token, **form})
        text = response.get_data(as_text=True)
        assert response.status_code == status, (path, form, response.status_code)
        assert words in text, (path, form)
        assert "Traceback" not in text and "sqlalchemy" not in text.lower()
        assert _state(store) == before, (path, form)


@pytest.mark.both_databases
def test_a_deleted_record_keeps_its_history_and_cannot_be_restored(app, planner_client):
    store = _store(app)
    seed_version = store.versions.history("measures", "kifaz")[0]
    _edit(store, title="Vor dem Löschen")
    html = planner_client.get(f"{BASE}/{seed_version.id}/wiederherstellen").get_data(as_text=True)
    stand = re.search(r'name="stand" value="([^"]+)"', html).group(1)
    kifaz = store.layers.record("measures", "kifaz")
    store.versions.delete("measures", "kifaz", author="max", expected=kifaz.updated_at)
    before = store.versions.history("measures", "kifaz")
    listing = planner_client.get(BASE).get_data(as_text=True)
    assert [action for _id, action in _rows(listing)] == ["deleted", "updated", "created"]
    assert "Diese Version wiederherstellen" not in listing
    response = planner_client.post(
        f"{BASE}/{seed_version.id}/wiederherstellen",
        data={"csrf_token": _csrf(html), "stand": stand, "bestaetigt": "ja"},
    )
    assert response.status_code == 409
    assert "gelöscht" in response.get_data(as_text=True)
    assert store.layers.record("measures", "kifaz") is None
    assert store.versions.history("measures", "kifaz") == before


def test_a_place_has_its_versions_too(app, planner_client):
    store = _store(app)
    place = store.layers.records("locations")[0]
    _edit(store, place.id, layer="locations", opening_hours="Mo 9–12 Uhr")
    html = planner_client.get(f"/planung/orte/{place.id}/versionen").get_data(as_text=True)
    assert [action for _id, action in _rows(html)] == ["updated", "created"]
    assert "Öffnungszeiten" in html and place.name in html


def test_public_pages_say_when_a_record_last_changed(app, client):
    store = _store(app)
    at = _edit(store, title="KiFaZ – frisch geändert")
    day = at.astimezone(ZoneInfo("Europe/Berlin")).strftime("%d.%m.%Y")
    html = client.get("/massnahmen/kifaz").get_data(as_text=True)
    assert f"Zuletzt geändert am {day}" in html
    place = store.layers.records("locations")[0]
    place_day = place.updated_at.astimezone(ZoneInfo("Europe/Berlin")).strftime("%d.%m.%Y")
    assert f"Zuletzt geändert am {place_day}" in client.get(f"/orte/{place.id}").get_data(
        as_text=True
    )


def test_the_history_needs_the_role_edit(app, client, runner, planner):
    result = runner.invoke(args=["planner", "create", "mo", "--password-stdin"], input=PASSWORD)
    assert result.exit_code == 0
    # A second account in a one-Quartier installation gets "admin"; take it down to moderate.
    from measures.storage import schema

    store = _store(app)
    with store.engine.begin() as connection:
        connection.execute(schema.planner_roles.delete())
    assert (
        runner.invoke(
            args=["planner", "grant", "mo", "--quartier", "dalheim", "--role", "moderate"]
        ).exit_code
        == 0
    )
    _login(client, "mo", PASSWORD)
    assert client.get("/planung/").status_code == 200
    assert client.get(BASE).status_code == 404
