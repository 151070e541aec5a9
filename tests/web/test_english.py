"""English everywhere (issue 15): the OGC API's pages, and the domain's messages about
coordinate reference systems, OGC parameters, GIS files and export filters.

A page follows the site's language (the cookie), the JSON answers ``Accept-Language``;
without either, everything stays German.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask_babel import force_locale

from app import ROOT
from app.i18n import translate
from measures.domain.crs import upload_crs_problem
from measures.domain.errors import UserError
from measures.gis.files import ImportLimits, read_upload, upload_kind
from tests.web.test_ogc import BROWSER_ACCEPT, HTML_PAGES

OGC_TEMPLATES = ROOT / "templates" / "ogc"

# Words of the OGC pages' German texts: none may be left in an English page.
GERMAN_WORDS = (
    "Sammlung",
    "Objekt",
    "Eigenschaft",
    "Dokument",
    "Karte",
    "Kennung",
    "Ausdehnung",
    "Koordinaten",
    "Seite",
    "Länge",
    "Breite",
    "Beschreibung",
    "Adresse",
    "Zweck",
    "Fehler",
    "Werte",
    "Maßnahmen",
    "Ideen",
    "Orte",
    "letzte Änderung",
    "Angaben",
    "verwenden",
    "Dienst",
    "offen",
)
GERMAN = re.compile(
    r"\b(" + "|".join(map(re.escape, GERMAN_WORDS)) + r")"
    r"|\b(und|oder|der|die|das|mit|als|für|bis|nein|ja)\b"
)
# The names of the features shown, the data's own German texts; the map's label and the
# page's title name them too.
DATA_TEXTS = ("Kinder- und Familienzentrum (KiFaZ)", "Fördergebiet Dalheim (Sozialer Zusammenhalt)")

# What an English page says at its top, by page.
ENGLISH_HEADINGS = {
    "/ogc": "Open geodata: OGC API – Features",
    "/ogc/conformance": "Conformance classes",
    "/ogc/api": "API description",
    "/ogc/collections": "Collections",
    "/ogc/collections/measures": "Measures",
    "/ogc/collections/measures/queryables": "Filterable properties: Measures",
    "/ogc/collections/measures/items": "Measures: features",
    "/ogc/collections/locations/items?kind=schule": "Places in the neighbourhood: features",
    "/ogc/collections/measures/items/kifaz": "Properties",
    "/ogc/collections/quartier/items/dalheim": "Properties",
}


# Texts of the English pages that a German page never shows.
ENGLISH_WORDS = (
    "This document",
    "Properties",
    "View features",
    "Filterable properties",
    "API description",
    "Conformance classes",
    "Map:",
    "Measures",
)


class _ReaderText(HTMLParser):
    """What a reader of the page's main part gets in the page's language: its text and
    its labels, without the data's own texts (marked ``lang="de"``), code, URLs and the
    map's data block."""

    SKIPPED = {"script", "code", "style"}
    VOID = {"br", "img", "input", "link", "meta", "hr", "wbr", "source", "col"}

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.in_main = False
        self.stack: list[bool] = []  # per open element: whether its text is skipped

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "main":
            self.in_main = True
        skipped = bool(self.stack and self.stack[-1]) or tag in self.SKIPPED
        skipped = skipped or attrs.get("lang") == "de"
        if self.in_main and not skipped:
            self.parts.extend(attrs[a] for a in ("aria-label", "title", "alt") if attrs.get(a))
        if tag not in self.VOID:
            self.stack.append(skipped)

    def handle_endtag(self, tag):
        if tag == "main":
            self.in_main = False
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if self.in_main and not (self.stack and self.stack[-1]):
            self.parts.append(data)

    @classmethod
    def of(cls, html: str) -> str:
        reader = cls()
        reader.feed(html)
        return " ".join(" ".join(reader.parts).split())


def _page(client, url: str) -> str:
    separator = "&" if "?" in url else "?"
    response = client.get(url + separator + "f=html")
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


@pytest.mark.parametrize("url", list(HTML_PAGES))
def test_ogc_pages_are_english_when_english_is_chosen(client, url):
    client.set_cookie("sprache", "en")
    html = _page(client, url)
    assert '<html lang="en" dir="ltr">' in html
    text = _ReaderText.of(html)
    title = unescape(re.search(r"<title>(.*?)</title>", html, flags=re.S).group(1))
    assert ENGLISH_HEADINGS[url] in text
    read = text + " " + title
    for data in DATA_TEXTS:
        read = read.replace(data, "")
    left = GERMAN.findall(read)
    assert not left, f"German in the English page {url}: {left}\n{text}"


@pytest.mark.parametrize("url", list(HTML_PAGES))
def test_ogc_pages_stay_german_without_a_choice(client, url):
    html = _page(client, url)
    assert '<html lang="de" dir="ltr">' in html
    assert HTML_PAGES[url] in " ".join(unescape(html).split())
    english = [w for w in ENGLISH_WORDS if w in html]
    assert english == []


