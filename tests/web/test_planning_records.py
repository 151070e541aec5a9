"""Planners keep measures and places current in ``/planung``: the form derived from the
layer's definition, drafts and publication, the geometry, and no lost updates."""

from __future__ import annotations

import io
import json
import re

import pytest

from tests.factories import PASSWORD

AREA = {
    "type": "Polygon",
    "coordinates": [
        [
            [8.4720, 50.5640],
            [8.4740, 50.5640],
            [8.4740, 50.5650],
            [8.4720, 50.5650],
            [8.4720, 50.5640],
        ]
    ],
}
OUTSIDE = {"type": "Point", "coordinates": [8.60, 50.60]}


def _token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _login(client, name: str = "lea") -> None:
    token = _token(client, "/planung/anmelden")
    client.post(
        "/planung/anmelden", data={"username": name, "password": PASSWORD, "csrf_token": token}
    )


def _measure_form(**changes) -> dict:
    form = {
        "title": "Neue Bänke am Schwalbengraben",
        "summary": "Drei Bänke mit Lehne für Ältere.",
        "description": "",
        "category": "wohnumfeld_gruen",
        "cost_eur": "12000",
        "funding_share": "0,667",
        "funding_programme": "Sozialer Zusammenhalt",
        "start_year": "2027",
        "end_year": "",
        "accuracy": "approximate",
        "sources": "Beiratssitzung | https://www.wetzlar.de/beirat",
        "geometry": json.dumps(AREA),
        "action": "speichern",
    }
    form.update(changes)
    return form


def _version(html: str) -> str:
    return re.search(r'name="version" value="([^"]*)"', html).group(1)


@pytest.fixture
def editor(client, planner):
    _login(client)
    return client


def _create(client, **changes) -> str:
    form = _measure_form(**changes)
    form["csrf_token"] = _token(client, "/planung/massnahmen/neu")
    response = client.post("/planung/massnahmen/neu", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return response.headers["Location"].rstrip("/").rsplit("/", 1)[1]


def test_the_form_is_derived_from_the_layer_definition(editor):
    html = editor.get("/planung/massnahmen/neu").get_data(as_text=True)
    for name in ("title", "summary", "category", "cost_eur", "cost_is_estimate", "sources"):
        assert f'name="{name}"' in html, name
    assert 'id="f-title" name="title" type="text" maxlength="200"' in html
    # Status and timeline follow the decision path: shown, not edited.
    assert 'name="status"' not in html and 'name="timeline"' not in html
    assert "Entscheidungsweg" in html
    places = editor.get("/planung/orte/neu").get_data(as_text=True)
    assert 'name="accessibility"' in places and "Hinweise zur Barrierefreiheit" in places


def test_a_new_measure_is_a_draft_until_it_is_published(editor):
    measure_id = _create(editor)
    assert measure_id == "neue-baenke-am-schwalbengraben"
    assert editor.get(f"/api/measures/{measure_id}").status_code == 404
    assert editor.get(f"/massnahmen/{measure_id}").status_code == 404
    page = editor.get(f"/planung/massnahmen/{measure_id}").get_data(as_text=True)
    assert "Entwurf" in page
    # From the form to the measure's decision path and versions.
    assert f'href="/q/dalheim/planung/massnahmen/{measure_id}/entscheidungsweg"' in page
    assert f'href="/q/dalheim/planung/massnahmen/{measure_id}/versionen"' in page
    response = editor.post(
        f"/planung/massnahmen/{measure_id}/stand",
        data={
            "action": "veroeffentlichen",
            "version": _version(page),
            "csrf_token": _token(editor, f"/planung/massnahmen/{measure_id}"),
        },
    )
    assert response.status_code == 302
    feature = editor.get(f"/api/measures/{measure_id}").get_json()
    assert feature["properties"]["status"] == "idee"
    assert feature["properties"]["funding_share"] == pytest.approx(0.667)
    assert feature["geometry"]["type"] == "Polygon"
    assert editor.get(f"/massnahmen/{measure_id}").status_code == 200


def test_bad_input_is_refused_with_german_messages_and_nothing_is_stored(editor, app):
    store = app.extensions["quartierskarte.store"]
    before = len(store.editing.records("measures"))
    form = _measure_form(title="", cost_eur="zwölf", geometry=json.dumps(OUTSIDE))
    form["csrf_token"] = _token(editor, "/planung/massnahmen/neu")
    response = editor.post("/planung/massnahmen/neu", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "fehlt, ist aber Pflicht." in html
    assert "muss eine ganze Zahl sein" in html
    assert "außerhalb des Quartiers" in html or "Titel" in html
    assert 'aria-invalid="true"' in html
    # What was typed stays in the form.
    assert "Drei Bänke mit Lehne" in html
    assert len(store.editing.records("measures")) == before


def test_the_geometry_must_lie_in_the_quartier(editor):
    form = _measure_form(geometry=json.dumps(OUTSIDE))
    form["csrf_token"] = _token(editor, "/planung/massnahmen/neu")
    html = editor.post("/planung/massnahmen/neu", data=form).get_data(as_text=True)
    assert "außerhalb des Quartiers" in html


def test_a_second_save_on_a_changed_record_is_refused_and_nothing_is_lost(editor, app):
    measure_id = _create(editor)
    path = f"/planung/massnahmen/{measure_id}"
    page = editor.get(path).get_data(as_text=True)
    version, token = _version(page), _token(editor, path)
    first = editor.post(
        path,
        data={**_measure_form(summary="Fassung von Lea."), "version": version, "csrf_token": token},
    )
    assert first.status_code == 302
    second = editor.post(
        path,
        data={**_measure_form(summary="Fassung von Max."), "version": version, "csrf_token": token},
    )
    html = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "Jemand anders hat diesen Eintrag inzwischen geändert" in html
    # Both versions are shown: the stored one and the planner's own, still in the form.
    assert "Fassung von Lea." in html and "Fassung von Max." in html
    store = app.extensions["quartierskarte.store"]
    assert store.editing.get("measures", measure_id, "dalheim").record.summary == "Fassung von Lea."


def test_deleting_needs_a_confirmation(editor, app):
    measure_id = _create(editor)
    path = f"/planung/massnahmen/{measure_id}/loeschen"
    page = editor.get(path).get_data(as_text=True)
    assert "endgültig" in page
    data = {"version": _version(page), "csrf_token": _token(editor, path)}
    assert editor.post(path, data=data).status_code == 400
    store = app.extensions["quartierskarte.store"]
    assert store.editing.get("measures", measure_id, "dalheim") is not None
    assert editor.post(path, data={**data, "bestaetigt": "ja"}).status_code == 302
    assert store.editing.get("measures", measure_id, "dalheim") is None


@pytest.mark.parametrize(
    ("name", "content"),
    [
        (
            "flaeche.geojson",
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [{"type": "Feature", "properties": {}, "geometry": AREA}],
                }
            ),
        ),
        (
            "flaeche.kml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>A</name>'
            "<Polygon><outerBoundaryIs><LinearRing><coordinates>"
            "8.472,50.564 8.474,50.564 8.474,50.565 8.472,50.565 8.472,50.564"
            "</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>",
        ),
    ],
)
def test_a_geometry_comes_from_a_file(editor, name, content):
    form = _measure_form(geometry="", action="datei")
    form["csrf_token"] = _token(editor, "/planung/massnahmen/neu")
    form["geometry_file"] = (io.BytesIO(content.encode()), name)
    response = editor.post("/planung/massnahmen/neu", data=form, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:2000]
    assert "Die Geometrie aus der Datei ist übernommen" in html
    geometry = re.search(r'name="geometry"[^>]*>([^<]*)</textarea>', html).group(1)
    assert json.loads(geometry.replace("&#34;", '"'))["type"] == "Polygon"


