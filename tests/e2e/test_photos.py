"""A resident adds a photo with its description on the private status page, on a phone and
on a desktop; a planner releases it from the queue; it shows on the idea's page. axe finds
no WCAG A/AA violations on these pages."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from measures.domain.ideas import hash_token
from tests import photo_images as images
from tests.e2e.navigation import click_through
from tests.e2e.tiles import serve_tiles
from tests.factories import PASSWORD, idea

pytestmark = pytest.mark.browser

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
TOKEN = "privater-link-fuer-die-fototests-0123456789"
ALT = "Kaputte Bank am Spielplatz"


@pytest.fixture
def app(store, make_app, tmp_path):
    return make_app(PHOTO_STORAGE="filesystem", PHOTO_FOLDER=str(tmp_path / "fotos"))


@pytest.fixture
def tiles(app, page):
    return serve_tiles(app, page)


def _violations(page) -> list[str]:
    return [v["id"] for v in Axe().run(page, options=WCAG).response["violations"]]


@pytest.mark.parametrize("viewport", [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_upload_on_the_status_page_and_release_by_a_planner(
    page, live_server, tiles, store, planner, tmp_path, viewport
):
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    store.ideas.add(idea("f1", title="Bank am Spielplatz"), None, hash_token(TOKEN))
    photo = tmp_path / "bank.jpg"
    photo.write_bytes(images.jpeg_with_gps())

    page.goto(f"{live_server}/ideen/status/{TOKEN}")
    assert _violations(page) == []
    # Without a description the browser does not send the form.
    page.get_by_label("Foto (JPEG, PNG, WebP oder HEIC").set_input_files(str(photo))
    page.get_by_role("button", name="Foto hochladen").click()
    assert store.photos.count() == 0
    page.get_by_label("Was ist auf dem Foto zu sehen?").fill(ALT)
    click_through(page.get_by_role("button", name="Foto hochladen"))
    expect(page.get_by_text("sobald das Quartiersmanagement es freigibt")).to_be_visible()
    expect(page.get_by_role("img", name=ALT)).to_be_visible()
    expect(page.locator(".gallery .meta")).to_have_text("wartet auf Freigabe")
    assert _violations(page) == []

    page.goto(f"{live_server}/ideen/f1")
    expect(page.get_by_role("img", name=ALT)).to_have_count(0)

    page.goto(f"{live_server}/planung/")
    page.get_by_label("Name").fill(planner)
    page.get_by_label("Passwort").fill(PASSWORD)
    click_through(page.get_by_role("button", name="Anmelden"))
    expect(page.get_by_role("heading", name="Fotos warten auf Freigabe (1)")).to_be_visible()
    expect(page.get_by_role("img", name=ALT)).to_be_visible()
    assert _violations(page) == []
    click_through(page.get_by_role("button", name="Foto freigeben"))
    expect(page.get_by_role("heading", name="Fotos warten auf Freigabe (0)")).to_be_visible()
    # Logged out before the idea's page is opened: going there at once cancels the logout.
    click_through(page.get_by_role("button", name="Abmelden"))

    page.goto(f"{live_server}/ideen/f1")
    picture = page.get_by_role("img", name=ALT)
    expect(picture).to_be_visible()
    # Decoded by the browser: the small variant, 400 px wide, upright. A picture is visible
    # (it has its box) before it has loaded, so its width is waited for.
    expect(page.locator(".gallery img")).to_have_js_property("naturalWidth", 400)
    assert _violations(page) == []
