"""The history of a measure in the browser, on desktop and phone: a planner finds the
changes from the navigation, compares two versions, restores one after confirming, and is
refused when a colleague saved meanwhile; axe (WCAG 2.2 A/AA and best practice) finds
nothing on any of these pages, the refusal included."""

from __future__ import annotations

import dataclasses

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import violations
from tests.e2e.navigation import click_through
from tests.e2e.screens import DESKTOP, PHONE
from tests.e2e.tiles import serve_tiles
from tests.factories import PASSWORD, create_planner

pytestmark = pytest.mark.browser


def _edit(store, title: str, author: str) -> None:
    record = store.layers.record("measures", "kifaz")
    store.versions.save(
        "measures",
        dataclasses.replace(record, title=title),
        author=author,
        expected=record.updated_at,
    )


@pytest.mark.parametrize("screen", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_compare_restore_and_conflict_in_the_browser(browser, live_server, app, store, screen):
    original = store.layers.record("measures", "kifaz").title
    _edit(store, "KiFaZ – vertippt", "max")
    create_planner(app.test_cli_runner())
    context = browser.new_context(locale="de-DE", **screen)
    page = context.new_page()
    serve_tiles(app, page)
    page.goto(live_server + "/planung/anmelden")
    page.get_by_label("Name").fill("lea")
    page.get_by_label("Passwort").fill(PASSWORD)
    click_through(page.get_by_role("button", name="Anmelden"))

    click_through(page.get_by_role("link", name="Änderungen"))
    assert page.get_by_role("heading", level=1).inner_text() == "Änderungen an Maßnahmen und Orten"
    assert violations(page) == []
    click_through(page.get_by_role("link", name="KiFaZ – vertippt").first)
    expect(page.locator("tr[data-version]")).to_have_count(2)
    assert violations(page) == []

    # Compare the two versions with the form (the older is preselected).
    click_through(page.get_by_role("button", name="Vergleichen"))
    assert original in page.locator("tr[data-field='title']").inner_text()
    assert violations(page) == []

    # Restore the first version; a colleague saves while the confirmation page is open.
    # Axe on the confirmation page, not on the comparison it is leaving.
    click_through(page.get_by_role("link", name="Version 1 wiederherstellen"))
    assert violations(page) == []
    _edit(store, "KiFaZ – vom Kollegen", "max")
    page.get_by_label("Ja, Version 1 wiederherstellen").check()
    click_through(page.get_by_role("button", name="Diese Version wiederherstellen"))
    notice = page.locator("#restore-notice")
    expect(notice).to_contain_text("inzwischen von jemand anderem geändert")
    expect(page.locator("body")).to_contain_text("KiFaZ – vom Kollegen")
    assert violations(page) == []
    assert store.layers.record("measures", "kifaz").title == "KiFaZ – vom Kollegen"

    # On the page as it is now, the restore goes through.
    page.get_by_label("Ja, Version 1 wiederherstellen").check()
    click_through(page.get_by_role("button", name="Diese Version wiederherstellen"))
    expect(page.locator("body")).to_contain_text("Die Version ist wiederhergestellt")
    expect(page.locator("tr[data-version]").first).to_have_attribute("data-action", "restored")
    assert violations(page) == []
    assert store.layers.record("measures", "kifaz").title == original

    # The public page says when it changed.
    page.goto(live_server + "/massnahmen/kifaz")
    assert "Zuletzt geändert am" in page.locator("#zuletzt-geaendert").inner_text()
    assert violations(page) == []
    context.close()
