"""Markers everyone can use: names that say what a marker is, clusters that open from the
keyboard, popups that take and give back focus, the map's controls in the page's
language, a way past the map; and axe (WCAG 2.0–2.2 A/AA and best practice) finds
nothing on the map page in its states, on a desktop and on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from measures.domain.vocabulary import LOCATION_KINDS
from tests.e2e.axe import violations
from tests.e2e.screens import DESKTOP, PHONE, SCREENS, in_viewport, markers_at_rest
from tests.factories import add_idea

pytestmark = pytest.mark.browser


@pytest.fixture
def crowd(store):
    """Four ideas in one street block (a cluster) and one alone."""
    for number in range(4):
        add_idea(
            store,
            f"block{number}",
            title=f"Bank Nummer {number}",
            category="spiel_freizeit",
            lon=8.4730 + number * 0.0001,
            lat=50.5650,
        )
    add_idea(store, "allein", title="Trinkbrunnen am Platz", lon=8.4760, lat=50.5600)


@pytest.mark.parametrize("name", sorted(SCREENS))
def test_axe_finds_nothing_on_the_map_page_in_its_states(open_page, crowd, name):
    page = open_page(SCREENS[name])
    page.wait_for_load_state("networkidle")
    assert violations(page) == []
    if name == "phone":
        page.get_by_role("button", name="Liste", exact=True).click()
        page.locator("#filter-section > summary").click()
        assert violations(page) == []
        page.get_by_role("button", name="Karte", exact=True).click()
    page.locator(".qk-measure[title^='Kinder- und Familienzentrum']").click()
    # Once faded in: axe would measure the contrast of a popup on its way in.
    expect(page.locator(".leaflet-popup")).to_have_css("opacity", "1")
    assert violations(page) == []
    page.keyboard.press("Escape")
    # Gone, not fading out: axe would measure the contrast of a popup on its way out.
    expect(page.locator(".leaflet-popup")).to_have_count(0)
    page.get_by_role("button", name="Idee hier eintragen").click()
    page.get_by_role("button", name="Punkt in die Kartenmitte setzen").click()
    expect(page.locator("#pin-status")).to_contain_text("Ort")
    assert violations(page) == []


def test_markers_say_what_they_are(open_page, crowd):
    page = open_page(DESKTOP)
    kifaz = "Kinder- und Familienzentrum Dalheim (KiFaZ) – " + LOCATION_KINDS["familienzentrum"]
    expect(page.get_by_role("button", name=kifaz, exact=True)).to_have_count(1)
    expect(page.get_by_role("button", name="FZ", exact=True)).to_have_count(0)
    cluster = page.get_by_role("button", name="4 Ideen – Spiel und Freizeit")
    expect(cluster).to_have_count(1)
    page.evaluate("quartierskarteLayers.map.setView([50.5600, 8.4760], 18, {animate: false})")
    expect(page.get_by_role("button", name="Trinkbrunnen am Platz", exact=True)).to_have_count(1)


@pytest.mark.parametrize("key", ["Enter", " "])
def test_a_cluster_opens_with_enter_or_space_and_focus_follows(open_page, crowd, key):
    page = open_page(DESKTOP)
    cluster = page.get_by_role("button", name="4 Ideen – Spiel und Freizeit")
    zoom = page.evaluate("quartierskarteLayers.map.getZoom()")
    cluster.focus()
    page.keyboard.press(key)
    # The cluster is gone: its ideas show apart (as pins or smaller clusters).
    expect(cluster).to_have_count(0)
    markers_at_rest(page)
    assert page.evaluate("quartierskarteLayers.map.getZoom()") > zoom
    focused = page.evaluate("document.activeElement.className")
    assert "qk-idea" in focused or "marker-cluster" in focused


def test_a_popup_takes_focus_and_escape_gives_it_back(open_page):
    page = open_page(DESKTOP)
    marker = page.locator(".qk-measure[title^='Kinder- und Familienzentrum']")
    marker.focus()
    page.keyboard.press("Enter")
    content = page.locator(".leaflet-popup-content")
    expect(content).to_be_focused()
    dialog = page.get_by_role("dialog", name="Kinder- und Familienzentrum (KiFaZ) – abgeschlossen")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Fenster schließen")).to_have_count(1)
    page.keyboard.press("Escape")
    expect(content).to_have_count(0)
    expect(marker).to_be_focused()


def test_the_map_controls_speak_german_and_english(open_page, live_server):
    page = open_page(DESKTOP)
    expect(page.get_by_role("button", name="Hineinzoomen")).to_have_count(1)
    expect(page.get_by_role("button", name="Herauszoomen")).to_have_count(1)
    english = open_page(DESKTOP, path="/sprache/en?weiter=/")
    expect(english.locator("#map-status")).not_to_be_empty()
    expect(english.get_by_role("button", name="Zoom in")).to_have_count(1)


@pytest.mark.parametrize("name", sorted(SCREENS))
def test_a_link_skips_the_map_to_the_list(open_page, name):
    page = open_page(SCREENS[name])
    skip = page.get_by_role("link", name="Karte überspringen")
    skip.focus()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("#panel")).to_be_focused()
    expect(page.locator("#measure-cards")).to_be_visible()


def test_targets_are_at_least_24_pixels(open_page, crowd):
    page = open_page(PHONE)
    page.evaluate("quartierskarteLayers.map.setView([50.5600, 8.4760], 18, {animate: false})")
    toggle = page.get_by_role("button", name="Ebenen der Karte")
    assert min(toggle.bounding_box()["width"], toggle.bounding_box()["height"]) >= 24
    toggle.tap()
    for selector in (".qk-idea", ".qk-place", ".qk-measure", ".leaflet-control-layers label"):
        for box in page.locator(selector).evaluate_all(
            "els => els.map(e => e.getBoundingClientRect()).map(r => [r.width, r.height])"
        ):
            assert min(box) >= 24, (selector, box)


def _overlap(one, other) -> bool:
    return not (
        one["x"] + one["width"] <= other["x"]
        or other["x"] + other["width"] <= one["x"]
        or one["y"] + one["height"] <= other["y"]
        or other["y"] + other["height"] <= one["y"]
    )


def test_on_a_phone_the_layers_fold_away_from_popups_and_the_pin_note(open_page):
    page = open_page(PHONE)
    layers = page.locator(".leaflet-control-layers")
    boxes = page.locator(".leaflet-control-layers-list")
    toggle = page.get_by_role("button", name="Ebenen der Karte")
    expect(boxes).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    # A popup near the top of the map is read whole: nothing lies over it.
    page.locator(".qk-measure[title^='Kinder- und Familienzentrum']").tap()
    popup = page.locator(".leaflet-popup-content-wrapper")
    expect(popup).to_have_css("opacity", "1")
    # Measured once the map has stopped panning the popup below the folded layers.
    markers_at_rest(page)
    assert not _overlap(popup.bounding_box(), layers.bounding_box())
    assert in_viewport(page, popup)
    page.keyboard.press("Escape")
    # While a new idea is placed, its note and the folded layers stand side by side.
    page.get_by_role("button", name="Idee hier eintragen").tap()
    status = page.locator("#pin-status")
    expect(status).to_contain_text("Tippen oder klicken Sie auf die Karte")
    assert not _overlap(status.bounding_box(), toggle.bounding_box())
    # The button opens the layers and focus goes to the first; Escape folds them again.
    toggle.tap()
    expect(boxes).to_be_visible()
    expect(page.locator(".leaflet-control-layers-selector").first).to_be_focused()
    assert violations(page) == []
    page.keyboard.press("Escape")
    expect(boxes).to_be_hidden()
    expect(toggle).to_be_focused()


def test_on_a_desktop_the_layers_stay_open_beside_the_map(open_page):
    page = open_page(DESKTOP)
    expect(page.locator(".leaflet-control-layers-list")).to_be_visible()
    expect(page.get_by_role("button", name="Ebenen der Karte")).to_be_hidden()
    # Leaflet's English title on its credit link is gone; the link's text names it.
    expect(page.locator(".leaflet-control-attribution a[title]")).to_have_count(0)
