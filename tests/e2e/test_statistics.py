"""The planners' statistics in the browser, on desktop and phone: reached from the
navigation, filtered with the form, with a bad date refused on its field; axe (WCAG 2.2 A/AA
and best practice) finds nothing, and a phone does not scroll sideways."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.axe import violations
from tests.e2e.navigation import click_through
from tests.e2e.screens import DESKTOP, PHONE
from tests.factories import PASSWORD, create_planner, idea

pytestmark = pytest.mark.browser


def _ideas(store) -> None:
    categories = ("wohnen", "spiel_freizeit", "fuss_radverkehr", "wohnumfeld_gruen")
    for n in range(24):
        created = datetime(2026, 1 + n % 10, 1 + n, tzinfo=UTC)
        record = idea(
            f"e{n:02d}",
            # A long title, as residents write them: the ranking must still fit a phone.
            title=f"Mehr Sitzbänke und Schatten am Spielplatz Schwalbengraben Nummer {n}",
            state=("approved", "rejected", "pending")[n % 3],
            category=categories[n % 4],
            created_at=created,
            supports=n % 7 if n % 3 == 0 else 0,
            lon=8.4700 + 0.0004 * (n % 6),
            lat=50.5640 + 0.0003 * (n // 6),
        )
        if n % 3 != 2:
            record = dataclasses.replace(record, decided_at=created + timedelta(days=n % 9))
        store.ideas.add(record)


@pytest.mark.parametrize("screen", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_statistics_in_the_browser(browser, live_server, app, store, screen):
    _ideas(store)
    create_planner(app.test_cli_runner())
    context = browser.new_context(locale="de-DE", **screen)
    page = context.new_page()
    page.goto(live_server + "/planung/anmelden")
    page.get_by_label("Name").fill("lea")
    page.get_by_label("Passwort").fill(PASSWORD)
    click_through(page.get_by_role("button", name="Anmelden"))

    click_through(page.get_by_role("link", name="Statistik"))
    assert page.get_by_role("heading", level=1).inner_text() == "Statistik der Ideen"
    assert page.locator("table[data-table='status']").is_visible()
    assert page.locator("svg.density-map rect").count() > 0
    assert violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= screen["viewport"]["width"]

    # One Handlungsfeld and a period: the URL keeps them.
    page.get_by_label("Wohnen").check()
    page.get_by_label("Eingereicht ab").fill("2026-02-01")
    click_through(page.get_by_role("button", name="Anzeigen"))
    assert "handlungsfeld=wohnen" in page.url and "von=2026-02-01" in page.url
    assert page.get_by_label("Wohnen").is_checked()
    assert violations(page) == []

    # An end before the start is refused on its field.
    page.get_by_label("Eingereicht bis").fill("2026-01-01")
    click_through(page.get_by_role("button", name="Anzeigen"))
    assert (
        "Das Ende des Zeitraums liegt vor seinem Anfang" in page.locator("#bis-error").inner_text()
    )
    assert page.get_by_label("Eingereicht bis").get_attribute("aria-invalid") == "true"
    assert violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= screen["viewport"]["width"]
    context.close()
