"""Tables fit a phone's screen: nothing runs off its side (390 px, touch)."""

from __future__ import annotations

import pytest

from tests.e2e.screens import PHONE

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    "path",
    [
        "/datenschutz",
        "/export",
        "/ogc/collections/measures/items?f=html",
        "/ogc/collections/measures/items/kifaz?f=html",
        "/ogc/collections/measures/queryables?f=html",
        "/ogc/api?f=html",
    ],
)
def test_tables_fit_the_phone(open_page, path):
    page = open_page(PHONE, path=path)
    assert page.locator("table").count() >= 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{path} is {width} px wide"
    for box in page.locator("table").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().right)"
    ):
        assert box <= 390
