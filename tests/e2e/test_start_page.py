"""The start page in a real browser: the way in for keyboard users."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.navigation import click_through

pytestmark = pytest.mark.browser


def test_keyboard_users_can_skip_to_the_content(page, live_server):
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Zum Inhalt springen"
    assert page.locator(".skip-link").evaluate("e => e.getBoundingClientRect().left") >= 0
    page.keyboard.press("Enter")
    expect(page.locator("#inhalt")).to_be_focused()


def test_an_english_browser_is_offered_english_and_keeps_its_choice(browser, live_server):
    context = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(live_server + "/massnahmen")
        offer = page.locator(".language-suggestion")
        expect(offer).to_be_visible()
        assert page.evaluate("document.documentElement.lang") == "de"
        assert offer.get_attribute("lang") == "en"
        wcag = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
        assert [v["id"] for v in Axe().run(page, options=wcag).response["violations"]] == []
        # The page it leads to has the same address: waiting for the address would not wait.
        click_through(offer.get_by_role("link", name="Read it in English"))
        expect(page).to_have_url(re.compile(r"/massnahmen$"))
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator(".language-suggestion")).to_have_count(0)
        page.goto(live_server + "/orte")
        assert page.evaluate("document.documentElement.lang") == "en"
    finally:
        context.close()


def test_a_barrier_report_with_errors_and_its_status_page_have_no_axe_violations(page, live_server):
    wcag = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
    page.goto(live_server + "/barrierefreiheit")
    click_through(page.get_by_role("link", name="Barriere melden"))
    click_through(page.get_by_role("button", name="Meldung absenden"))
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Bitte beschreiben Sie die Barriere.")
    assert [v["id"] for v in Axe().run(page, options=wcag).response["violations"]] == []
    page.get_by_label("Was ist die Barriere?").fill("Die Schrift ist zu klein.")
    click_through(page.get_by_role("button", name="Meldung absenden"))
    expect(page.get_by_role("status")).to_have_text(re.compile(r"^\s*Danke! Ihre Meldung"))
    assert [v["id"] for v in Axe().run(page, options=wcag).response["violations"]] == []
