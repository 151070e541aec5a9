"""The accessibility statement and the page in Leichte Sprache: linked from every page,
the operator's parts from the settings, the sign-language video where there is one."""

from __future__ import annotations

import re

import pytest

from app import create_app
from app.accessibility import check_settings
from tests.web.test_pages import PAGES


@pytest.mark.parametrize("path", ["/", "/massnahmen", "/datenschutz", "/ideen/neu"])
def test_every_page_links_the_statement_and_leichte_sprache(client, path):
    html = client.get(path).get_data(as_text=True)
    assert 'href="/barrierefreiheit"' in html
    # The link's text is German in every language, so it says lang="de".
    assert re.search(r'<a href="/leichte-sprache" lang="de"[^>]*>Leichte Sprache</a>', html)


def test_the_statement_has_the_parts_of_the_eu_model(client):
    html = client.get("/barrierefreiheit").get_data(as_text=True)
    for heading in (
        "Wie barrierefrei ist diese Website?",
        "Was noch nicht barrierefrei ist",
        "Wie diese Erklärung entstanden ist",
        "Barriere melden",
        "Schlichtung und Durchsetzung",
    ):
        assert f">{heading}</h2>" in html
    assert "mit den Anforderungen der HVBIT teilweise vereinbar" in html
    assert "Selbstbewertung vom 5. Dezember 2026" in html
    assert "Regierungspräsidium Gießen" in html
    assert 'href="https://lbit.hessen.de/' in html
    assert "kein Video in Deutscher Gebärdensprache" in html


def test_the_statement_takes_the_operators_settings(app, client):
    app.config.update(
        ACCESSIBILITY_CONFORMANCE="vollständig",
        ACCESSIBILITY_ASSESSED_ON="2027-03-01",
        ENFORCEMENT_ADDRESS="Landgraf-Philipp-Platz 1–7, 35390 Gießen",
        ACCESSIBILITY_CONTACT="Stadt Wetzlar, <Amt> für Stadtentwicklung",
    )
    html = client.get("/barrierefreiheit").get_data(as_text=True)
    assert "HVBIT vollständig vereinbar" in html and "1. März 2027" in html
    assert "Landgraf-Philipp-Platz 1–7, 35390 Gießen" in html
    assert "Stadt Wetzlar, &lt;Amt&gt; für Stadtentwicklung" in html


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("ACCESSIBILITY_CONFORMANCE", "fast", "ist keiner der Werte vollständig, teilweise"),
        ("ACCESSIBILITY_ASSESSED_ON", "gestern", "ist kein Datum der Form"),
    ],
)
def test_a_wrong_setting_stops_the_start_with_a_german_message(app, setting, value, message):
    with pytest.raises(ValueError, match=message):
        check_settings({**app.config, setting: value})
    with pytest.raises(ValueError, match=message):
        create_app({**app.config, setting: value})


def test_leichte_sprache_without_a_video_says_whom_to_ask(client):
    html = client.get("/leichte-sprache").get_data(as_text=True)
    assert '<div lang="de" class="easy-language">' in html
    assert "Ein Video in Deutscher Gebärden-Sprache gibt es noch nicht." in html
    assert "Berliner Ring 39" in html
    assert "<video" not in html
    # Every part the issue names: map, lists, adding an idea, the status link, the statement.
    for part in (
        "So benutzen Sie die Karte",
        "So benutzen Sie die Listen",
        "So schreiben Sie eine Idee",
        "Der Status-Link",
        "Barriere-Freiheit",
    ):
        assert f">{part}</h2>" in html


def test_leichte_sprache_shows_the_video_with_symbol_size_and_length(app, client):
    app.config.update(
        DGS_VIDEO_URL="/static/video/dgs.mp4", DGS_VIDEO_SIZE="12 MB", DGS_VIDEO_DURATION="3:40"
    )
    html = client.get("/leichte-sprache").get_data(as_text=True)
    assert '<video controls preload="none" src="/static/video/dgs.mp4">' in html
    assert 'class="dgs-symbol"' in html
    assert "Länge: 3:40, Größe: 12 MB" in html
    assert "gibt es noch nicht" not in html
    statement = client.get("/barrierefreiheit").get_data(as_text=True)
    assert "kein Video in Deutscher Gebärdensprache" not in statement


def test_in_english_leichte_sprache_stays_german_and_says_so(client):
    client.get("/sprache/en?weiter=/")
    html = client.get("/leichte-sprache").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in html
    assert "Easy German" in html
    assert '<div lang="de" class="easy-language">' in html


def test_the_pages_are_in_the_list_every_page_test_walks():
    assert {"/barrierefreiheit", "/leichte-sprache"} <= set(PAGES)
