"""The residents' pages, rendered on the server: content, filters, languages, escaping."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from shapely.geometry import Point

from app.i18n import LANGUAGES
from tests.factories import add_idea, seed_with

PAGES = [
    "/",
    "/massnahmen",
    "/massnahmen/kifaz",
    "/orte",
    "/orte/kifaz",
    "/ideen",
    "/ueber",
    "/datenschutz",
    "/impressum",
    "/barrierefreiheit",
    "/leichte-sprache",
]
ROOT = Path(__file__).resolve().parents[2]


def _ids(html: str) -> list[str]:
    return re.findall(r'<li class="card" data-id="([^"]+)"', html)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_in_german_with_landmarks(client, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="de" dir="ltr">' in html
    for landmark in ("<header", "<main", "<footer", "<nav"):
        assert landmark in html
    assert html.count("<h1") == 1


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_in_english_after_switching(client, path):
    switch = client.get(f"/sprache/en?weiter={path}")
    assert switch.status_code == 302 and switch.headers["Location"] == path
    assert "sprache=en" in switch.headers["Set-Cookie"]
    html = client.get(path).get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in html
    assert "Skip to content" in html and "Zum Inhalt springen" not in html
    assert "Measures" in html and "Privacy" in html


def test_language_switch_only_redirects_within_the_site(client):
    for target in ("https://example.org/", "//example.org/x", "javascript:alert(1)", "/\\x.org"):
        response = client.get("/sprache/en", query_string={"weiter": target})
        assert response.status_code == 400 and "Location" not in response.headers
        assert "Set-Cookie" not in response.headers
        assert "nicht zu dieser Website" in response.get_data(as_text=True)
    # The map of the Quartier, at its own address.
    assert client.get("/sprache/en").headers["Location"] == "/q/dalheim/"
    assert "Set-Cookie" not in client.get("/sprache/xx?weiter=/").headers


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "de"])
def test_every_catalogue_translates_every_text(language):
    with open(ROOT / f"app/translations/{language}/LC_MESSAGES/messages.po", "rb") as f:
        catalog = read_po(f)
    untranslated = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []
    with open(ROOT / "app/translations/messages.pot", "rb") as f:
        template = read_po(f)
    assert {m.id for m in template if m.id} <= {m.id for m in catalog if m.id}
    # Each translation keeps the placeholders of its German text (%(count)s, %(date)s);
    # a plural's forms keep them together (one form may write its number as a word, as
    # Arabic does for "two days").
    wrong = [m.id for m in catalog if m.id and _placeholders(m.id) != _placeholders(m.string)]
    assert wrong == []


def _placeholders(text: str | tuple[str, ...]) -> set[str]:
    """The named text placeholders of a message, or of all forms of a plural."""
    forms = (text,) if isinstance(text, str) else text
    return {name for form in forms for name in re.findall(r"%\(\w+\)s", form)}


@pytest.mark.parametrize(
    "query",
    [
        "",
        "status=abgeschlossen",
        "category=spiel_freizeit",
        "status=idee&category=spiel_freizeit",
        "status=in_umsetzung",
    ],
)
def test_map_page_list_page_and_api_show_the_same_measures(client, query):
    api = {f["id"] for f in client.get(f"/api/layers/measures?{query}").get_json()["features"]}
    listed = set(_ids(client.get(f"/massnahmen?{query}").get_data(as_text=True)))
    below_map = set(_ids(client.get(f"/?{query}").get_data(as_text=True)))
    assert listed == api == below_map


def test_filters_are_kept_in_the_links_between_map_and_list(client):
    html = client.get("/?status=abgeschlossen&category=spiel_freizeit").get_data(as_text=True)
    assert 'href="/q/dalheim/massnahmen?status=abgeschlossen&amp;category=spiel_freizeit"' in html
    assert re.search(r'value="abgeschlossen" checked', html)
    listed = client.get("/massnahmen?status=abgeschlossen").get_data(as_text=True)
    assert 'href="/q/dalheim/?status=abgeschlossen"' in listed


def test_bad_filter_values_get_a_german_error_page(client):
    response = client.get("/massnahmen?status=fertig")
    assert response.status_code == 400
    assert "Unbekannter Wert" in response.get_data(as_text=True)
    assert client.get("/ideen?sort=zufall").status_code == 400
    # Parameters that are not filters of the page (tracking tags) are ignored.
    assert client.get("/massnahmen?utm_source=flyer").status_code == 200


def test_unknown_items_get_a_friendly_404(client):
    for path in ("/massnahmen/gibt-es-nicht", "/orte/gibt-es-nicht", "/ideen/gibt-es-nicht"):
        response = client.get(path)
        assert response.status_code == 404
        assert "Diese Seite gibt es nicht." in response.get_data(as_text=True)


def test_measure_detail_shows_decision_path_costs_and_sources(client):
    html = client.get("/massnahmen/kifaz").get_data(as_text=True)
    assert "Entscheidungsweg" in html
    assert "vom Stadtparlament beschlossen" in html and "2023-05-12" in html
    assert "8.370.000\xa0€" in html
    assert "67\xa0% gefördert" in html
    assert "ol.wittich.de" in html
    english = client.get("/sprache/en?weiter=/massnahmen/kifaz", follow_redirects=True)
    assert "€8,370,000" in english.get_data(as_text=True)


def test_the_map_page_loads_only_our_own_assets(client, app):
    html = client.get("/").get_data(as_text=True)
    hosts = set(re.findall(r'(?:src|href)="(?:https?:)?//([^/"]+)', html))
    # Source links of the data may point elsewhere; scripts and styles may not.
    assert not re.search(r'<(?:script|link)[^>]+(?:src|href)="(?:https?:)?//', html)
    assert hosts == set()
    assert "cdn.jsdelivr" not in html and "code.jquery" not in html and "bootstrap" not in html
    assert "user-scalable=no" not in html
    scripts = "".join(re.findall(r"<script[^>]*>(.*?)</script>", html, re.S))
    assert "quartierskarteLayers" in scripts
    assert app.config["TILE_URL"].replace("/", "\\/") in html or app.config["TILE_URL"] in html


def test_folium_draws_the_static_layers_and_the_ideas_come_from_the_api(app, client):
    _add_idea(app, "gross", "Eine Idee, die nicht in die Seite gehört", "Text")
    html = client.get("/").get_data(as_text=True)
    scripts = "".join(re.findall(r"<script[^>]*>(.*?)</script>", html, re.S))
    # The measures and places, few and changed by planners, are drawn by folium on the
    # server (this inverts the earlier rule "no layer data in the page", see the brief of
    # the map page); the ideas, which grow with the residents, are fetched by the browser.
    assert "Kinder- und Familienzentrum (KiFaZ) \\u2013 abgeschlossen" in scripts
    assert "Spielplatz Schwalbengraben" in scripts
    assert "nicht in die Seite" not in html


def _add_idea(app, idea_id, title, description, supports=0, created=1, state="approved"):
    add_idea(
        app.extensions["quartierskarte.store"],
        idea_id,
        state=state,
        title=title,
        description=description,
        created_at=datetime(2026, 11, created, tzinfo=UTC),
        supports=supports,
        name="Privater Name",
        email="privat@example.org",
    )


def test_user_text_is_escaped_everywhere_and_contacts_stay_private(app, client):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    _add_idea(app, "boese", payload, payload)
    for path in ("/", "/ideen", "/ideen/boese"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "privat@example.org" not in html
    detail = client.get("/ideen/boese").get_data(as_text=True)
    assert "&lt;script&gt;alert" in detail
    # The name the author chose to show appears on the idea's own page only.
    assert "Privater Name" in detail
    assert "Privater Name" not in client.get("/ideen").get_data(as_text=True)


@pytest.mark.both_databases
def test_ideas_list_sorts_newest_or_most_supported(app, client):
    _add_idea(app, "alt-beliebt", "Alte Idee", "Text", supports=9, created=1)
    _add_idea(app, "neu-wenig", "Neue Idee", "Text", supports=1, created=20)
    assert _ids(client.get("/ideen").get_data(as_text=True)) == ["neu-wenig", "alt-beliebt"]
    assert _ids(client.get("/ideen?sort=supported").get_data(as_text=True)) == [
        "alt-beliebt",
        "neu-wenig",
    ]


def test_imprint_and_privacy_texts_come_from_configuration(app, client):
    app.config["IMPRINT_TEXT"] = "Stadt Wetzlar\n\nErnst-Leitz-Straße 30 <b>"
    html = client.get("/impressum").get_data(as_text=True)
    assert "<p>Stadt Wetzlar</p>" in html
    assert "<p>Ernst-Leitz-Straße 30 &lt;b&gt;</p>" in html


@pytest.mark.both_databases
def test_map_page_counts_the_approved_ideas_of_the_filter(app, client):
    _add_idea(app, "eins", "Eine Idee", "Text")
    _add_idea(app, "zwei", "Noch eine", "Text")
    _add_idea(app, "wartet", "Wartet", "Text", created=3, state="pending")
    assert "Ideen in dieser Auswahl (2)" in client.get("/").get_data(as_text=True)
    other = client.get("/?category=spiel_freizeit").get_data(as_text=True)
    assert "Ideen in dieser Auswahl (0)" in other


def _map_script(html: str) -> str:
    """folium's script: the inline script that makes the Leaflet map."""
    scripts = re.findall(r"<script nonce=[^>]*>(.*?)</script>", html, re.S)
    return next(script for script in scripts if "L.map(" in script)


