"""Planners keep measures and places current in the browser (issue 16): a planner draws
an area measure and publishes it, and a resident finds it on the map, in the list, the
API, the OGC API and an export; a draft appears nowhere public; a place is made with the
keyboard alone (a point at the map's centre, moved with the arrow keys); two planners
editing one measure get the conflict and nothing is lost; axe finds nothing on the
planners' pages in any of their states, and the strict CSP holds."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import violations
from tests.e2e.navigation import click_through, press_through
from tests.e2e.tiles import serve_tiles
from tests.factories import PASSWORD, create_planner

pytestmark = pytest.mark.browser

TITLE = "Sitzbänke am Schwalbengraben"


def _planner(app, browser, live_server, name="lea"):
    """A new window of a logged-in planner; console problems are collected in
    ``page.problems``."""
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: m.type in ("error", "warning") and page.problems.append(m.text))
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    serve_tiles(app, page)
    page.goto(live_server + "/planung/anmelden")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Passwort").fill(PASSWORD)
    click_through(page.get_by_role("button", name="Anmelden"))
    return context, page


@pytest.fixture
def planner_page(app, browser, live_server):
    create_planner(app.test_cli_runner())
    context, page = _planner(app, browser, live_server)
    yield page
    context.close()


def _geometry(page) -> dict:
    return json.loads(page.locator("#f-geometry").input_value())


def _map_box(page) -> dict:
    page.locator(".editing-map").scroll_into_view_if_needed()
    return page.locator(".editing-map .leaflet-container").bounding_box()


def _click_corners(page, corners) -> None:
    """Click each corner of an area being drawn; the last closes it on the first. Each
    corner is waited for as a vertex on the map before the next click, not a fixed time."""
    vertices = page.locator(".editing-map .leaflet-marker-pane .marker-icon:not(.cursor-marker)")
    for number, (x, y) in enumerate(corners[:-1], start=1):
        page.mouse.click(x, y)
        expect(vertices).to_have_count(number)
    page.mouse.click(*corners[-1])


def _draw_area(page) -> None:
    """Four clicks around the map's centre, then a click on the first point again."""
    # Close in, so that every part lies well inside the Quartier.
    page.evaluate("() => quartierskarteLayers.map.setZoom(17, {animate: false})")
    page.get_by_role("button", name="Fläche zeichnen").click()
    expect(page.locator("#geometry-status")).to_contain_text("Zeichnen")
    box = _map_box(page)
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    corners = [(-50, -40), (50, -40), (50, 40), (-50, 40), (-50, -40)]
    _click_corners(page, [(cx + dx, cy + dy) for dx, dy in corners])
    expect(page.locator("#geometry-status")).to_contain_text("1 Teil")