def test_the_reader_text_sees_german_where_it_is_not_marked():
    # The check above must be able to fail: an unmarked German word is found, the data's
    # own German texts (lang="de") are not.
    html = '<main><h1>Sammlungen</h1><p lang="de">Die Daten</p><a aria-label="Karte">x</a></main>'
    text = _ReaderText.of(html)
    assert text == "Sammlungen Karte x"
    assert GERMAN.findall(text)


def _unmarked(template: Path) -> list[str]:
    """Letters in the template outside Jinja expressions, tags and comments: texts that
    would be shown as they are, in every language."""
    source = template.read_text(encoding="utf-8")
    source = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", " ", source, flags=re.S)
    text = re.sub(r"<[^>]*>", " ", source)
    # Names that are the same in every language.
    text = re.sub(r"OGC API – Features|OGC API|GET|ogrinfo OAPIF:", " ", text)
    return re.findall(r"[^\W\d_]+", text)


@pytest.mark.parametrize("template", sorted(OGC_TEMPLATES.glob("*.html")), ids=lambda p: p.name)
def test_every_text_of_the_ogc_templates_is_marked(template):
    assert _unmarked(template) == []
    # Labels for assistive technology, too: no attribute holds a text of its own.
    source = template.read_text(encoding="utf-8")
    literal = re.findall(r'(?:aria-label|title|alt)="([^"{]*[^\W\d_][^"{]*)"', source)
    assert literal == []


def test_the_template_check_finds_an_unmarked_text(tmp_path):
    template = tmp_path / "t.html"
    template.write_text('<h2>{{ _("Inhalt") }}</h2><p>Nächste Seite</p>{# Kommentar #}')
    assert _unmarked(template) == ["Nächste", "Seite"]


# -- the domain's messages, where the web answers them ------------------------------------


def test_an_export_in_a_crs_for_elsewhere_is_refused_in_english(client):
    url = "/export/measures.gpkg?crs=EPSG:32617"
    german = unescape(client.get(url).get_data(as_text=True))
    assert "gilt nicht für Dalheim" in german and "Üblich sind 25832" in german
    client.set_cookie("sprache", "en")
    response = client.get(url)
    assert response.status_code == 400
    english = unescape(response.get_data(as_text=True))
    assert "EPSG:32617 (WGS 84 / UTM zone 17N) does not apply to Dalheim (its area of use:" in (
        english
    )
    assert "Usual are 25832 (ETRS89 / UTM 32N)" in english
    assert "gilt nicht" not in english and "Gültigkeitsbereich" not in english


@pytest.mark.parametrize(
    ("query", "english"),
    [
        ("measures.xyz", "There is no format 'xyz'. Possible are: gpkg,"),
        ("measures.gpkg?crs=abc", "'crs' must be an EPSG code such as 25832"),
        ("measures.geojson?crs=25832", "GeoJSON is always in EPSG:4326 (longitude/latitude)."),
        ("measures.gpkg?from=2026-02-01&to=2026-01-01", "The period begins after its end"),
        ("measures.gpkg?from=gestern", "'from' must be a date like 2026-01-31"),
        ("measures.gpkg?from=1&from=2", "'from' may be given only once."),
        ("quartierskarte.gpkg?stauts=idee", "There is no filter 'stauts'. Possible are:"),
    ],
)
def test_export_option_errors_are_english(client, query, english):
    client.set_cookie("sprache", "en")
    response = client.get("/export/" + query)
    assert response.status_code == 400
    assert english in unescape(response.get_data(as_text=True))


@pytest.mark.parametrize(
    ("query", "english", "german"),
    [
        ("limit=abc", "'limit' must be a whole number from 1", "'limit' muss eine ganze Zahl"),
        ("offset=-1", "'offset' must be a whole number from 0 to", "'offset' muss eine ganze"),
        ("stauts=idee", "There is no parameter 'stauts' here.", "Den Parameter 'stauts'"),
        ("datetime=gestern", "'datetime' is not valid: 'gestern'.", "'datetime' ist ungültig"),
        (
            "datetime=2025-01-01T00:00:00Z/2024-01-01T00:00:00Z",
            "In 'datetime' the start lies after the end",
            "liegt der Anfang nach dem Ende",
        ),
        ("bbox-crs=EPSG:25832", "is not supported. Possible are:", "wird nicht unterstützt"),
        ("f=xml", "Unknown format 'xml'.", "Unbekanntes Format 'xml'"),
        ("limit=1&limit=2", "'limit' may be given only once.", "darf nur einmal"),
        ("bbox=1,2,3", "'bbox' needs four numbers", "'bbox' braucht vier Zahlen"),
    ],
)
def test_ogc_parameter_errors_follow_accept_language(client, query, english, german):
    url = "/ogc/collections/measures/items?" + query
    answer = client.get(url, headers={"Accept-Language": "en"})
    assert answer.status_code == 400
    assert answer.headers["Content-Language"] == "en"
    assert english in answer.get_json()["description"]
    plain = client.get(url)
    assert german in plain.get_json()["description"]


