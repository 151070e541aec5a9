"""An idea sent with an empty required field: our own message answers, in the page's
language, not the browser's "Please fill out this field" bubble; it is in view (on a
phone in the sheet under the map) and has the focus. The map's form says it before
sending, the form without the map (/ideen/neu) after the server's answer."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import violations
from tests.e2e.screens import DESKTOP, PHONE, in_viewport

pytestmark = pytest.mark.browser

FREE_SPOT = (50.5655, 8.4740)
# The server's words for each empty field (measures/domain/ideas.py), in each language.
MESSAGES = {
    "de": {
        "heading": "Bitte korrigieren Sie:",
        "title": "Bitte geben Sie einen Titel an.",
        "description": "Bitte beschreiben Sie Ihre Idee.",
        "consent": "Bitte stimmen Sie der Datenschutzerklärung zu.",
        "location": "Bitte setzen Sie einen Punkt auf der Karte (Länge und Breite fehlen).",
    },
    "en": {
        "heading": "Please correct:",
        "title": "Please give a title.",
        "description": "Please describe your idea.",
        "consent": "Please agree to the privacy statement.",
        "location": "Please set a point on the map (longitude and latitude are missing).",
    },
}


def _open_map(open_page, screen, language):
    page = open_page(screen, f"/sprache/{language}?weiter=/")
    expect(page.locator("#map-status")).not_to_be_empty()
    page.locator("[data-starts-idea]").click()
    expect(page.locator("#idea-form")).to_be_visible()
    return page


def _place_pin(page):
    lat, lon = FREE_SPOT
    page.evaluate(f"quartierskarteLayers.map.setView([{lat}, {lon}], 18, {{animate: false}})")
    page.locator("#pin-center").click()
    expect(page.locator("#pin-lat")).not_to_have_value("")


def _send(page):
    page.locator('#idea-form button[type="submit"]').click()


@pytest.mark.parametrize(
    ("screen", "language"),
    [(PHONE, "de"), (PHONE, "en"), (DESKTOP, "de")],
    ids=["phone-de", "phone-en", "desktop-de"],
)
def test_the_map_form_names_each_empty_field_in_view_and_takes_the_focus(
    open_page, store, screen, language
):
    words = MESSAGES[language]
    page = _open_map(open_page, screen, language)
    # The browser lets the page speak: no bubble of its own holds the form back.
    assert page.locator("#idea-form").evaluate("form => form.noValidate") is True
    _place_pin(page)
    _send(page)
    summary = page.locator("#idea-errors")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text(words["heading"])
    expect(summary.get_by_role("link")).to_have_text(
        [words["title"], words["description"], words["consent"]]
    )
    assert in_viewport(page, summary)
    # On a phone the map stays above the form: both in view.
    assert page.locator(".folium-map").bounding_box()["y"] < summary.bounding_box()["y"]
    title = page.locator("#idea-title")
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#title-error")).to_have_text(words["title"])
    assert violations(page) == []
    # A line of the summary leads to its field.
    summary.get_by_role("link", name=words["description"]).click()
    expect(page.locator("#idea-description")).to_be_focused()
    assert store.ideas.find(("pending",)) == []

    title.fill("Bank")
    page.locator("#idea-description").fill("Eine Bank am Weg.")
    _send(page)
    expect(summary.get_by_role("link")).to_have_text([words["consent"]])
    expect(title).not_to_have_attribute("aria-invalid", "true")
    page.locator("#idea-consent").check()
    _send(page)
    page.wait_for_url("**/ideen/status/**")
    assert [idea.title for idea in store.ideas.find(("pending",))] == ["Bank"]


@pytest.mark.parametrize("language", ["de", "en"])
def test_without_a_pin_the_summary_and_the_note_over_the_map_say_so(open_page, language):
    words = MESSAGES[language]
    page = _open_map(open_page, PHONE, language)
    page.locator("#idea-title").fill("Bank")
    page.locator("#idea-description").fill("Eine Bank am Weg.")
    page.locator("#idea-consent").check()
    _send(page)
    summary = page.locator("#idea-errors")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text([words["location"]])
    assert in_viewport(page, summary)
    assert in_viewport(page, page.locator("#pin-status"))
    summary.get_by_role("link").click()
    expect(page.locator("#pin-center")).to_be_focused()


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_form_without_the_map_answers_with_its_summary_focused_in_view(open_page, language):
    words = MESSAGES[language]
    page = open_page(PHONE, f"/sprache/{language}?weiter=/ideen/neu")
    page.locator('form.idea-form button[type="submit"]').click()
    summary = page.locator("#fehler")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(
        [words["title"], words["description"], words["consent"], words["location"]]
    )
    assert in_viewport(page, summary)
    summary.get_by_role("link", name=words["consent"]).click()
    expect(page.locator("#idea-consent")).to_be_focused()