def _map_config(html: str) -> dict:
    return json.loads(re.search(r'id="map-config">(.*?)</script>', html, re.S).group(1))


@pytest.mark.parametrize(
    ("query", "shown"),
    [("", 7), ("status=abgeschlossen", 4), ("status=abgeschlossen&category=spiel_freizeit", 3)],
)
def test_folium_puts_only_the_measures_of_the_filters_on_the_map(client, query, shown):
    script = _map_script(client.get(f"/?{query}").get_data(as_text=True))
    layer = re.search(r"measures: (feature_group_\w+),", script).group(1)
    groups = re.search(r"measureGroups: \{(.*?)\}", script, re.S).group(1)
    # Every measure is drawn, so that the filters can show it again without a new page;
    # only those of the filters are added to the measures' layer.
    assert len(re.findall(r'"[^"]+": feature_group_\w+', groups)) == 7
    assert script.count(f".addTo({layer});") == shown


def test_markers_and_popups_are_rendered_by_the_same_partials_as_the_lists(client):
    script = _map_script(client.get("/").get_data(as_text=True))
    # The status symbol of the legend and the cards, in the marker and the popup.
    assert 'width=\\"28\\" height=\\"28\\" focusable=\\"false\\" aria-hidden=\\"true\\"' in script
    assert "abgeschlossen (seit 2023-05-12)" in script
    assert '\\u003ca class=\\"popup-more\\" href=\\"/q/dalheim/massnahmen/kifaz\\"\\u003e' in script
    assert '\\u003ca class=\\"popup-more\\" href=\\"/q/dalheim/orte/kifaz\\"\\u003e' in script
    assert '"dashArray": "8 5"' in script  # the Quartier's outline, as in the legend


