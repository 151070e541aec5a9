"""The pages work under the strict Content-Security-Policy, with no violation reported."""

from __future__ import annotations

import pytest

from tests.e2e.tiles import serve_tiles

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("path", "ready"),
    [
        ("/", ".qk-measure"),
        ("/massnahmen/kifaz", ".qk-measure"),
        ("/ogc/collections/measures/items?f=html", ".leaflet-container"),
        ("/ideen/neu", "form.idea-form"),
    ],
)
def test_no_csp_violation_and_the_page_still_works(page, live_server, app, path, ready):
    serve_tiles(app, page)
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    page.on("pageerror", lambda error: messages.append(str(error)))
    response = page.goto(live_server + path)
    policy = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    page.locator(ready).first.wait_for()
    page.wait_for_load_state("networkidle")
    assert [m for m in messages if "Content Security Policy" in m] == []
    assert [m for m in messages if "Error" in m] == []
