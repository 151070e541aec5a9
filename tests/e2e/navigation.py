"""Clicks that lead to another page, waited for properly.

``click()`` followed by ``wait_for_load_state()`` can return before the navigation has
begun: the old page is loaded, so the wait is over at once and the next assertion reads
the page that is about to go. Waiting for the navigation itself closes that race.
"""

from __future__ import annotations


def click_through(locator) -> None:
    """Click a link or a submit button and wait until the page it leads to has loaded."""
    with locator.page.expect_navigation():
        locator.click()


def press_through(page, key: str) -> None:
    """Press a key on the focused link or button and wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press(key)