def test_the_pin_area_is_the_quartier_grown_by_the_servers_tolerance(app, client):
    from shapely.geometry import shape

    from measures.domain.geo import UTM32N, WGS84, is_inside, to_crs

    config = _map_config(client.get("/").get_data(as_text=True))
    area = shape(config["pin_area"])
    quartier = app.extensions["quartierskarte.store"].layers.quartier().geometry
    tolerance = app.config["QUARTIER_TOLERANCE_M"]
    quartier_m = to_crs(quartier, UTM32N)
    inward = quartier_m.buffer(tolerance - 1).exterior
    outward = quartier_m.buffer(tolerance + 2).exterior
    # Points 1 m within and 2 m beyond the tolerance, every 50 m along the boundary.
    for step in range(0, int(quartier_m.exterior.length), 50):
        on_edge = quartier_m.exterior.interpolate(step)
        for ring, expected in ((inward, True), (outward, False)):
            near = ring.interpolate(ring.project(on_edge))
            point = to_crs(near, WGS84, source=UTM32N)
            assert area.contains(point) is expected
            assert is_inside(quartier, point, tolerance) is expected


def test_the_streets_to_choose_come_from_the_geodata_file(app, client):
    from measures.domain.geo import is_inside

    streets = json.loads((ROOT / "geodata/dalheim/streets.geojson").read_text(encoding="utf-8"))
    quartier = app.extensions["quartierskarte.store"].layers.quartier().geometry
    index = client.get("/").get_data(as_text=True)
    form = client.get("/ideen/neu").get_data(as_text=True)
    assert len(streets["features"]) == 5
    for feature in streets["features"]:
        name = feature["properties"]["name"]
        lon, lat = feature["geometry"]["coordinates"]
        assert feature["properties"]["accuracy"] == "approximate"
        assert feature["properties"]["sources"]
        assert is_inside(quartier, Point(lon, lat), app.config["QUARTIER_TOLERANCE_M"])
        assert f'data-lon="{lon}" data-lat="{lat}">{name}</option>' in index
        assert f'<option value="strasse:{name}">{name}</option>' in form
    assert "streets.geojson" in (ROOT / "geodata/README.md").read_text(encoding="utf-8")


TEMPLATE_CODE = "{{ 7*7 }} {% raw %} {#"


def test_text_in_folium_scripts_never_runs_as_template_code(app, client, planner):
    from tests.web.test_planning import _login

    # branca compiles folium's rendered script as a Jinja template once more: a title
    # that reads like template code must arrive in the browser as it was written.
    _add_idea(app, "vorlage", TEMPLATE_CODE, "Text")
    _add_idea(app, "wartet", TEMPLATE_CODE, "Text", state="pending")
    detail = client.get("/ideen/vorlage")
    assert detail.status_code == 200
    _login(client, planner)
    queue = client.get("/planung/")
    assert queue.status_code == 200
    for html in (detail.get_data(as_text=True), queue.get_data(as_text=True)):
        script = _map_script(html)
        titles = re.findall(r'"title": ("[^"]*")', script)
        assert [json.loads(t) for t in titles] == [TEMPLATE_CODE]


