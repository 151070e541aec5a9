""" "Benachrichtigen" in the browser, on desktop and phone: ask, confirm from the e-mail,
unsubscribe from the e-mail; axe finds no WCAG A/AA violations on any of the pages."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from app.mail_sender import send_due
from tests.e2e.navigation import click_through
from tests.e2e.tiles import serve_tiles
from tests.factories import add_idea

pytestmark = pytest.mark.browser

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
ADDRESS = "nachbar@example.org"


@pytest.fixture
def app(store, make_app, mail_server):
    """The live server's app, sending to the test's SMTP server."""
    return make_app(**mail_server.settings())


@pytest.fixture
def tiles(app, page):
    return serve_tiles(app, page)


def _violations(page) -> list[str]:
    return [v["id"] for v in Axe().run(page, options=WCAG).response["violations"]]


def _path(message, prefix: str) -> str:
    text = message.get_body(("plain",)).get_content()
    # Under the /q/<slug>/ of the followed idea's or measure's Quartier.
    return re.search(r"http://localhost(/q/[a-z0-9-]+" + re.escape(prefix) + r"\S+)", text).group(1)


@pytest.mark.parametrize("viewport", [(1280, 800), (360, 740)], ids=["desktop", "phone"])
def test_follow_confirm_and_unsubscribe_in_the_browser(
    page, live_server, tiles, app, store, mail_server, viewport
):
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    add_idea(store, "e1", title="Trinkbrunnen am Markt")
    page.goto(live_server + "/ideen/e1")
    assert _violations(page) == []
    page.get_by_label("Ihre E-Mail-Adresse").fill(ADDRESS)
    click_through(page.get_by_role("button", name="Benachrichtigen"))
    expect(page.locator("body")).to_contain_text("Bitte bestätigen Sie Ihre E-Mail-Adresse")
    assert _violations(page) == []

    assert send_due(app).sent == 1
    [request] = mail_server.inbox.to(ADDRESS)
    page.goto(live_server + _path(request, "/benachrichtigungen/bestaetigen/"))
    assert _violations(page) == []
    click_through(page.get_by_role("button", name="Ja, bestätigen"))
    expect(page.locator("body")).to_contain_text("Ihre Adresse ist bestätigt")
    assert _violations(page) == []

    page.goto(live_server + _path(request, "/benachrichtigungen/abmelden/"))
    assert _violations(page) == []
    click_through(page.get_by_role("button", name="Jetzt abmelden"))
    expect(page.locator("body")).to_contain_text("Sie sind abgemeldet")
    assert _violations(page) == []
    assert store.mail.counts() == {"addresses": 0, "subscriptions": 0, "outbox": 0}
