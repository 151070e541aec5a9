"""Comments in the browser, on desktop and phone: a resident comments, a planner frees it
and answers on the public page, the resident replies and reports, the planner frees the
reply and hides the reported comment in the queue; axe (WCAG 2.2 A/AA and best
practice) finds nothing on the pages with comments nor on the planners' queue."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import violations
from tests.e2e.navigation import click_through
from tests.e2e.tiles import serve_tiles
from tests.factories import PASSWORD, add_idea, create_planner

pytestmark = pytest.mark.browser


@pytest.fixture
def app(store, make_app):
    return make_app(RATELIMIT_COMMENTS="1000 per minute")


@pytest.fixture
def tiles(app, page):
    return serve_tiles(app, page)


def _planner_page(app, browser, live_server, viewport):
    context = browser.new_context(locale="de-DE", viewport=viewport)
    planner = context.new_page()
    serve_tiles(app, planner)
    planner.goto(live_server + "/planung/anmelden")
    planner.get_by_label("Name").fill("lea")
    planner.get_by_label("Passwort").fill(PASSWORD)
    click_through(planner.get_by_role("button", name="Anmelden"))
    return context, planner


def _submit(page, button: str) -> None:
    click_through(page.get_by_role("button", name=button))


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1280, "height": 800}, {"width": 390, "height": 844}],
    ids=["desktop", "phone"],
)
def test_comment_answer_reply_report_and_moderate_in_the_browser(
    page, browser, live_server, tiles, app, store, viewport
):
    page.set_viewport_size(viewport)
    add_idea(store, "c1", title="Bank am Spielplatz")
    create_planner(app.test_cli_runner())
    idea_url = live_server + "/ideen/c1"

    # A resident comments; it waits for the planners.
    page.goto(idea_url)
    expect(page.locator("body")).to_contain_text("Kommentare (0)")
    assert violations(page) == []
    form = page.locator("form.comment-form").last
    form.get_by_label("Ihr Kommentar").fill("Bitte mit <b>Schatten</b>!")
    form.get_by_label("Name, der öffentlich beim Kommentar steht (freiwillig)").fill("Mia")
    _submit(page, "Kommentar senden")
    expect(page.locator("body")).to_contain_text("Nach der Freigabe erscheint er hier")
    expect(page.locator(".comment")).to_have_count(0)
    assert violations(page) == []

    # The planner frees it in the queue, then answers on the public page.
    context, planner = _planner_page(app, browser, live_server, viewport)
    planner.goto(live_server + "/planung/kommentare")
    assert violations(planner) == []
    _submit(planner, "Freigeben")
    expect(planner.locator("body")).to_contain_text("Der Kommentar ist freigegeben")
    planner.goto(idea_url)
    thread = planner.locator(".comment-list > li").first
    thread.locator("summary").click()
    thread.get_by_label("Antwort des Quartiersmanagements").fill("Wir prüfen Schattenplätze.")
    click_through(thread.get_by_role("button", name="Antwort senden"))
    expect(planner.locator(".comment.official")).to_have_count(1)
    assert violations(planner) == []

    # The resident sees both, replies, and reports the first comment.
    page.goto(idea_url)
    assert page.locator(".comment-text").first.inner_text() == "Bitte mit <b>Schatten</b>!"
    official = page.locator(".comment.official")
    assert "Antwort des Quartiersmanagements" in official.inner_text()
    expect(page.locator("body")).to_contain_text("Kommentare (2)")
    assert violations(page) == []
    thread = page.locator(".comment-list > li").first
    thread.locator("summary").click()
    thread.get_by_label("Ihr Kommentar").fill("Und ein paar Bäume.")
    click_through(thread.get_by_role("button", name="Antwort senden"))
    expect(page.locator("body")).to_contain_text("Nach der Freigabe erscheint er hier")
    click_through(page.locator("#kommentare .report-form button").first)
    expect(page.locator("body")).to_contain_text("Danke für den Hinweis")
    assert violations(page) == []

    # In the queue: the waiting reply and the reported comment.
    planner.goto(live_server + "/planung/kommentare")
    waiting = planner.locator(".comment-queue > li")
    expect(waiting).to_have_count(2)
    assert violations(planner) == []
    reply = waiting.filter(has_text="Und ein paar Bäume.")
    click_through(reply.get_by_role("button", name="Freigeben"))
    reported = planner.locator(".comment-queue > li").filter(has_text="gemeldet")
    reported.get_by_label("Begründung (für das Protokoll)").fill("Probe")
    click_through(reported.get_by_role("button", name="Ablehnen"))
    expect(planner.locator("body")).to_contain_text("Kein Kommentar wartet auf Prüfung.")
    assert violations(planner) == []
    context.close()

    # The hidden comment is gone, and its thread with it (nor are its replies counted).
    page.goto(idea_url)
    assert "Schatten</b>" not in page.locator("#kommentare").inner_text()
    expect(page.locator("body")).to_contain_text("Kommentare (0)")
    assert violations(page) == []
