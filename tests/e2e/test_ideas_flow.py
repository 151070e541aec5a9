"""A resident drops a pin and submits an idea; a planner approves it; it is on the map."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from measures.domain.streets import read_streets
from tests.e2e.navigation import click_through
from tests.e2e.screens import markers_at_rest
from tests.e2e.tiles import serve_tiles
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def tiles(app, page):
    return serve_tiles(app, page)


def _start_idea(page, live_server):
    page.goto(live_server + "/")
    expect(page.locator("#map-status")).not_to_be_empty()
    page.get_by_role("button", name="Idee auf der Karte eintragen").click()


def _fill(page, title):
    page.get_by_label("Titel").fill(title)
    page.get_by_label("Beschreibung").fill("Schattige Bank für Eltern am Spielplatz.")
    page.get_by_label("Handlungsfeld", exact=True).select_option("spiel_freizeit")
    page.get_by_label("Ich habe die").check()


def test_resident_submits_planner_approves_idea_appears(page, live_server, tiles, planner):
    _start_idea(page, live_server)
    # Click a spot inside Dalheim on the map.
    page.evaluate("quartierskarteLayers.map.setView([50.5655, 8.4740], 17, {animate: false})")
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("#pin-status")).to_contain_text("Ort gewählt")
    _fill(page, "Schattenbank am Spielplatz")
    page.get_by_role("button", name="Idee absenden").click()
    page.wait_for_url("**/ideen/status/**")
    expect(page.locator("body")).to_contain_text("Danke! Ihre Idee ist angekommen.")
    status_url = page.url

    planner_page = page.context.new_page()
    planner_page.goto(live_server + "/planung/")
    planner_page.get_by_label("Name").fill(planner)
    planner_page.get_by_label("Passwort").fill(PASSWORD)
    click_through(planner_page.get_by_role("button", name="Anmelden"))
    # The planners' map shows the waiting idea, drawn by folium on the server.
    waiting = planner_page.locator(".qk-idea[title='Schattenbank am Spielplatz']")
    expect(waiting).to_have_count(1)
    planner_page.wait_for_load_state("load")
    markers_at_rest(planner_page)
    waiting.click()
    expect(planner_page.locator(".leaflet-popup-content a")).to_have_attribute(
        "href", re.compile(r"^/q/dalheim/planung/ideen/[^/]+$")
    )
    # The idea's page, loaded, before its button: the map's page is still there at first.
    click_through(planner_page.get_by_role("link", name="Schattenbank am Spielplatz").first)
    click_through(planner_page.get_by_role("button", name="Freigeben"))
    expect(planner_page.locator("body")).to_contain_text("ist freigegeben")

    page.goto(status_url)
    assert "freigegeben" in page.locator(".state").inner_text()
    page.goto(live_server + "/ideen")
    assert "Schattenbank am Spielplatz" in page.locator(".cards").inner_text()
    page.goto(live_server + "/")
    page.locator(".qk-idea, .marker-cluster").first.wait_for()
    expect(page.locator("#map-status")).to_contain_text("1 Ideen")


def test_keyboard_path_centre_pin_and_arrow_keys(page, live_server, tiles):
    _start_idea(page, live_server)
    page.get_by_role("button", name="Punkt in die Kartenmitte setzen").click()
    before = float(page.locator("#pin-lat").input_value())
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    after = float(page.locator("#pin-lat").input_value())
    assert after == pytest.approx(before + 0.0001, abs=1e-6)
    page.get_by_label("Oder einen Ort oder eine Straße wählen").select_option(label="Hohe Straße")
    street = next(s for s in read_streets() if s.name == "Hohe Straße")
    # Beside the street's point (44 px west at zoom 18 or closer: at most about 17 m), not on it.
    west = street.lon - float(page.locator("#pin-lon").input_value())
    assert 0.00003 < west < 0.0003
    assert float(page.locator("#pin-lat").input_value()) == pytest.approx(street.lat, abs=1e-6)


def test_a_pin_outside_the_quartier_is_refused_with_the_message(page, live_server, tiles, app):
    _start_idea(page, live_server)
    page.evaluate("quartierskarteLayers.map.setView([50.5650, 8.4560], 17, {animate: false})")
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    message = "Dieser Ort liegt außerhalb des Quartiers Dalheim"
    expect(page.locator("#pin-status")).to_contain_text(message)
    _fill(page, "Außerhalb")
    page.get_by_role("button", name="Idee absenden").click()
    expect(page.locator("#pin-status")).to_contain_text(message)
    assert urlsplit(page.url).path == "/"
    store = app.extensions["quartierskarte.store"]
    assert store.ideas.find(("pending", "approved", "rejected")) == []