def test_an_unreadable_file_is_refused(editor):
    form = _measure_form(action="datei")
    form["csrf_token"] = _token(editor, "/planung/massnahmen/neu")
    form["geometry_file"] = (io.BytesIO(b"kein GeoJSON"), "flaeche.geojson")
    response = editor.post("/planung/massnahmen/neu", data=form, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "GeoJSON" in response.get_data(as_text=True)


def test_a_place_gets_accessibility_notes(editor):
    form = {
        "name": "Bücherschrank Hohe Straße",
        "kind": "treffpunkt",
        "address": "Hohe Straße 13, 35576 Wetzlar",
        "accessibility": "Stufenlos erreichbar; Fächer ab 40 cm Höhe.",
        "accuracy": "approximate",
        "sources": "Begehung | https://www.wetzlar.de/dalheim",
        "geometry": json.dumps({"type": "Point", "coordinates": [8.4738, 50.5649]}),
        "csrf_token": _token(editor, "/planung/orte/neu"),
    }
    response = editor.post("/planung/orte/neu", data=form)
    assert response.status_code == 302
    place_id = response.headers["Location"].rsplit("/", 1)[1]
    page = editor.get(f"/planung/orte/{place_id}").get_data(as_text=True)
    editor.post(
        f"/planung/orte/{place_id}/stand",
        data={
            "action": "veroeffentlichen",
            "version": _version(page),
            "csrf_token": _token(editor, f"/planung/orte/{place_id}"),
        },
    )
    feature = editor.get(f"/api/locations/{place_id}").get_json()
    assert feature["properties"]["accessibility"] == "Stufenlos erreichbar; Fächer ab 40 cm Höhe."


@pytest.mark.parametrize(
    "geometry",
    [
        "kein json",
        "[1, 2]",
        '{"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}',
        '{"type": "Point", "coordinates": [1e400, 0]}',
        '{"type": "FeatureCollection", "features": [{"geometry": 5}]}',
        '{"type": "GeometryCollection", "geometries": []}',
        '{"type": "LineString", "coordinates": [[8.472, 50.564], [8.473, 50.565]]}',
    ],
)
def test_a_bad_geometry_is_refused_with_a_message(editor, app, geometry):
    form = _measure_form(geometry=geometry)
    form["csrf_token"] = _token(editor, "/planung/massnahmen/neu")
    response = editor.post("/planung/massnahmen/neu", data=form)
    html = response.get_data(as_text=True)
    if geometry.startswith('{"type": "LineString"'):
        # A line is a measure's geometry too: this one is fine.
        assert response.status_code == 302
        return
    assert response.status_code == 400
    assert 'id="f-geometry-error"' in html
    assert "Traceback" not in html
