"""A planner enters the Stadtteilbeirat's step on a measure's decision path — date,
reference and the minutes as PDF — and residents see it on the measure's page and
download the PDF. axe finds no violations on these pages, errors shown included."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from measures.domain.ideas import hash_token
from tests.e2e.axe import violations
from tests.e2e.navigation import click_through
from tests.e2e.tiles import serve_tiles
from tests.factories import PASSWORD, idea
from tests.web.test_decision_path import pdf_bytes

pytestmark = pytest.mark.browser

MEASURE = "spielhaus-erweiterung"


@pytest.fixture
def app(store, make_app, tmp_path):
    return make_app(PHOTO_STORAGE="filesystem", PHOTO_FOLDER=str(tmp_path / "fotos"))


def test_a_planner_adds_the_beirat_step_and_residents_download_its_pdf(
    page, live_server, app, store, planner, tmp_path
):
    serve_tiles(app, page)
    minutes = tmp_path / "Protokoll Beirat 2025-03.pdf"
    minutes.write_bytes(pdf_bytes("Protokoll"))
    not_a_pdf = tmp_path / "notiz.pdf"
    not_a_pdf.write_text("Das ist kein PDF.")

    page.goto(f"{live_server}/planung/")
    page.get_by_label("Name").fill(planner)
    page.get_by_label("Passwort").fill(PASSWORD)
    # Logged in before the next address is opened: going there at once would cancel the
    # login's request.
    click_through(page.get_by_role("button", name="Anmelden"))
    page.goto(f"{live_server}/massnahmen/{MEASURE}")
    click_through(page.get_by_role("link", name="Entscheidungsweg bearbeiten"))
    expect(page.get_by_role("heading", name="Schritte (0)")).to_be_visible()
    assert violations(page) == []

    # A wrong date and a file that is no PDF: both said, in German, nothing stored.
    page.get_by_label("Datum").fill("13.03.2025")
    page.get_by_label("Gremium").select_option(label="Stadtteilbeirat")
    page.get_by_label("Ergebnis").select_option(label="im Stadtteilbeirat vorgestellt")
    page.get_by_label("PDF-Datei anhängen").set_input_files(str(not_a_pdf))
    click_through(page.get_by_role("button", name="Schritt speichern"))
    expect(page.get_by_role("alert")).to_contain_text("Bitte ein Datum wie 2025-03-14 angeben")
    expect(page.get_by_role("alert")).to_contain_text("Nur PDF-Dateien")
    assert store.decision_path.steps(MEASURE) == []
    assert violations(page) == []

    page.get_by_label("Datum").fill("2025-03-13")
    page.get_by_label("Aktenzeichen").fill("Vorlage 2025/0042")
    page.get_by_label("Notiz").fill("Im Beirat vorgestellt und beraten.")
    page.get_by_label("PDF-Datei anhängen").set_input_files(str(minutes))
    click_through(page.get_by_role("button", name="Schritt speichern"))
    expect(page.get_by_role("heading", name="Schritte (1)")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("Vorlage 2025/0042")
    assert store.layers.record("measures", MEASURE).status == "im_beirat_vorgestellt"
    assert violations(page) == []
    click_through(page.get_by_role("link", name="Schritt ändern"))
    expect(page.get_by_role("heading", name="Schritt ändern")).to_be_visible()
    assert violations(page) == []
    # Logged out before the residents' page is opened (else that cancels the logout).
    click_through(page.get_by_role("button", name="Abmelden"))

    page.goto(f"{live_server}/massnahmen/{MEASURE}")
    path = page.locator(".timeline")
    expect(path).to_contain_text("2025-03-13")
    expect(path).to_contain_text("Stadtteilbeirat")
    expect(path).to_contain_text("Vorlage 2025/0042")
    expect(page.locator(".status-badge").first).to_contain_text("im Stadtteilbeirat vorgestellt")
    assert violations(page) == []
    with page.expect_download() as caught:
        page.get_by_role("link", name="Protokoll-Beirat-2025-03.pdf").click()
    download = caught.value
    assert download.suggested_filename == "Protokoll-Beirat-2025-03.pdf"
    assert Path(download.path()).read_bytes() == pdf_bytes("Protokoll")
    href = page.get_by_role("link", name="Protokoll-Beirat-2025-03.pdf").get_attribute("href")
    response = page.request.get(live_server + href)
    assert response.headers["content-type"] == "application/pdf"


def test_a_planner_notes_the_measure_that_took_an_idea_up(page, live_server, app, store, planner):
    serve_tiles(app, page)
    token = "privater-link-fuer-den-entscheidungsweg-0123456789"
    store.ideas.add(idea("bank", title="Bänke am Spielhaus"), None, hash_token(token))

    page.goto(f"{live_server}/planung/")
    page.get_by_label("Name").fill(planner)
    page.get_by_label("Passwort").fill(PASSWORD)
    click_through(page.get_by_role("button", name="Anmelden"))
    page.goto(f"{live_server}/planung/ideen/bank")
    page.get_by_label("Aufgegriffen in Maßnahme").select_option(label="Erweiterung des Spielhauses")
    click_through(page.get_by_role("button", name="Verknüpfung speichern"))
    expect(page.get_by_text("als aufgegriffen in der Maßnahme verknüpft")).to_be_visible()
    assert violations(page) == []
    click_through(page.get_by_role("button", name="Abmelden"))

    for path in ("/ideen/bank", f"/ideen/status/{token}", f"/massnahmen/{MEASURE}"):
        page.goto(live_server + path)
        assert violations(page) == [], path
    page.goto(f"{live_server}/ideen/bank")
    click_through(page.get_by_role("link", name="Erweiterung des Spielhauses"))
    expect(page.get_by_role("heading", name="Aufgegriffene Ideen")).to_be_visible()
    expect(page.get_by_role("link", name="Bänke am Spielhaus")).to_be_visible()
