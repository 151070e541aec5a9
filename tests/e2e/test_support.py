"""Residents support an idea from the map's popup and from the list, and see that they
do: on a desktop and on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.navigation import click_through
from tests.e2e.screens import SCREENS, in_viewport, markers_at_rest
from tests.factories import add_idea

pytestmark = pytest.mark.browser

IDEA = ("brunnen", "Trinkbrunnen am Platz", 8.4760, 50.5600)


@pytest.fixture(params=sorted(SCREENS))
def screen(request):
    return SCREENS[request.param]


@pytest.fixture
def idea(store):
    idea_id, title, lon, lat = IDEA
    add_idea(store, idea_id, state="approved", title=title, lon=lon, lat=lat)
    return store


def _open_popup(page):
    _id, title, lon, lat = IDEA
    page.evaluate(f"quartierskarteLayers.map.setView([{lat}, {lon}], 19, {{animate: false}})")
    marker = page.locator(".qk-idea")
    expect(marker).to_have_count(1)
    markers_at_rest(page)
    marker.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup.get_by_role("heading", name=title)).to_be_visible()
    # The idea came after the popup opened: it was laid out anew and panned into view again.
    markers_at_rest(page)
    return popup


def test_support_from_the_popup_and_see_it_counted(open_page, screen, idea):
    page = open_page(screen)
    popup = _open_popup(page)
    button = popup.get_by_role("button", name=f"Unterstützen: {IDEA[1]}")
    assert in_viewport(page, button)
    button.click()
    # Back on the map, which says thank you.
    notice = page.get_by_text("Danke! Wir haben Ihre Unterstützung gezählt.")
    expect(notice).to_be_visible()
    assert in_viewport(page, notice)
    expect(page.locator("#map-status")).not_to_be_empty()
    popup = _open_popup(page)
    expect(popup).to_contain_text("1 Unterstützungen")
    expect(popup.locator(".supported")).to_have_text("✓ Sie unterstützen diese Idee.")
    expect(popup.get_by_role("button", name=f"Unterstützen: {IDEA[1]}")).to_have_count(0)
    assert idea.layers.record("ideas", IDEA[0]).supports == 1


def test_support_from_the_list_and_see_it_there(open_page, screen, idea):
    page = open_page(screen, path="/ideen")
    listed = page.url.split("?")[0]
    # The URL of the page the form leads back to, not of the one it is sent from.
    click_through(page.get_by_role("button", name=f"Unterstützen: {IDEA[1]}"))
    expect(page).to_have_url(listed)
    card = page.locator(".card").filter(has_text=IDEA[1])
    expect(card.locator(".supported")).to_contain_text("Sie unterstützen diese Idee.")
    expect(card).to_contain_text("1 Unterstützungen")
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