def test_a_planner_draws_an_area_measure_publishes_it_and_residents_see_it(
    planner_page, browser, live_server, app
):
    page = planner_page
    page.goto(live_server + "/planung/massnahmen/")
    assert violations(page) == []
    click_through(page.get_by_role("link", name="Neue Maßnahme anlegen"))
    assert violations(page) == []
    page.locator("#f-title").fill(TITLE)
    page.locator("#f-summary").fill("Drei Bänke mit Lehne für ältere Menschen.")
    page.locator("#f-category").select_option("wohnumfeld_gruen")
    page.locator("#f-accuracy").select_option("exact")
    page.locator("#f-sources").fill("Beiratssitzung | https://www.wetzlar.de/beirat")
    _draw_area(page)
    assert _geometry(page)["type"] == "Polygon"
    assert violations(page) == []  # while a part is drawn
    # A second area makes it a multi-part measure; undo takes it back.
    page.get_by_role("button", name="Fläche zeichnen").click()
    box = _map_box(page)
    x, y = box["x"] + box["width"] / 2 + 100, box["y"] + box["height"] / 2 + 60
    _click_corners(page, [(x + dx, y + dy) for dx, dy in [(0, 0), (40, 0), (40, 30), (0, 0)]])
    expect(page.locator("#geometry-status")).to_contain_text("2 Teil")
    assert _geometry(page)["type"] == "MultiPolygon"
    # Delete that part again: the removal mode, a click on the part.
    remove = page.get_by_role("button", name="Teil löschen")
    remove.click()
    expect(remove).to_have_attribute("aria-pressed", "true")
    page.mouse.click(x + 30, y + 10)
    expect(page.locator("#geometry-status")).to_contain_text("1 Teil")
    assert _geometry(page)["type"] == "Polygon"
    remove.click()
    # Undo brings it back, and undo once more takes back its drawing.
    page.get_by_role("button", name="Rückgängig").click()
    assert _geometry(page)["type"] == "MultiPolygon"
    page.get_by_role("button", name="Rückgängig").click()
    assert _geometry(page)["type"] == "Polygon"
    # Move a vertex in the edit mode.
    before = _geometry(page)["coordinates"][0][0]
    edit = page.get_by_role("button", name="Eckpunkte verschieben")
    edit.click()
    expect(edit).to_have_attribute("aria-pressed", "true")
    assert violations(page) == []  # the editing state
    vertex = page.locator(".marker-icon").first
    vbox = vertex.bounding_box()
    page.mouse.move(vbox["x"] + vbox["width"] / 2, vbox["y"] + vbox["height"] / 2)
    page.mouse.down()
    page.mouse.move(vbox["x"] - 20, vbox["y"] - 20, steps=5)
    page.mouse.up()
    edit.click()
    assert _geometry(page)["coordinates"][0] != [before] and _geometry(page)["type"] == "Polygon"
    assert sorted(map(tuple, _geometry(page)["coordinates"][0])) != sorted(map(tuple, [before]))

    click_through(page.get_by_role("button", name="Als Entwurf speichern"))
    expect(page.get_by_text("Gespeichert als Entwurf")).to_be_visible()
    measure_id = page.url.rstrip("/").rsplit("/", 1)[1]
    assert violations(page) == []  # the edit page of a draft

    resident = browser.new_context(locale="de-DE").new_page()
    serve_tiles(app, resident)
    resident.goto(live_server + "/massnahmen")
    expect(resident.locator("body")).not_to_contain_text(TITLE)
    assert resident.goto(live_server + f"/api/measures/{measure_id}").status == 404

    click_through(page.get_by_role("button", name="Veröffentlichen"))
    expect(page.get_by_text("Veröffentlicht: jetzt öffentlich sichtbar.")).to_be_visible()

    resident.goto(live_server + "/massnahmen")
    expect(resident.get_by_role("link", name=TITLE).first).to_be_visible()
    resident.goto(live_server + "/")
    expect(resident.locator("#map-status")).not_to_be_empty()
    assert resident.evaluate(
        "id => Boolean(quartierskarteLayers.features['measures:' + id])", measure_id
    )
    feature = json.loads(resident.goto(live_server + f"/api/measures/{measure_id}").text())
    assert feature["properties"]["title"] == TITLE
    assert feature["geometry"]["type"] == "Polygon"
    items = resident.goto(live_server + "/ogc/collections/measures/items?f=json&limit=1000").text()
    assert measure_id in {f["id"] for f in json.loads(items)["features"]}
    # A download: fetched by the resident's browser context, not opened as a page.
    export = resident.context.request.get(live_server + "/export/measures.geojson").text()
    assert measure_id in {f["properties"]["id"] for f in json.loads(export)["features"]}
    resident.context.close()
    assert [p for p in page.problems if "Content Security Policy" in p or "Error" in p] == []


