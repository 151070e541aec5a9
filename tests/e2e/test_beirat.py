"""A planner plans a session of the Stadtteilbeirat in Chromium — date, place, agenda
chosen by title — and records an outcome that moves a measure along its decision path;
residents read the session. axe finds no violations on these pages, errors included."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import violations
from tests.e2e.navigation import click_through
from tests.e2e.tiles import serve_tiles
from tests.factories import PASSWORD, add_idea

pytestmark = pytest.mark.browser

MEASURE = "spielhaus-erweiterung"


def test_a_planner_plans_a_session_and_records_an_outcome(page, live_server, app, store, planner):
    serve_tiles(app, page)
    add_idea(store, "trinkbrunnen", title="Trinkbrunnen am Berliner Ring")
    measure_title = store.layers.record("measures", MEASURE).title
    other_title = store.layers.record("measures", "abriss-alte-kita").title

    page.goto(f"{live_server}/planung/")
    page.get_by_label("Name").fill(planner)
    page.get_by_label("Passwort").fill(PASSWORD)
    click_through(page.get_by_role("button", name="Anmelden"))
    planning_nav = page.get_by_role("navigation", name="Planungsbereich")
    click_through(planning_nav.get_by_role("link", name="Stadtteilbeirat"))
    expect(page.get_by_role("heading", name="Sitzungen des Stadtteilbeirats")).to_be_visible()
    assert violations(page) == []
    click_through(page.get_by_role("link", name="Neue Sitzung anlegen"))

    # A session without a date: said in German, tied to its field, nothing stored.
    page.get_by_label("Titel").fill("Sitzung des Stadtteilbeirats Dalheim")
    click_through(page.get_by_role("button", name="Sitzung anlegen"))
    expect(page.get_by_role("alert")).to_contain_text("Bitte das Datum der Sitzung angeben.")
    expect(page.get_by_label("Datum")).to_have_attribute("aria-invalid", "true")
    assert store.beirat.sessions("dalheim") == []
    assert violations(page) == []

    page.get_by_label("Datum").fill("2025-03-13")
    page.get_by_label("Beginn (Uhrzeit)").fill("18:00")
    page.get_by_label("Ende (Uhrzeit, freiwillig)").fill("20:00")
    click_through(page.get_by_role("button", name="Sitzung anlegen"))
    expect(page.get_by_role("heading", name="Tagesordnung (0)")).to_be_visible()

    page.get_by_label("Maßnahme nach Titel wählen").select_option(label=measure_title)
    click_through(page.get_by_role("button", name="Maßnahme auf die Tagesordnung"))
    page.get_by_label("Maßnahme nach Titel wählen").select_option(label=other_title)
    click_through(page.get_by_role("button", name="Maßnahme auf die Tagesordnung"))
    page.get_by_label("Idee nach Titel wählen").select_option(label="Trinkbrunnen am Berliner Ring")
    click_through(page.get_by_role("button", name="Idee auf die Tagesordnung"))
    expect(page.get_by_role("heading", name="Tagesordnung (3)")).to_be_visible()
    # The idea first.
    click_through(page.get_by_role("button", name="Nach oben").last)
    click_through(page.get_by_role("button", name="Nach oben").nth(0))
    agenda = page.locator(".agenda > li")
    expect(agenda.first).to_contain_text("Trinkbrunnen am Berliner Ring")
    assert violations(page) == []

    click_through(page.get_by_role("link", name="Ergebnis eintragen (Punkt 2)"))
    expect(
        page.get_by_role("heading", name=f"Ergebnis zu Punkt 2: {measure_title}")
    ).to_be_visible()
    page.get_by_label("Ja-Stimmen").fill("viele")
    click_through(page.get_by_role("button", name="Ergebnis speichern"))
    expect(page.get_by_role("alert")).to_contain_text("Bitte wählen Sie ein Ergebnis")
    expect(page.get_by_role("alert")).to_contain_text("ganze Zahl von 0 bis 999")
    assert store.layers.record("measures", MEASURE).status == "idee"
    assert violations(page) == []
    page.get_by_label("empfohlen", exact=True).check()
    page.get_by_label("Ja-Stimmen").fill("9")
    page.get_by_label("Nein-Stimmen").fill("1")
    page.get_by_label("Enthaltungen").fill("2")
    click_through(page.get_by_role("button", name="Ergebnis speichern"))
    expect(page.get_by_role("status")).to_contain_text("Entscheidungsweg der Maßnahme")
    expect(agenda.nth(1)).to_contain_text("Abstimmung: ja 9, nein 1, Enthaltung 2")
    assert store.layers.record("measures", MEASURE).status == "vom_beirat_empfohlen"
    [step] = [s for s in store.decision_path.steps(MEASURE) if s.body == "stadtteilbeirat"]
    assert (step.date, step.status) == ("2025-03-13", "vom_beirat_empfohlen")
    assert violations(page) == []

    click_through(page.get_by_role("link", name="Öffentliche Seite dieser Sitzung"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("13. März 2025")
    expect(page.locator(".agenda")).to_contain_text("Abstimmung: ja 9, nein 1, Enthaltung 2")
    assert violations(page) == []
    click_through(page.get_by_role("link", name=measure_title))
    expect(page.locator(".timeline")).to_contain_text("Stadtteilbeirat")
    footer = page.get_by_role("contentinfo")
    click_through(footer.get_by_role("link", name="Stadtteilbeirat"))
    expect(page.get_by_role("heading", name="Vergangene Sitzungen")).to_be_visible()
    assert violations(page) == []
