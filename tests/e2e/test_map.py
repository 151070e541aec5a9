"""The residents' map in a real browser: layers, popups, filters, keyboard, accessibility."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.tiles import TILE_HOST, serve_tiles

pytestmark = pytest.mark.browser

MEASURE_MARKERS = ".qk-measure"
PLACE_MARKERS = ".qk-place"


@pytest.fixture
def tiles(app, page):
    return serve_tiles(app, page)


def _open_map(page, url):
    # Waits use expect(), not wait_for_function(): that one evaluates a string in the page,
    # which our Content-Security-Policy forbids (no 'unsafe-eval').
    page.goto(url)
    expect(page.locator("#map-status")).not_to_be_empty()


def test_map_shows_quartier_every_measure_and_place(page, live_server, tiles, seed):
    _open_map(page, live_server + "/")
    assert page.locator(MEASURE_MARKERS).count() == len(seed.measures)
    assert page.locator(PLACE_MARKERS).count() == len(seed.locations)
    # The Quartier outline and the polygon of the Multifunktionsfeld are drawn as paths.
    assert page.locator(".leaflet-overlay-pane path").count() >= 2
    titles = set(page.locator(MEASURE_MARKERS).evaluate_all("els => els.map(e => e.title)"))
    assert {f"{m.title} – " for m in seed.measures} == {t.split("– ")[0] + "– " for t in titles}
    assert tiles, "the base map was requested from the tile server"
    assert "basemap.de" in page.locator(".leaflet-control-attribution").inner_text()
    own = urlsplit(live_server).netloc
    assert {urlsplit(u).netloc for u in page.requested_urls} <= {own, TILE_HOST}


def test_clicking_a_measure_opens_its_popup_with_a_link(page, live_server, tiles):
    _open_map(page, live_server + "/")
    page.locator(".qk-measure[title^='Kinder- und Familienzentrum']").click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert "abgeschlossen" in text and "2023-05-12" in text
    assert "8.370.000" in text and "Lage ungefähr" in text
    link = popup.get_by_role("link", name="Mehr erfahren")
    assert link.get_attribute("href") == "/massnahmen/kifaz"
    # Follow it by address: a click may land while the popup still pans into view.
    page.goto(live_server + link.get_attribute("href"))
    assert (
        page.get_by_role("heading", level=1).inner_text() == "Kinder- und Familienzentrum (KiFaZ)"
    )


def test_filters_change_markers_and_url_and_the_list_agrees(page, live_server, tiles):
    _open_map(page, live_server + "/")
    page.get_by_label("abgeschlossen", exact=True).check()
    expect(page.locator(".qk-measure")).to_have_count(4)
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"status": ["abgeschlossen"]}
    page.get_by_label("Spiel und Freizeit").check()
    expect(page.locator(".qk-measure")).to_have_count(3)
    on_map = set(page.locator(MEASURE_MARKERS).evaluate_all("els => els.map(e => e.title)"))
    shared_url = page.url

    listing = page.context.new_page()
    listing.goto(shared_url.replace("/?", "/massnahmen?"))
    listed = listing.locator(".cards li.card h3").all_inner_texts()
    assert {t.split(" – ")[0] for t in on_map} == set(listed)

    # The shared URL opens the map with the same filters.
    again = page.context.new_page()
    again.route(f"https://{TILE_HOST}/**", lambda route: route.fulfill(status=204))
    _open_map(again, shared_url)
    assert again.locator(MEASURE_MARKERS).count() == 3


def test_keyboard_only_users_reach_markers_and_popups(page, live_server, tiles):
    _open_map(page, live_server + "/")
    marker = page.locator(".qk-measure[title^='Kinder- und Familienzentrum']")
    marker.focus()
    assert page.evaluate("document.activeElement.classList.contains('qk-measure')")
    page.keyboard.press("Enter")
    page.locator(".leaflet-popup-content").wait_for()
    assert "Kinder- und Familienzentrum" in page.locator(".leaflet-popup-content").inner_text()


def test_popup_text_from_data_is_inert(page, live_server, tiles, app):
    from datetime import UTC, datetime

    from shapely.geometry import Point

    from measures.model import Idea

    payload = '<img src=x onerror="window.pwned=1">'
    app.extensions["quartierskarte.store"].add_idea(
        Idea(
            id="xss",
            title=payload,
            description=payload,
            category="wohnumfeld_gruen",
            geometry=Point(8.4760, 50.5600),  # away from other markers
            created_at=datetime(2026, 11, 1, tzinfo=UTC),
            moderation_state="approved",
        )
    )
    _open_map(page, live_server + "/")
    page.evaluate("quartierskarteLayers.map.setView([50.5600, 8.4760], 19, {animate: false})")
    page.locator(".qk-idea").first.focus()
    page.keyboard.press("Enter")
    page.locator(".leaflet-popup-content").wait_for()
    assert payload in page.locator(".leaflet-popup-content").inner_text()
    assert page.evaluate("window.pwned === undefined")


def test_detail_page_map_zooms_to_the_measure(page, live_server, tiles):
    page.goto(live_server + "/massnahmen/multifunktionsfeld-schulen")
    expect(page.locator(".qk-measure")).to_have_count(1)
    assert page.evaluate("quartierskarteLayers.map.getZoom()") >= 16


def test_small_screens_keep_map_and_filters_usable(page, live_server, tiles):
    page.set_viewport_size({"width": 360, "height": 740})
    _open_map(page, live_server + "/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, "no horizontal scrolling at 360 px"
    assert page.locator(".folium-map").bounding_box()["width"] > 300
    assert page.get_by_label("abgeschlossen", exact=True).is_visible()


PAGES = [
    "/",
    "/massnahmen",
    "/massnahmen/kifaz",
    "/orte",
    "/orte/kifaz",
    "/ideen",
    "/ueber",
    "/ideen/neu",
    "/planung/anmelden",
]


@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_wcag_a_or_aa_violations(page, live_server, tiles, path):
    page.goto(live_server + path)
    page.wait_for_load_state("networkidle")
    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
        },
    )
    violations = [
        (v["id"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]
    ]
    assert violations == []


def test_axe_on_the_idea_form_with_errors_status_page_and_planner_queue(
    page, live_server, tiles, runner, app
):
    wcag = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}

    def violations():
        results = Axe().run(page, options=wcag)
        return [v["id"] for v in results.response["violations"]]

    page.goto(live_server + "/ideen/neu")
    page.get_by_role("button", name="Idee absenden").click()
    assert "Bitte korrigieren Sie" in page.content()
    assert violations() == []
    page.get_by_label("Titel").fill("Bank")
    page.get_by_label("Beschreibung").fill("Am Spielplatz")
    page.get_by_label("Ort oder Straße im Quartier").select_option(label="Berliner Ring")
    page.get_by_label("Ich habe die").check()
    page.get_by_role("button", name="Idee absenden").click()
    page.wait_for_url("**/ideen/status/**")
    assert violations() == []
    assert (
        runner.invoke(
            args=["planner", "create", "lea", "--password-stdin"],
            input="ein-langes-geheimes-wort\n",
        ).exit_code
        == 0
    )
    page.goto(live_server + "/planung/")
    page.get_by_label("Name").fill("lea")
    page.get_by_label("Passwort").fill("ein-langes-geheimes-wort")
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_load_state("networkidle")
    assert violations() == []
    page.get_by_role("link", name="Bank").click()
    assert violations() == []


def test_english_map_page(page, live_server, tiles):
    page.goto(live_server + "/sprache/en?weiter=/")
    expect(page.locator("#map-status")).not_to_be_empty()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_label("completed", exact=True).is_visible()
    page.locator(".qk-measure[title^='Kinder- und Familienzentrum']").click()
    assert "€8,370,000" in page.locator(".leaflet-popup-content").inner_text()