def test_the_kept_overview_map_follows_every_change_filter_and_language(app, client, seed):
    store = app.extensions["quartierskarte.store"]
    first = _map_script(client.get("/").get_data(as_text=True))
    # Unchanged data: the same drawing (folium's element ids are random per drawing).
    assert _map_script(client.get("/").get_data(as_text=True)) == first
    filtered = _map_script(client.get("/?status=abgeschlossen").get_data(as_text=True))
    assert filtered != first
    client.get("/sprache/en")
    english = _map_script(client.get("/").get_data(as_text=True))
    assert english != first and "Measures" in english
    client.get("/sprache/de")
    kifaz = next(m for m in seed.measures if m.id == "kifaz")
    store.layers.load_seed(seed_with(seed, replace(kifaz, title="Neuer Titel des KiFaZ")))
    changed = _map_script(client.get("/").get_data(as_text=True))
    assert "Neuer Titel des KiFaZ" in changed and "Neuer Titel des KiFaZ" not in first


def test_the_browsers_language_is_suggested_until_one_is_chosen(client):
    english_browser = {"Accept-Language": "en-GB,en;q=0.9,de;q=0.5"}
    first = client.get("/massnahmen", headers=english_browser)
    html = first.get_data(as_text=True)
    assert '<html lang="de" dir="ltr">' in html, "German until someone chooses"
    assert '<aside class="language-suggestion" lang="en"' in html
    assert "This website is also available in English." in html
    assert 'href="/sprache/en?weiter=/massnahmen"' in html
    assert "Accept-Language" in first.headers["Vary"]
    # A German browser, and anyone who has chosen, sees no offer.
    german = client.get("/massnahmen", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.8"})
    assert "language-suggestion" not in german.get_data(as_text=True)
    client.get("/sprache/de?weiter=/")
    chosen = client.get("/massnahmen", headers=english_browser).get_data(as_text=True)
    assert "language-suggestion" not in chosen and '<html lang="de" dir="ltr">' in chosen
    # Unknown languages and nonsense headers change nothing.
    client.delete_cookie("sprache")
    for header in ("xx-YY", "*;q=abc", ";;;", "de;q=2, en;q=-1"):
        page = client.get("/massnahmen", headers={"Accept-Language": header})
        assert page.status_code == 200


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "de"])
@pytest.mark.parametrize("path", ["/", "/massnahmen/kifaz", "/ideen/neu", "/barrierefreiheit"])
def test_every_language_sets_lang_and_dir_and_translates_the_page(client, language, path):
    with open(ROOT / f"app/translations/{language}/LC_MESSAGES/messages.po", "rb") as f:
        skip_link = read_po(f).get("Zum Inhalt springen").string
    client.get(f"/sprache/{language}?weiter=/")
    html = client.get(path).get_data(as_text=True)
    direction = "rtl" if language == "ar" else "ltr"
    assert f'<html lang="{language}" dir="{direction}">' in html
    assert skip_link in html and "Zum Inhalt springen" not in html
    # Leichte Sprache is German whatever the page's language.
    assert '<a href="/leichte-sprache" lang="de"' in html


def test_the_datas_own_german_texts_are_marked_german_in_other_languages(client):
    german = client.get("/massnahmen/kifaz").get_data(as_text=True)
    assert ' lang="de"' not in german.split("<main", 1)[1].split('href="/leichte-sprache"')[0]
    client.get("/sprache/tr?weiter=/")
    page = client.get("/massnahmen/kifaz").get_data(as_text=True)
    assert re.search(r'<h1 lang="de">[^<]*Kinder- und Familienzentrum', page)
    assert '<p class="lead" lang="de">' in page
    cards = client.get("/massnahmen").get_data(as_text=True)
    assert '<h3 lang="de"><a href="/q/dalheim/massnahmen/kifaz">' in cards


def test_the_map_page_names_every_module_the_map_imports_for_preloading(client):
    # Without it the browser learns of each import level only after the one before has
    # arrived, and the ideas are asked for after the last.
    folder = ROOT / "app/static/js/residents-map"
    imported = {"main.js"}
    for script in folder.glob("*.js"):
        imported |= set(re.findall(r'from "\./([\w-]+\.js)"', script.read_text(encoding="utf-8")))
    html = client.get("/").get_data(as_text=True)
    preloaded = set(
        re.findall(r'<link rel="modulepreload" href="/static/js/residents-map/([\w-]+\.js)"', html)
    )
    assert len(imported) > 10
    assert imported <= preloaded
