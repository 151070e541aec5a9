"""The residents' map in a real browser: layers, popups, filters, keyboard, accessibility."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import violations
from tests.e2e.navigation import click_through
from tests.e2e.screens import markers_at_rest
from tests.e2e.tiles import TILE_HOST, serve_tiles
from tests.factories import PASSWORD, add_idea
from tests.web.test_pages import PAGES as SERVER_RENDERED_PAGES

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


def _open_filters(page):
    """The filters are folded away in the panel until someone opens them."""
    page.locator("#filter-section > summary").click()


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
    assert link.get_attribute("href") == "/q/dalheim/massnahmen/kifaz"
    # Follow it by address: a click may land while the popup still pans into view.
    page.goto(live_server + link.get_attribute("href"))
    assert (
        page.get_by_role("heading", level=1).inner_text() == "Kinder- und Familienzentrum (KiFaZ)"
    )


def test_filters_change_markers_and_url_and_the_list_agrees(page, live_server, tiles):
    _open_map(page, live_server + "/")
    _open_filters(page)
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
    expect(again.locator(MEASURE_MARKERS)).to_have_count(3)


def test_keyboard_only_users_reach_markers_and_popups(page, live_server, tiles):
    _open_map(page, live_server + "/")
    marker = page.locator(".qk-measure[title^='Kinder- und Familienzentrum']")
    marker.focus()
    assert page.evaluate("document.activeElement.classList.contains('qk-measure')")
    page.keyboard.press("Enter")
    page.locator(".leaflet-popup-content").wait_for()
    assert "Kinder- und Familienzentrum" in page.locator(".leaflet-popup-content").inner_text()


def test_popup_text_from_data_is_inert(page, live_server, tiles, store):
    payload = '<img src=x onerror="window.pwned=1">'
    # Away from other markers.
    add_idea(store, "xss", title=payload, description=payload, lon=8.4760, lat=50.5600)
    _open_map(page, live_server + "/")
    page.evaluate("quartierskarteLayers.map.setView([50.5600, 8.4760], 19, {animate: false})")
    # The zoom splits clusters in an animation: its pins are focused once they stand still.
    markers_at_rest(page)
    page.locator(".qk-idea").first.focus()
    page.keyboard.press("Enter")
    # The overview's idea popups load their ideas when they open.
    expect(page.locator(".leaflet-popup-content")).to_contain_text(payload)
    # Shown as text, no element made of it: its onerror would come only after a failed load,
    # later than this look, so the element itself is what is looked for.
    expect(page.locator(".leaflet-popup-content img")).to_have_count(0)
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
    page.get_by_role("button", name="Liste", exact=True).click()
    _open_filters(page)
    expect(page.get_by_label("abgeschlossen", exact=True)).to_be_visible()


# The residents' pages that the server-side tests render, and the forms.
PAGES = [*SERVER_RENDERED_PAGES, "/ideen/neu", "/planung/anmelden", "/barrierefreiheit/melden"]


@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_wcag_a_or_aa_violations(page, live_server, tiles, path):
    page.goto(live_server + path)
    page.wait_for_load_state("networkidle")
    assert violations(page) == []


def test_axe_on_the_idea_form_with_errors_status_page_and_planner_queue(
    page, live_server, tiles, planner
):

    page.goto(live_server + "/ideen/neu")
    page.get_by_role("button", name="Idee absenden").click()
    expect(page.locator("body")).to_contain_text("Bitte korrigieren Sie")
    assert violations(page) == []
    page.get_by_label("Titel").fill("Bank")
    page.get_by_label("Beschreibung").fill("Am Spielplatz")
    page.get_by_label("Ort oder Straße im Quartier").select_option(label="Berliner Ring")
    page.get_by_label("Ich habe die").check()
    page.get_by_role("button", name="Idee absenden").click()
    page.wait_for_url("**/ideen/status/**")
    assert violations(page) == []
    page.goto(live_server + "/planung/")
    page.get_by_label("Name").fill(planner)
    page.get_by_label("Passwort").fill(PASSWORD)
    click_through(page.get_by_role("button", name="Anmelden"))
    page.wait_for_load_state("networkidle")
    assert violations(page) == []
    # Axe on the idea's page, not on the queue it is leaving.
    click_through(page.get_by_role("link", name="Bank"))
    assert violations(page) == []


def test_english_map_page(page, live_server, tiles):
    page.goto(live_server + "/sprache/en?weiter=/")
    expect(page.locator("#map-status")).not_to_be_empty()
    assert page.locator("html").get_attribute("lang") == "en"
    page.locator("#filter-section > summary").click()
    expect(page.get_by_label("completed", exact=True)).to_be_visible()
    page.locator(".qk-measure[title^='Kinder- und Familienzentrum']").click()
    expect(page.locator(".leaflet-popup-content")).to_contain_text("€8,370,000")


def _add_idea(store, idea_id, title, lon, lat, category="spiel_freizeit", state="approved"):
    add_idea(
        store,
        idea_id,
        state=state,
        title=title,
        description="Eine Bank im Schatten, damit Eltern den Kindern zusehen können.",
        category=category,
        lon=lon,
        lat=lat,
    )


# Exactly half a rounding step (5 decimals) beyond a rounded value in both directions, as a
# pin placed with the form's six decimals may be: the popup's box must still find it.
LONE_IDEA = ("a1b2c3d4e5f6", "Schattige Bank am Spielplatz", 8.476125, 50.560005)


@pytest.fixture
def ideas_on_map(store):
    for number in range(40):
        # A crowd in one street block, which the overview shows as clusters.
        _add_idea(
            store,
            f"menge{number:02d}",
            f"Idee {number}",
            8.4730 + (number % 8) * 0.0001,
            50.5650 + (number // 8) * 0.0001,
            category="wohnumfeld_gruen",
        )
    _add_idea(store, *LONE_IDEA)
    _add_idea(store, "wartet", "Noch nicht geprüft", 8.4800, 50.5610, state="pending")
    return 41


def test_overview_shows_approved_ideas_as_clusters_from_the_compact_layer(
    page, live_server, tiles, ideas_on_map
):
    _open_map(page, live_server + "/")
    expect(page.locator("#map-status")).to_contain_text(f"{ideas_on_map} Ideen")
    expect(page.locator(".marker-cluster").first).to_be_visible()
    in_clusters = sum(
        int(text) for text in page.locator(".marker-cluster").all_inner_texts() if text.strip()
    )
    assert in_clusters + page.locator(".qk-idea").count() == ideas_on_map
    # The overview loads positions only; the full ideas layer is asked for no idea at all.
    paths = [urlsplit(u) for u in page.requested_urls]
    assert any(p.path == "/q/dalheim/api/layers/ideas/points" for p in paths)
    assert not any(p.path == "/q/dalheim/api/layers/ideas" for p in paths)


def _bbox_width(url):
    west, _south, east, _north = map(float, parse_qs(urlsplit(url).query)["bbox"][0].split(","))
    return east - west


def _zoom_to_lone_idea(page):
    lon, lat = LONE_IDEA[2:]
    page.evaluate(f"quartierskarteLayers.map.setView([{lat}, {lon}], 19, {{animate: false}})")
    marker = page.locator(".qk-idea")
    expect(marker).to_have_count(1)
    markers_at_rest(page)
    return marker


def test_clicking_an_idea_marker_loads_its_popup_with_title_and_link(
    page, live_server, tiles, ideas_on_map
):
    _open_map(page, live_server + "/")
    _zoom_to_lone_idea(page).click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup.get_by_role("heading", name=LONE_IDEA[1])).to_be_visible()
    expect(popup).to_contain_text("Spiel und Freizeit")
    expect(popup).to_contain_text("0 Unterstützungen")
    expect(popup).not_to_contain_text("wird geladen")
    link = popup.get_by_role("link", name="Mehr erfahren")
    assert link.get_attribute("href") == f"/q/dalheim/ideen/{LONE_IDEA[0]}"
    # One request for the ideas at the spot, though the popup is laid out anew for them:
    # counted once that new layout and the pan it makes are over, not after a fixed time.
    markers_at_rest(page)
    # (The names of the pins in view come with one request for the whole view.)
    asked = [u for u in page.requested_urls if "/api/layers/ideas?" in u]
    at_spot = [u for u in asked if _bbox_width(u) < 0.001]
    assert len(at_spot) == 1 and len(asked) <= 2
    page.goto(live_server + link.get_attribute("href"))
    assert page.get_by_role("heading", level=1).inner_text() == LONE_IDEA[1]


def test_keyboard_users_open_an_idea_popup_with_enter(page, live_server, tiles, ideas_on_map):
    _open_map(page, live_server + "/")
    marker = _zoom_to_lone_idea(page)
    marker.focus()
    expect(marker).to_be_focused()
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup-content")
    expect(popup.get_by_role("heading", name=LONE_IDEA[1])).to_be_visible()
    expect(popup.get_by_role("link", name="Mehr erfahren")).to_have_attribute(
        "href", f"/q/dalheim/ideen/{LONE_IDEA[0]}"
    )


def test_an_idea_popup_says_so_when_its_ideas_cannot_be_loaded(
    page, live_server, tiles, ideas_on_map
):
    page.route("**/api/layers/ideas?*", lambda route: route.fulfill(status=503))
    _open_map(page, live_server + "/")
    _zoom_to_lone_idea(page).click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Die Idee lässt sich gerade nicht laden.")
    expect(popup).not_to_contain_text("wird geladen")


def test_a_filter_change_shows_what_the_server_renders_for_the_new_url(
    page, live_server, tiles, ideas_on_map
):
    _open_map(page, live_server + "/")
    _open_filters(page)
    page.get_by_label("abgeschlossen", exact=True).check()
    page.get_by_label("Spiel und Freizeit").check()
    expect(page.locator(".qk-measure")).to_have_count(3)
    expect(page.locator("#map-status")).to_contain_text("3 Maßnahmen, 1 Ideen")
    lists = "#measure-cards, #liste, #ideen-liste"
    changed = page.locator(lists).all_inner_texts()
    # The cards keep what the server's cards show (the date of the status, too), and
    # both counts follow the filters.
    assert "(3)" in changed[0] and "seit" in changed[1]
    assert "Ideen in dieser Auswahl (1)" in changed[2]

    fresh = page.context.new_page()
    fresh.route(f"https://{TILE_HOST}/**", lambda route: route.fulfill(status=204))
    _open_map(fresh, page.url)
    assert fresh.locator(lists).all_inner_texts() == changed
    assert fresh.locator("#map-status").inner_text() == page.locator("#map-status").inner_text()


def test_beyond_the_most_points_cells_of_ideas_are_clusters_whose_popup_lists_them(
    app, page, live_server, tiles, ideas_on_map
):
    # The crowd and the lone idea in three cells of 0.0005° (measures/reading/idea_points.py).
    app.config["MAP_POINTS_MOST"] = 20
    _open_map(page, live_server + "/")
    expect(page.locator("#map-status")).to_contain_text(f"{ideas_on_map} Ideen")
    expect(page.locator(".marker-cluster").first).to_be_visible()
    markers_at_rest(page)
    texts = page.locator(".marker-cluster").all_inner_texts()
    assert sum(int(text) for text in texts if text.strip()) == ideas_on_map
    assert page.locator(".qk-idea").count() == 0
    # Up close, each cell is one marker that says how many ideas it holds and of what kind.
    page.evaluate("quartierskarteLayers.map.setView([50.5652, 8.4734], 19, {animate: false})")
    markers_at_rest(page)
    cell = page.locator(".marker-cluster").first
    count = int(cell.inner_text())
    assert 1 < count < 40
    # "4 Ideen – Wohnumfeld und Grün", up close soon "4 Ideen: Idee 1; …" (idea-names.js).
    assert cell.get_attribute("title").startswith(f"{count} Ideen")
    cell.focus()
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup-content")
    expect(popup.get_by_role("heading", level=3)).to_have_count(count)
    expect(popup).not_to_contain_text("wird geladen")
