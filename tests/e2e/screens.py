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


# True once the map pane has not moved since the last look (100 ms before) and no zoom or
# cluster animation runs. Leaflet moves the pane on every frame of a pan, so two equal looks
# mean the pan is over; a busy main thread delays the look itself, not only the pan. A pan
# that has begun (a popup's autoPan) but whose first frame has not come yet leaves the pane
# where it was: Leaflet's own flag for a running pan says so.
_MAP_STILL = """() => {
  const pane = document.querySelector(".leaflet-map-pane");
  const now = pane ? pane.style.transform : "";
  const still = window.__qkPaneSeen === now;
  window.__qkPaneSeen = now;
  const map = window.quartierskarteLayers && window.quartierskarteLayers.map;
  const panning = Boolean(map && map._panAnim && map._panAnim._inProgress);
  return still && !panning && !document.querySelector(".leaflet-zoom-anim, .leaflet-cluster-anim");
}"""


def markers_at_rest(page) -> None:
    """Wait until the map and its markers stand still. markercluster swaps clusters and
    markers in an animation after each zoom, and an opening popup pans the map to fit; a box
    measured or a click made during either hits a marker on its way (seen under load with
    two workers: the click on a place landed on the map and closed the popup instead)."""
    expect(page.locator(".leaflet-cluster-anim")).to_have_count(0)
    page.wait_for_function(_MAP_STILL, polling=100, timeout=10_000)