def test_ogc_not_found_is_english_as_json_and_as_page(client):
    answer = client.get("/ogc/collections/strassen", headers={"Accept-Language": "en"})
    assert answer.status_code == 404
    assert answer.get_json()["description"].startswith("There is no collection 'strassen'.")
    item = client.get("/ogc/collections/measures/items/nichts", headers={"Accept-Language": "en"})
    assert item.get_json()["description"] == (
        "The collection 'measures' has no feature with the id 'nichts'."
    )
    client.set_cookie("sprache", "en")
    page = client.get("/ogc/collections/strassen", headers={"Accept": BROWSER_ACCEPT})
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "There is no collection 'strassen'." in unescape(page.get_data(as_text=True))


def test_an_unknown_quartier_is_named_in_english_by_the_json_api_and_the_ogc_api(client):
    for url, key in (
        ("/api/layers/measures?quartier=nirgendwo", lambda d: d["error"]["message"]),
        ("/ogc/collections/measures/items?quartier=nirgendwo", lambda d: d["description"]),
    ):
        english = key(client.get(url, headers={"Accept-Language": "en"}).get_json())
        assert english == "Unknown value for 'quartier': nirgendwo. Allowed are: dalheim."
        german = key(client.get(url).get_json())
        assert german == "Unbekannter Wert für 'quartier': nirgendwo. Erlaubt sind: dalheim."


# -- GIS files: the messages a planner reads on the import page ------------------------------


def _english(app, error_or_text) -> str:
    text = error_or_text.message if isinstance(error_or_text, UserError) else error_or_text
    with app.test_request_context(), force_locale("en"):
        return translate(text)


def test_gis_file_messages_are_translated(app, tmp_path):
    with pytest.raises(UserError) as wrong_kind:
        upload_kind("daten.txt")
    assert _english(app, wrong_kind.value).startswith("Please upload a GeoPackage file (.gpkg)")

    archive = tmp_path / "upload.zip"
    archive.write_bytes(b"kein zip")
    limits = ImportLimits(features=10, vertices_per_feature=10, vertices=10, unpacked_bytes=10**6)
    with pytest.raises(UserError) as damaged:
        read_upload(archive, "shp", tmp_path / "work", limits)
    assert damaged.value.message == "Die ZIP-Datei ist beschädigt oder keine ZIP-Datei."
    assert _english(app, damaged.value) == "The ZIP file is damaged or not a ZIP file."

    # Numbers of things are grouped as the reader's language groups them.
    many = tmp_path / "viele.geojson"
    points = ",".join("[8.47,50.56]" for _ in range(1500))
    many.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
        '"geometry": {"type": "MultiPoint", "coordinates": [' + points + "]}}]}"
    )
    limits = ImportLimits(features=10, vertices_per_feature=1000, vertices=1000, unpacked_bytes=1)
    with pytest.raises(UserError) as too_many:
        read_upload(many, "geojson", tmp_path / "work", limits)
    assert "enthält 1.500 Stützpunkte; höchstens 1.000" in too_many.value.message
    assert _english(app, too_many.value).startswith(
        "The file holds 1,500 vertices; at most 1,000 can be read at once."
    )

    from pyproj import CRS

    problem = upload_crs_problem(CRS.from_epsg(32617))
    assert "gilt nicht für Dalheim" in problem
    english = _english(app, problem)
    assert english.startswith(
        "The file's coordinate reference system, EPSG:32617 (WGS 84 / UTM zone 17N), "
        "does not apply to Dalheim (its area of use: "
    )
    assert "Länge" not in english


@pytest.mark.parametrize(
    ("request_args", "english"),
    [
        (("get", "/api/measures/nirgendwo"), "There is no measure 'nirgendwo'."),
        (("get", "/api/ideas/nearby?lon=x&lat=1"), "'lon', 'lat' and 'radius' must be numbers."),
        (("get", "/api/search?q="), "'q' must be 1 to "),
        (("post", "/api/ideas"), "Please send GeoJSON with Content-Type application/geo+json"),
    ],
)
def test_json_api_messages_follow_accept_language(client, request_args, english):
    method, url = request_args
    answer = getattr(client, method)(url, headers={"Accept-Language": "en"}, data="x")
    assert answer.get_json()["error"]["message"].startswith(english)
    assert answer.headers["Content-Language"] == "en"
    german = getattr(client, method)(url, data="x").get_json()["error"]["message"]
    assert german != answer.get_json()["error"]["message"]
