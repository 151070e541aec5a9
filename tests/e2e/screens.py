"""The two screens every map test runs on, and what "in view" means for a person."""

from __future__ import annotations

from playwright.sync_api import expect

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}
SCREENS = {"desktop": DESKTOP, "phone": PHONE}


def in_viewport(page, locator) -> bool:
    """True when the whole of ``locator`` is on screen, not scrolled away or cut off."""
    box = locator.bounding_box()
    size = page.viewport_size
    return (
        box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= size["width"] + 0.5
        and box["y"] + box["height"] <= size["height"] + 0.5
    )


def markers_at_rest(page) -> None:
    """Wait until the markers stand still. markercluster swaps clusters and markers in an
    animation after each zoom; a box measured or a click made during it hits a marker on
    its way (seen under load with two workers)."""
    expect(page.locator(".leaflet-cluster-anim")).to_have_count(0)
