"""The map's search box in a real browser: streets, places and measures from our own
gazetteer, chosen with the keyboard or a tap, on a desktop and on a phone."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from measures.domain.streets import read_streets
from tests.e2e.screens import DESKTOP, SCREENS, in_viewport, markers_at_rest

pytestmark = pytest.mark.browser


@pytest.fixture(params=sorted(SCREENS))
def screen(request):
    return SCREENS[request.param]


def _type(page, text):
    box = page.get_by_role("combobox", name="Straße, Ort oder Maßnahme suchen")
    box.fill(text)
    listbox = page.get_by_role("listbox")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    return box, listbox


def test_a_street_found_with_the_keyboard_centres_the_map(open_page, screen):
    page = open_page(screen)
    box, listbox = _type(page, "hohe strasse")
    option = listbox.get_by_role("option", name="Hohe Straße")
    expect(option).to_be_visible()
    box.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", option.get_attribute("id"))
    box.press("Enter")
    expect(listbox).to_be_hidden()
    expect(box).to_have_value("Hohe Straße")
    street = next(s for s in read_streets() if s.name == "Hohe Straße")
    centre = page.evaluate("quartierskarteLayers.map.getCenter()")
    assert (centre["lat"], centre["lng"]) == pytest.approx((street.lat, street.lon), abs=1e-5)
    expect(page.locator("#map-status")).to_contain_text("Hohe Straße")
    assert in_viewport(page, page.locator(".folium-map"))


def test_a_place_chosen_by_tap_opens_on_the_map(open_page, screen):
    page = open_page(screen)
    _box, listbox = _type(page, "kifaz")
    option = listbox.get_by_role("option").filter(has_text="Familienzentrum").first
    if screen is SCREENS["phone"]:
        option.tap()
    else:
        option.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Kinder- und Familienzentrum")
    # Measured once the popup's autoPan is over: on its way it may still be cut off.
    markers_at_rest(page)
    assert in_viewport(page, popup)


def test_a_search_result_places_the_pin_of_a_new_idea_beside_it(open_page, screen):
    page = open_page(screen)
    page.get_by_role("button", name="Idee hier eintragen").click()
    box, listbox = _type(page, "Berliner Ring")
    box.press("Enter")
    street = next(s for s in read_streets() if s.name == "Berliner Ring")
    expect(page.locator("#pin-status")).to_contain_text("Ort gewählt")
    assert float(page.locator("#pin-lat").input_value()) == pytest.approx(street.lat)
    assert float(page.locator("#pin-lon").input_value()) < street.lon
    assert in_viewport(page, page.locator(".qk-pin"))
    assert in_viewport(page, page.locator("#pin-status"))


def test_escape_closes_then_empties_and_nothing_found_is_said(open_page):
    page = open_page(DESKTOP)
    box, listbox = _type(page, "ring")
    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("ring")
    box.press("Escape")
    expect(box).to_have_value("")
    box.fill("xyzzy")
    expect(page.locator("#search-status")).to_have_text("Nichts gefunden.")
    expect(listbox).to_be_hidden()


def test_axe_finds_nothing_with_the_suggestions_open(open_page):
    page = open_page(DESKTOP)
    box, _listbox = _type(page, "spiel")
    box.press("ArrowDown")
    results = Axe().run(
        page,
        context={"include": [[".search"]]},
        options={
            "runOnly": {
                "type": "tag",
                "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
            }
        },
    )
    assert [v["id"] for v in results.response["violations"]] == []
