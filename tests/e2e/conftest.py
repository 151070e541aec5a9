"""Browser tests: a real headless Chromium, driven by Playwright, against a live server.

Chromium is the system one (Debian package ``chromium``) where it exists, else the one
Playwright downloads (``make browser``). No test may reach a host other than the app.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.e2e.tiles import serve_tiles

SYSTEM_CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    executable = os.environ.get("CHROMIUM") or (
        str(SYSTEM_CHROMIUM) if SYSTEM_CHROMIUM.exists() else None
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh page that records the host of every request it makes."""
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    page.requested_urls = []
    page.on("request", lambda request: page.requested_urls.append(request.url))
    yield page
    context.close()


@pytest.fixture
def open_page(browser, live_server, app):
    """Opens a path in a fresh window of a screen (``tests.e2e.screens``), tiles served
    locally; waits for the map's first status line. Closes its windows afterwards."""
    contexts = []

    def open_(screen, path="/", **options):
        context = browser.new_context(locale="de-DE", **screen, **options)
        contexts.append(context)
        page = context.new_page()
        serve_tiles(app, page)
        page.goto(live_server + path)
        if path.split("?")[0] == "/" and options.get("java_script_enabled", True):
            expect(page.locator("#map-status")).not_to_be_empty()
        return page

    yield open_
    for context in contexts:
        context.close()
