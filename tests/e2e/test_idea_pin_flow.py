"""A resident places the pin of a new idea in every way the map offers, on a desktop and
on a phone, and sends it; at each step the pin and what the map says about the spot are
on screen. Then the private link, and withdrawing only after a confirmation."""

from __future__ import annotations

import math
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.screens import DESKTOP, SCREENS, in_viewport, markers_at_rest
from tests.factories import add_idea

pytestmark = pytest.mark.browser

# A free spot inside the Quartier, away from the markers.
FREE_SPOT = (50.5655, 8.4740)
OUTSIDE = (50.5650, 8.4560)


@pytest.fixture(params=sorted(SCREENS))
def screen(request):
    return SCREENS[request.param]


def _start(page):
    page.get_by_role("button", name="Idee hier eintragen").click()
    status = page.locator("#pin-status")
    expect(status).to_contain_text("Tippen oder klicken Sie auf die Karte")
    assert in_viewport(page, status)


def _go_to(page, spot, zoom=18):
    lat, lon = spot
    page.evaluate(f"quartierskarteLayers.map.setView([{lat}, {lon}], {zoom}, {{animate: false}})")


def _tap_map_centre(page):
    box = page.locator(".folium-map").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    if page.viewport_size["width"] < 500:
        page.touchscreen.tap(x, y)
    else:
        page.mouse.click(x, y)


def _pin_and_status_in_view(page, text):
    status = page.locator("#pin-status")
    expect(status).to_contain_text(text)
    # "Mein Standort" zooms to the spot in an animation: the pin is measured where it stays.
    markers_at_rest(page)
    assert in_viewport(page, status)
    assert in_viewport(page, page.locator(".qk-pin"))


def _fill_and_send(page, title):
    page.get_by_label("Titel").fill(title)
    page.get_by_label("Beschreibung").fill("Schattige Bank für Eltern am Spielplatz.")
    page.get_by_label("Ich habe die").check()
    page.get_by_role("button", name="Idee absenden").click()
    page.wait_for_url("**/ideen/status/**")


def test_tap_the_map_send_and_keep_the_private_link(open_page, screen, store):
    page = open_page(screen)
    _start(page)
    _go_to(page, FREE_SPOT)
    _tap_map_centre(page)
    _pin_and_status_in_view(page, "Ort gewählt")
    lat = float(page.locator("#pin-lat").input_value())
    assert lat == pytest.approx(FREE_SPOT[0], abs=0.0002)
    _fill_and_send(page, "Bank an der Hecke")
    expect(page.get_by_role("heading", name="Danke! Ihre Idee ist angekommen.")).to_be_visible()
    link = page.locator(".private-link a")
    expect(link).to_be_visible()
    expect(page.get_by_role("link", name="Link per E-Mail an mich senden")).to_have_attribute(
        "href", re.compile(r"^mailto:\?subject=.*&body=http")
    )
    expect(page.get_by_role("button", name="Link kopieren")).to_be_visible()
    assert [i.title for i in store.ideas.find(("pending",))] == ["Bank an der Hecke"]


def test_drag_the_pin_to_another_spot(open_page, screen):
    page = open_page(screen)
    _start(page)
    _go_to(page, FREE_SPOT)
    page.get_by_role("button", name="Punkt in die Kartenmitte setzen").click()
    _pin_and_status_in_view(page, "Ort gewählt")
    before = float(page.locator("#pin-lon").input_value())
    box = page.locator(".qk-pin").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 30, y, steps=5)
    page.mouse.move(x + 60, y, steps=5)
    page.mouse.up()
    expect(page.locator("#pin-lon")).not_to_have_value(f"{before:.6f}")
    assert float(page.locator("#pin-lon").input_value()) > before
    _pin_and_status_in_view(page, "Ort gewählt")


def test_a_chosen_place_puts_the_pin_beside_its_markers_not_under_them(open_page, screen):
    page = open_page(screen)
    _start(page)
    page.get_by_label("Oder einen Ort oder eine Straße wählen").select_option(value="ort:kifaz")
    _pin_and_status_in_view(page, "Ort gewählt")
    markers_at_rest(page)
    pin = page.locator(".qk-pin").bounding_box()
    for marker in (
        page.locator(".qk-place[title^='Kinder- und Familienzentrum']"),
        page.locator(".qk-measure[title^='Kinder- und Familienzentrum']"),
    ):
        other = marker.bounding_box()
        apart = (
            pin["x"] + pin["width"] <= other["x"]
            or other["x"] + other["width"] <= pin["x"]
            or pin["y"] + pin["height"] <= other["y"]
            or other["y"] + other["height"] <= pin["y"]
        )
        assert apart, (pin, other)
    # The pin itself can still be taken hold of: it is the element at its own centre.
    centre = (pin["x"] + pin["width"] / 2, pin["y"] + pin["height"] / 2)
    assert page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('.qk-pin') !== null", centre
    )


