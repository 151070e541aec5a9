"""Every language of the interface in a real browser, on a phone (390 px): the start page
(the map), the idea flow (pin, form, the page after sending) and the private status page
say their language and direction, show no German interface text, mark the data's own
German texts ``lang="de"``, fit the screen, and axe finds nothing (``valid-lang`` is one
of its WCAG 2 AA rules). Arabic is written right to left: the page mirrors, the map does
not. One page per language, three page loads each."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import expect

from app.i18n import DEFAULT_LANGUAGE, LANGUAGES, RIGHT_TO_LEFT
from measures.domain.seed import read_seed
from tests.e2e.axe import violations
from tests.e2e.screens import PHONE

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
FREE_SPOT = (50.5655, 8.4740)
# Long enough not to be a word that every language shares ("QGIS", "E-Mail").
SENTENCE = 25


@pytest.fixture(scope="session")
def source_texts(tmp_path_factory) -> frozenset[str]:
    """The interface's German texts as the source holds them now, collected as
    ``make messages`` does: also those that no catalogue has yet."""
    pot = tmp_path_factory.mktemp("texts") / "messages.pot"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "pybabel"),
            "--quiet",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "--ignore-dirs=.venv .git tests node_modules",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with open(pot, "rb") as f:
        ids = set()
        for message in read_po(f):
            ids.update(message.id if isinstance(message.id, tuple) else (message.id,))
    return frozenset(ids)


def _german_interface_texts(source_texts: frozenset[str], language: str) -> set[str]:
    """German sentences of the interface that must not show in ``language``, but for
    those whose translation keeps them on purpose, e.g. "… (Kinder- und
    Familienzentrum)" for residents to find the place by its sign."""
    path = ROOT / f"app/translations/{language}/LC_MESSAGES/messages.po"
    with open(path, "rb") as f:
        kept = {m.id for m in read_po(f) if isinstance(m.id, str) and m.string and m.id in m.string}
    return {t for t in source_texts if len(t) >= SENTENCE and "%(" not in t} - kept


def _visible_text(page) -> str:
    """The page's visible text outside parts marked German (lang="de": Leichte Sprache,
    the data's own texts)."""
    return page.evaluate(
        """() => {
            const clone = document.body.cloneNode(true);
            clone.querySelectorAll('[lang="de"], script, style, noscript, [hidden]')
                 .forEach(node => node.remove());
            return clone.innerText;
        }"""
    )


def _data_texts_marked(page, data_texts: frozenset[str]) -> tuple[int, list[str]]:
    """How many of the data's texts the page shows, and those not inside lang="de" or
    not written left to right."""
    return page.evaluate(
        """texts => {
            const wanted = new Set(texts);
            const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
            let found = 0;
            const unmarked = [];
            while (walker.nextNode()) {
                const text = walker.currentNode.textContent.trim();
                if (!wanted.has(text)) continue;
                found += 1;
                const parent = walker.currentNode.parentElement;
                // German, and written left to right also in a right-to-left page.
                if (parent.closest('[lang]').lang !== 'de'
                    || getComputedStyle(parent).direction !== 'ltr') {
                    unmarked.push(text);
                }
            }
            return [found, unmarked];
        }""",
        sorted(data_texts),
    )


@pytest.fixture(scope="session")
def data_texts() -> frozenset[str]:
    seed = read_seed()
    return frozenset(
        [m.title for m in seed.measures]
        + [m.summary for m in seed.measures]
        + [loc.name for loc in seed.locations]
    )


def _check(page, language, german: set[str]):
    direction = "rtl" if language in RIGHT_TO_LEFT else "ltr"
    assert page.evaluate("document.documentElement.lang") == language
    assert page.evaluate("document.documentElement.dir") == direction
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scroll"
    text = _visible_text(page)
    assert sorted(t for t in german if t in text) == [], "German interface text shown"
    assert violations(page) == []


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_start_page_idea_flow_and_status_page_in_every_language(
    open_page, live_server, language, source_texts, data_texts
):
    german = (
        set() if language == DEFAULT_LANGUAGE else _german_interface_texts(source_texts, language)
    )
    page = open_page(PHONE, f"/sprache/{language}?weiter=/")
    expect(page.locator("#map-status")).not_to_be_empty()
    _check(page, language, german)
    found, unmarked = _data_texts_marked(page, data_texts)
    assert found > 0 and unmarked == [], "the measures' and places' texts say they are German"
    # The map itself is not mirrored: Leaflet lays it out left to right.
    assert page.locator(".leaflet-container").evaluate("n => getComputedStyle(n).direction") == (
        "ltr"
    )
    page.locator("[data-starts-idea]").click()
    lat, lon = FREE_SPOT
    page.evaluate(f"quartierskarteLayers.map.setView([{lat}, {lon}], 18, {{animate: false}})")
    box = page.locator(".folium-map").bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("#pin-lat")).not_to_have_value("")
    _check(page, language, german)  # the form, open beside the pin
    page.locator("#idea-title").fill("Bank")
    page.locator("#idea-description").fill("Eine Bank am Weg.")
    page.locator('input[name="consent"]').check()
    page.locator('#idea-form button[type="submit"]').click()
    page.wait_for_url(re.compile(r".*/ideen/status/.*"))
    _check(page, language, german)  # sent: thanks and the private link
    private_link = page.locator(".private-link a").get_attribute("href")
    page.goto(private_link)
    _check(page, language, german)  # the status page, as the link opens it later
