"""The map page, map first, as a person sees it on a desktop (1280×900) and on a phone
(390×844, touch): the map fills the window, the list beside it (or behind a switch)
points at the markers and back, and the URL opens the same view again."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.screens import DESKTOP, PHONE, markers_at_rest
from tests.e2e.screens import in_viewport as _in_viewport

pytestmark = pytest.mark.browser

KIFAZ = "measures:kifaz"
# Its card is far down the list, its marker beyond the map's edge at the KiFaZ.
SPIELPLATZ = "locations:spielplatz-schwalbengraben"


def _box(page, selector):
    return page.locator(selector).bounding_box()


def _inside(box, frame) -> bool:
    return (
        box["x"] >= frame["x"]
        and box["y"] >= frame["y"]
        and box["x"] + box["width"] <= frame["x"] + frame["width"]
        and box["y"] + box["height"] <= frame["y"] + frame["height"]
    )


def _query(page):
    return parse_qs(urlsplit(page.url).query)


def test_desktop_the_map_fills_the_window_below_the_header_with_the_panel_beside(open_page):
    page = open_page(DESKTOP)
    header, map_box, panel = (
        _box(page, ".site-header"),
        _box(page, ".folium-map"),
        _box(page, "#panel"),
    )
    assert map_box["y"] == pytest.approx(header["y"] + header["height"], abs=2)
    # Only the one-line status under the map below it.
    assert map_box["y"] + map_box["height"] >= 900 - 40
    assert map_box["width"] >= 1280 - panel["width"] - 2
    assert panel["x"] == pytest.approx(map_box["x"] + map_box["width"], abs=2)
    assert page.evaluate("document.documentElement.scrollHeight") <= 900
    # The list is in the panel, in view, not 2,000 px further down.
    assert _in_viewport(page, page.locator("#measure-cards .card").first)


def test_cards_and_markers_point_at_each_other_and_the_url_keeps_the_choice(open_page):
    page = open_page(DESKTOP)
    card = page.locator(f'.card[data-feature="{KIFAZ}"]')
    marker = page.locator(".qk-measure[title^='Kinder- und Familienzentrum']")
    card.hover()
    expect(marker).to_have_class(re.compile(r"\bis-highlighted\b"))
    page.mouse.move(5, 400)
    marker.hover()
    expect(card).to_have_class(re.compile(r"\bis-highlighted\b"))

    card.get_by_role("button", name="Auf der Karte zeigen").click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Kinder- und Familienzentrum")
    # Measured once the popup's autoPan is over: on its way it may still be cut off.
    markers_at_rest(page)
    assert _in_viewport(page, popup)
    expect(card).to_have_class(re.compile(r"\bis-selected\b"))
    assert _query(page)["auswahl"] == [KIFAZ]
    assert "ansicht" in _query(page)

    # A place chosen on the map marks its card and brings it into the panel's view. The
    # map is moved to it first, as a person would: a marker beyond the map's edge still
    # lies in the map's box, which hides it; the click scrolls that box to reach it,
    # Leaflet scrolls it straight back, and the click lands on the map (seen under load).
    page.evaluate(
        """key => quartierskarteLayers.map.panTo(
            quartierskarteLayers.features[key].getLatLng(), {animate: false})""",
        SPIELPLATZ,
    )
    markers_at_rest(page)
    place = page.locator(".qk-place[title^='Spielplatz Schwalbengraben']")
    assert _inside(place.bounding_box(), _box(page, ".folium-map"))
    place.click()
    # The URL follows the choice once the popup has opened: wait for it, not a moment.
    expect(page).to_have_url(re.compile(r"auswahl=locations"))
    chosen = _query(page)["auswahl"][0]
    assert chosen == SPIELPLATZ
    place_card = page.locator(f'.card[data-feature="{chosen}"]')
    expect(place_card).to_have_class(re.compile(r"\bis-selected\b"))
    assert _in_viewport(page, place_card)


def test_a_shared_link_opens_the_same_view_filters_and_feature(open_page):
    page = open_page(DESKTOP)
    page.locator("#filter-section > summary").click()
    page.get_by_label("abgeschlossen", exact=True).check()
    expect(page.locator(".qk-measure")).to_have_count(4)
    page.locator('.card[data-feature="measures:kifaz"] .show-on-map').click()
    expect(page.locator(".leaflet-popup-content")).to_be_visible()
    page.evaluate("quartierskarteLayers.map.setZoom(18, {animate: false})")
    shared = page.url
    query = _query(page)
    assert query["status"] == ["abgeschlossen"] and query["auswahl"] == [KIFAZ]
    assert query["ansicht"][0].startswith("18/")

    parts = urlsplit(shared)
    again = open_page(DESKTOP, path=f"{parts.path}?{parts.query}")
    expect(again.locator(".qk-measure")).to_have_count(4)
    expect(again.locator(".leaflet-popup-content")).to_contain_text("Kinder- und Familienzentrum")
    assert again.evaluate("quartierskarteLayers.map.getZoom()") == 18
    expect(again.locator('.card[data-feature="measures:kifaz"]')).to_have_class(
        re.compile(r"\bis-selected\b")
    )


def test_phone_switches_between_map_and_list_and_a_card_leads_back_to_its_marker(open_page):
    page = open_page(PHONE)
    map_box = _box(page, ".folium-map")
    assert map_box["height"] >= 844 * 0.6, "the map takes most of the phone's screen"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert not page.locator("#panel").is_visible()

    page.get_by_role("button", name="Liste", exact=True).tap()
    expect(page.get_by_role("button", name="Liste", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator("#panel")).to_be_visible()
    assert not page.locator(".folium-map").is_visible()

    card = page.locator(f'.card[data-feature="{KIFAZ}"]')
    card.get_by_role("button", name="Auf der Karte zeigen").tap()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Kinder- und Familienzentrum")
    # The popup opens below the folded layers and pans into view: measured after the pan.
    markers_at_rest(page)
    assert _in_viewport(page, popup)
    assert _box(page, ".folium-map")["height"] >= 844 * 0.6


def test_without_javascript_the_page_says_so_and_offers_the_list_and_the_form(open_page):
    page = open_page(PHONE, java_script_enabled=False)
    notice = page.locator(".no-map")
    expect(notice).to_contain_text("Die Karte braucht JavaScript")
    expect(notice.get_by_role("link", name="Idee mit dem Formular eintragen")).to_have_attribute(
        "href", "/q/dalheim/ideen/neu"
    )
    assert page.locator("#measure-cards .card").first.is_visible()
    # No control that needs a script is shown: every visible button sends a form.
    for button in page.get_by_role("button").all():
        if button.is_visible():
            assert button.get_attribute("type") == "submit", button.inner_text()
    assert not page.locator(".map-frame").is_visible()