def _centre_on(page, locator):
    """Pan the map so that the middle of a marker, as drawn, is the map's centre."""
    markers_at_rest(page)
    mark, frame = locator.bounding_box(), page.locator(".folium-map").bounding_box()
    x = mark["x"] + mark["width"] / 2 - frame["x"]
    y = mark["y"] + mark["height"] / 2 - frame["y"]
    page.evaluate(
        """([x, y]) => { const map = quartierskarteLayers.map;
            map.panTo(map.containerPointToLatLng([x, y]), {animate: false}); }""",
        [x, y],
    )


def _element_at_centre_of(page, box, selector):
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    return page.evaluate(
        "([x, y, s]) => document.elementFromPoint(x, y).closest(s) !== null", [*centre, selector]
    )


# The markers the map's centre may fall on: a measure, a place (its mark stands off its
# point) and an approved idea.
CENTRED_MARKERS = {
    "measure": ".qk-measure[title^='Kinder- und Familienzentrum']",
    "place": ".qk-place[title^='Kinder- und Familienzentrum']",
    "idea": ".qk-idea",
}


@pytest.mark.parametrize("kind", sorted(CENTRED_MARKERS))
def test_the_centre_button_puts_the_pin_beside_a_marker_in_the_centre_not_on_it(
    open_page, screen, store, kind
):
    add_idea(store, "mitte1", state="approved", title="Bank", lat=FREE_SPOT[0], lon=FREE_SPOT[1])
    page = open_page(screen)
    _start(page)
    marker = page.locator(CENTRED_MARKERS[kind])
    spot = (
        FREE_SPOT
        if kind == "idea"
        else page.evaluate(
            "(() => { const p = quartierskarteLayers.features['measures:kifaz'].getLatLng();"
            " return [p.lat, p.lng]; })()"
        )
    )
    _go_to(page, spot)
    _centre_on(page, marker)
    page.get_by_role("button", name="Punkt in die Kartenmitte setzen").click()
    # The marker's name without its status or kind: "Kinder- und Familienzentrum …".
    name = marker.get_attribute("title").split(" – ")[0]
    _pin_and_status_in_view(page, f"Ort gewählt: neben „{name}“.")
    markers_at_rest(page)
    pin, mark = page.locator(".qk-pin").bounding_box(), marker.bounding_box()
    apart = math.dist(
        (pin["x"] + pin["width"] / 2, pin["y"] + pin["height"] / 2),
        (mark["x"] + mark["width"] / 2, mark["y"] + mark["height"] / 2),
    )
    assert apart >= max(mark["width"], mark["height"]), (pin, mark)
    # Both can still be taken hold of: each is the element at its own centre.
    assert _element_at_centre_of(page, pin, ".qk-pin")
    assert _element_at_centre_of(page, mark, CENTRED_MARKERS[kind])
    # The form's coordinates are the pin's, inside the Quartier.
    assert float(page.locator("#pin-lat").input_value()) == pytest.approx(spot[0], abs=0.0005)


def test_my_location_places_the_pin_where_i_stand(open_page, screen):
    lat, lon = FREE_SPOT
    page = open_page(
        screen, geolocation={"latitude": lat, "longitude": lon}, permissions=["geolocation"]
    )
    _start(page)
    page.get_by_role("button", name="Mein Standort").click()
    _pin_and_status_in_view(page, "Ort gewählt")
    assert float(page.locator("#pin-lon").input_value()) == pytest.approx(lon, abs=1e-5)


def test_a_spot_outside_is_refused_in_view(open_page, screen, store):
    page = open_page(screen)
    _start(page)
    _go_to(page, OUTSIDE)
    _tap_map_centre(page)
    _pin_and_status_in_view(page, "außerhalb des Quartiers")
    page.get_by_label("Titel").fill("Außerhalb")
    page.get_by_label("Beschreibung").fill("Text")
    page.get_by_label("Ich habe die").check()
    page.get_by_role("button", name="Idee absenden").click()
    _pin_and_status_in_view(page, "außerhalb des Quartiers")
    assert store.ideas.find(("pending",)) == []


