"""The start page in a real browser."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser


def test_start_page_lists_measures_and_places_and_loads_nothing_foreign(page, live_server):
    page.goto(live_server + "/")
    assert page.title() == "Quartierskarte Dalheim"
    assert page.get_by_role("heading", level=1).inner_text() == "Quartierskarte Dalheim"
    kifaz = page.locator("#massnahmen ~ ul li[data-id='kifaz']")
    assert "abgeschlossen (2023-05-12)" in kifaz.inner_text()
    assert "Lage ungefähr" in kifaz.inner_text()
    assert page.locator("li[data-id='eichendorffschule']").count() == 1
    # The stylesheet is the app's own and applied (cards in a grid).
    assert page.locator(".cards").first.evaluate("e => getComputedStyle(e).display") == "grid"
    hosts = {urlsplit(url).netloc for url in page.requested_urls}
    assert hosts == {urlsplit(live_server).netloc}


def test_keyboard_users_can_skip_to_the_content(page, live_server):
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Zum Inhalt springen"
    assert page.locator(".skip-link").evaluate("e => e.getBoundingClientRect().left") >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhalt"
