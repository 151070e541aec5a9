"""The small maps of the OGC API's HTML pages in a real browser."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.tiles import TILE_HOST, serve_tiles

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/ogc/collections/locations/items?f=html", "locations"),
        ("/ogc/collections/measures/items/kifaz?f=html", 1),
        ("/ogc/collections/measures?f=html", 1),
    ],
)
def test_ogc_pages_draw_their_features_and_load_nothing_foreign(
    app, page, live_server, seed, path, expected
):
    tiles = serve_tiles(app, page)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_server + path)
    page.wait_for_selector(".leaflet-container")
    shapes = page.locator(".leaflet-overlay-pane path.leaflet-interactive")
    # Drawn once the page's script has fetched them: counted as they come, not at once.
    expect(shapes).to_have_count(len(seed.locations) if expected == "locations" else expected)
    assert page.locator(".ogc-map").evaluate("e => e.getBoundingClientRect().height") > 100
    assert tiles, "the base map was requested from the tile server"
    own = urlsplit(live_server).netloc
    assert {urlsplit(u).netloc for u in page.requested_urls} <= {own, TILE_HOST}
    assert errors == []