def test_sending_without_a_pin_says_so_in_view(open_page, screen):
    page = open_page(screen)
    _start(page)
    page.get_by_label("Titel").fill("Ohne Ort")
    page.get_by_label("Beschreibung").fill("Text")
    page.get_by_label("Ich habe die").check()
    page.get_by_role("button", name="Idee absenden").click()
    status = page.locator("#pin-status")
    expect(status).to_contain_text("Bitte wählen Sie zuerst den Ort auf der Karte.")
    assert in_viewport(page, status)


def test_keyboard_only_centre_arrows_send_and_withdraw_after_confirming(open_page, store):
    page = open_page(DESKTOP)
    page.get_by_role("button", name="Idee hier eintragen").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#idea-hint")).to_be_focused()
    _go_to(page, FREE_SPOT)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Punkt in die Kartenmitte setzen")).to_be_focused()
    page.keyboard.press("Enter")
    pin = page.locator(".qk-pin")
    expect(pin).to_be_focused()
    before = float(page.locator("#pin-lon").input_value())
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert float(page.locator("#pin-lon").input_value()) == pytest.approx(before + 0.00024)
    _pin_and_status_in_view(page, "Ort gewählt")
    page.get_by_label("Titel").focus()
    page.keyboard.type("Bank mit Tastatur")
    page.keyboard.press("Tab")
    page.keyboard.type("Eingetragen ohne Maus.")
    page.get_by_label("Ich habe die").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Idee absenden").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/ideen/status/**")

    delete = page.get_by_role("button", name="Idee und meine Angaben löschen")
    delete.focus()
    page.keyboard.press("Enter")
    # The browser holds the form back until the box is ticked; nothing is deleted.
    assert "/ideen/status/" in page.url
    assert len(store.ideas.find(("pending",))) == 1
    page.get_by_label("Ja, ich möchte meine Idee endgültig löschen.").focus()
    page.keyboard.press("Space")
    delete.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Ihre Idee ist gelöscht.")).to_be_visible()
    assert store.ideas.find(("pending",)) == []


def _tab_to(page, locator, most):
    """Press Tab until ``locator`` has the focus; fails after ``most`` presses."""
    for count in range(1, most + 1):
        page.keyboard.press("Tab")
        if locator.evaluate("node => node === document.activeElement"):
            return count
    raise AssertionError(f"not reached with {most} Tabs: {locator}")


@pytest.mark.parametrize("name", sorted(SCREENS))
def test_tab_and_keys_alone_from_the_page_top_to_a_sent_idea(open_page, store, name):
    """No click, no focus set by the test: what a keyboard user presses, counted."""
    page = open_page(SCREENS[name])
    # The issue counted 38 Tabs to the idea button; the skip link, header and search come first.
    assert _tab_to(page, page.get_by_role("button", name="Idee hier eintragen"), 20) <= 20
    page.keyboard.press("Enter")
    expect(page.locator("#idea-hint")).to_be_focused()
    _tab_to(page, page.get_by_role("button", name="Punkt in die Kartenmitte setzen"), 1)
    page.keyboard.press("Enter")
    pin = page.locator(".qk-pin")
    expect(pin).to_be_focused()
    before = float(page.locator("#pin-lon").input_value())
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert float(page.locator("#pin-lon").input_value()) == pytest.approx(before - 0.00016)
    _pin_and_status_in_view(page, "Ort gewählt")
    # From the pin, Tab goes on with the form, not through the map's controls.
    _tab_to(page, page.get_by_label("Oder einen Ort oder eine Straße wählen"), 1)
    page.keyboard.press("Shift+Tab")
    expect(pin).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_role("button", name="Punkt in die Kartenmitte setzen")).to_be_focused()
    _tab_to(page, page.get_by_label("Titel"), 8)
    page.keyboard.type("Bank ohne Maus")
    _tab_to(page, page.get_by_label("Beschreibung"), 1)
    page.keyboard.type("Nur mit der Tastatur eingetragen.")
    assert in_viewport(page, pin)
    _tab_to(page, page.get_by_label("Ich habe die"), 8)
    page.keyboard.press("Space")
    _tab_to(page, page.get_by_role("button", name="Idee absenden"), 3)
    page.keyboard.press("Enter")
    page.wait_for_url("**/ideen/status/**")
    assert [idea.title for idea in store.ideas.find(("pending",))] == ["Bank ohne Maus"]
