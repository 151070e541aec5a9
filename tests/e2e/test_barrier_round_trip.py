"""The feedback mechanism of the accessibility statement in a real browser, the whole
trip: a resident reports a barrier, a planner finds it in the queue and answers, the
resident reads the answer behind the private link. axe checks every page on the way."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import violations
from tests.e2e.navigation import click_through
from tests.e2e.test_planner_editing import _planner
from tests.factories import create_planner

pytestmark = pytest.mark.browser

BARRIER = "Die Karte lässt sich mit der Tastatur nicht verschieben."
ANSWER = "Danke! Die Pfeiltasten verschieben die Karte jetzt; bitte erst die Karte anklicken."


def test_a_reported_barrier_is_answered_and_the_resident_reads_the_answer(
    app, browser, live_server, page
):
    # The resident: from the statement to the form, sent, with a private link.
    page.goto(live_server + "/barrierefreiheit")
    click_through(page.get_by_role("link", name="Barriere melden"))
    page.get_by_label("Was ist die Barriere?").fill(BARRIER)
    page.get_by_label("Auf welcher Seite oder bei welchem Inhalt? (freiwillig)").fill("Karte")
    click_through(page.get_by_role("button", name="Meldung absenden"))
    expect(page.get_by_role("status")).to_contain_text("Danke! Ihre Meldung")
    private_link = page.locator(".private-link a").get_attribute("href")
    assert violations(page) == []

    # The planner: the report waits in the queue, open; the answer is saved once.
    create_planner(app.test_cli_runner())
    context, planner = _planner(app, browser, live_server)
    try:
        planner.goto(live_server + "/planung/barrieren")
        row = planner.locator("tr[data-report]").filter(has_text=BARRIER[:40])
        expect(row).to_contain_text("offen")
        assert violations(planner) == []
        click_through(row.get_by_role("link"))
        expect(planner.locator("main")).to_contain_text(BARRIER)
        # An empty answer is refused with a message linked to its field.
        planner.locator("#answer").evaluate("node => node.removeAttribute('required')")
        click_through(planner.get_by_role("button", name="Antwort speichern"))
        expect(planner.locator(".error-summary")).to_contain_text(
            "Bitte schreiben Sie eine Antwort."
        )
        assert planner.locator("#answer").get_attribute("aria-invalid") == "true"
        assert violations(planner) == []
        planner.problems.clear()  # the browser logs the 400 it was just answered
        planner.get_by_label("Antwort (liest die meldende Person über ihren Link)").fill(ANSWER)
        click_through(planner.get_by_role("button", name="Antwort speichern"))
        expect(row).to_contain_text("beantwortet")
        assert planner.problems == []
    finally:
        context.close()

    # The resident, later, through the link: the answer and the state.
    page.goto(private_link)
    expect(page.locator("main")).to_contain_text(ANSWER)
    expect(page.locator("main")).to_contain_text("beantwortet")
    assert violations(page) == []
