"""The start page in a real browser: the way in for keyboard users."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_keyboard_users_can_skip_to_the_content(page, live_server):
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Zum Inhalt springen"
    assert page.locator(".skip-link").evaluate("e => e.getBoundingClientRect().left") >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhalt"