def _tab_to(page, element_id: str, limit: int = 120) -> None:
    """Press Tab until the control ``element_id`` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} is not reached with the Tab key")


def _tab_to_button(page, name: str, limit: int = 160) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if (
            page.evaluate(
                "() => document.activeElement.tagName === 'BUTTON'"
                " && document.activeElement.textContent.trim()"
            )
            == name
        ):
            return
    raise AssertionError(f"button {name!r} is not reached with the Tab key")


def test_a_place_is_made_with_the_keyboard_alone(planner_page, live_server):
    page = planner_page
    page.goto(live_server + "/planung/orte/neu")
    page.wait_for_load_state()
    # Every control of the form is reached with Tab, in order.
    _tab_to(page, "f-id")
    page.keyboard.type("buecherschrank")
    _tab_to(page, "f-name")
    page.keyboard.type("Bücherschrank Hohe Straße")
    _tab_to(page, "f-kind")
    page.keyboard.type("Treff")
    _tab_to(page, "f-address")
    page.keyboard.type("Hohe Straße 13, 35576 Wetzlar")
    _tab_to(page, "f-accessibility")
    page.keyboard.type("Stufenlos erreichbar.")
    _tab_to(page, "f-accuracy")
    page.keyboard.type("Ung")
    _tab_to(page, "f-sources")
    page.keyboard.type("Begehung | https://www.wetzlar.de/dalheim")
    assert page.locator("#f-kind").input_value() == "treffpunkt"
    # The point: at the map's centre, then three steps east and two north.
    _tab_to_button(page, "Punkt in die Kartenmitte (dann Pfeiltasten)")
    page.keyboard.press("Enter")
    start = _geometry(page)["coordinates"]
    assert page.evaluate("() => document.activeElement.classList.contains('leaflet-marker-icon')")
    for key in ("ArrowRight", "ArrowRight", "ArrowRight", "ArrowUp", "ArrowUp"):
        page.keyboard.press(key)
    moved = _geometry(page)
    assert moved["type"] == "Point"
    assert moved["coordinates"][0] == pytest.approx(start[0] + 3 * 0.00008, abs=1e-6)
    assert moved["coordinates"][1] == pytest.approx(start[1] + 2 * 0.00005, abs=1e-6)
    expect(page.locator("#geometry-status")).to_contain_text("Punkt verschoben")
    _tab_to_button(page, "Als Entwurf speichern")
    press_through(page, "Enter")
    expect(page.get_by_text("Gespeichert als Entwurf")).to_be_visible()
    assert page.url.endswith("/planung/orte/buecherschrank")
    _tab_to_button(page, "Veröffentlichen")
    press_through(page, "Enter")
    expect(page.get_by_text("Veröffentlicht: jetzt öffentlich sichtbar.")).to_be_visible()
    feature = json.loads(page.goto(live_server + "/api/locations/buecherschrank").text())
    assert feature["properties"]["accessibility"] == "Stufenlos erreichbar."
    assert feature["geometry"]["coordinates"] == pytest.approx(moved["coordinates"], abs=1e-6)


def test_two_planners_editing_one_measure_get_the_conflict_and_nothing_is_lost(
    planner_page, app, browser, live_server
):
    lea = planner_page
    # A login ends the account's other sessions: Max has an account of his own.
    create_planner(app.test_cli_runner(), "max")
    max_context, max_ = _planner(app, browser, live_server, "max")
    for page in (lea, max_):
        page.goto(live_server + "/planung/massnahmen/kifaz")
        page.wait_for_load_state()
    lea.locator("#f-summary").fill("Fassung von Lea: eröffnet 2022.")
    click_through(lea.get_by_role("button", name="Speichern", exact=True))
    expect(lea.get_by_text("Die Änderungen sind gespeichert.")).to_be_visible()

    max_.locator("#f-summary").fill("Fassung von Max: Eröffnung verschoben.")
    click_through(max_.get_by_role("button", name="Speichern", exact=True))
    alert = max_.get_by_role("alert")
    expect(alert).to_contain_text("Jemand anders hat diesen Eintrag inzwischen geändert")
    expect(alert).to_contain_text("Fassung von Lea: eröffnet 2022.")
    expect(alert).to_contain_text("Fassung von Max: Eröffnung verschoben.")
    assert max_.locator("#f-summary").input_value() == "Fassung von Max: Eröffnung verschoben."
    assert violations(max_) == []  # the conflict state
    stored = json.loads(lea.goto(live_server + "/api/measures/kifaz").text())
    assert stored["properties"]["summary"] == "Fassung von Lea: eröffnet 2022."
    max_context.close()


def test_axe_on_the_form_with_errors_and_the_delete_confirmation(planner_page, live_server):
    page = planner_page
    page.goto(live_server + "/planung/massnahmen/neu")
    page.locator("#f-title").fill("Ohne alles")
    # The browser's own checks aside: the server's messages are what is checked.
    page.evaluate("() => document.getElementById('record-form').noValidate = true")
    click_through(page.get_by_role("button", name="Als Entwurf speichern"))
    expect(page.locator(".error-summary")).to_contain_text("Pflicht")
    assert violations(page) == []
    page.goto(live_server + "/planung/orte/")
    assert violations(page) == []
    page.goto(live_server + "/planung/massnahmen/kifaz/loeschen")
    assert violations(page) == []
    page.get_by_role("button", name="Endgültig löschen").click()
    # The checkbox is required: nothing is sent without it.
    assert page.url.endswith("/loeschen")
    page.get_by_label("Ja, endgültig löschen.").check()
    click_through(page.get_by_role("button", name="Endgültig löschen"))
    expect(page.get_by_text("Der Eintrag ist gelöscht.")).to_be_visible()
    assert page.goto(live_server + "/massnahmen/kifaz").status == 404
