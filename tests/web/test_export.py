"""Exports for GIS: every format read back with pyogrio, CRS, filters, privacy, the CLI."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import tempfile
import xml.dom.minidom
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from pyproj import Transformer

from measures.domain.model import Source
from measures.gis import attributes, formats, shapefile_names, spreadsheet, writers
from tests.factories import add_idea, measure, seed_with
from tests.web.test_planning import _csrf, _login

AUTHOR, EMAIL = "Jürgen Privat", "juergen.privat@example.org"
FORMULAS = ('=HYPERLINK("http://böse.example")', "+49 6441 1234", "@SUMME(A1)", "-1+2")
LAYER_COUNTS = {"quartier": 1, "measures": 7, "locations": 11, "ideas": 5}


def _store(app):
    return app.extensions["quartierskarte.store"]


def _add_idea(
    store, idea_id: str, title: str, created_at=datetime(2026, 6, 1, 12, 0, tzinfo=UTC), **fields
) -> None:
    add_idea(
        store,
        idea_id,
        title=title,
        description='Schöne Grüße aus der Straße <b>&</b> "Zitat"',
        category="spiel_freizeit",
        created_at=created_at,
        **fields,
    )


@pytest.fixture
def ideas(store):
    """Five approved ideas (one titled like each formula, one with umlauts), one pending."""
    titles = ["Sitzbänke für Ältere", *FORMULAS]
    for n, title in enumerate(titles):
        _add_idea(store, f"idee{n}", title, lon=8.4740 + n * 0.0003, name=AUTHOR, email=EMAIL)
    _add_idea(store, "wartet", "Noch nicht geprüft", state="pending", name=AUTHOR, email=EMAIL)
    return titles


def _download(client, url: str, tmp_path: Path, name: str | None = None) -> Path:
    response = client.get(url)
    assert response.status_code == 200, (url, response.get_data(as_text=True)[:500])
    match = re.search(r"filename=([^;]+)", response.headers["Content-Disposition"])
    path = tmp_path / (name or match.group(1))
    path.write_bytes(response.data)
    response.close()
    return path


def _read(path: Path, fmt: str, layer: str | None = None) -> pd.DataFrame:
    """Read any export back with pyogrio (GDAL); Shapefile names come back long."""
    if fmt == "shp":
        folder = path.parent / (path.name + ".d")
        with zipfile.ZipFile(path) as archive:
            archive.extractall(folder)
        frames = [pyogrio.read_dataframe(p) for p in sorted(folder.glob("*.shp"))]
        data = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        return data.rename(columns=shapefile_names.long_name)
    if fmt in ("csv", "csv-excel"):
        return pyogrio.read_dataframe(
            path, GEOM_POSSIBLE_NAMES="wkt", KEEP_GEOM_COLUMNS="NO", SEPARATOR="AUTO"
        )
    return pyogrio.read_dataframe(path, layer=layer)


@pytest.mark.parametrize("fmt", list(formats.FORMATS))
def test_every_layer_reads_back_in_every_format(app, client, ideas, tmp_path, fmt):
    store = _store(app)
    crs = "" if formats.FORMATS[fmt].wgs84_only else "?crs=25832"
    for layer, count in LAYER_COUNTS.items():
        path = _download(client, f"/export/{layer}.{fmt}{crs}", tmp_path)
        assert f"-{layer}-" in path.name and ("epsg4326" if not crs else "epsg25832") in path.name
        if fmt == "gpkg":
            assert [str(name) for name, _ in pyogrio.list_layers(path)] == [layer]
        data = _read(path, fmt, layer)
        assert len(data) == count, (fmt, layer)
        stored = {r.id: r for r in store.layers.records(layer)}
        assert set(data["id"]) == set(stored)
        names = {"measures": "title", "ideas": "title"}.get(layer, "name")
        for row in data.itertuples():
            expected = getattr(stored[row.id], names)
            # KML has the title as the placemark's name (which GDAL reads as "Name").
            got = row.Name if fmt == "kml" else getattr(row, names)
            if fmt in ("csv", "csv-excel") and expected.startswith(spreadsheet.FORMULA_STARTS):
                expected = "'" + expected
            assert got == expected, (fmt, layer, row.id)
    assert any("ä" in t or "ü" in t for t in ideas)


@pytest.mark.parametrize("fmt", ["gpkg", "shp", "fgb", "csv", "csv-excel"])
def test_coordinates_in_epsg_25832_equal_what_pyproj_computes(app, client, tmp_path, fmt):
    store = _store(app)
    to_utm = Transformer.from_crs(4326, 25832, always_xy=True)
    path = _download(client, f"/export/locations.{fmt}?crs=25832", tmp_path)
    data = _read(path, fmt, "locations")
    if fmt in ("gpkg", "shp", "fgb"):
        assert data.crs.to_epsg() == 25832
    for location in store.layers.records("locations"):
        x, y = to_utm.transform(location.geometry.x, location.geometry.y)
        point = data.loc[data["id"] == location.id].geometry.iloc[0]
        # CSV keeps millimetres; the binary formats keep every digit.
        tolerance = 0.0006 if fmt.startswith("csv") else 1e-6
        assert point.x == pytest.approx(x, abs=tolerance) and point.y == pytest.approx(
            y, abs=tolerance
        )


def test_geojson_is_rfc_7946(client, ideas, tmp_path):
    geojson = _download(client, "/export/measures.geojson", tmp_path).read_text(encoding="utf-8")
    assert '"crs"' not in geojson and "Mühlstück" in geojson
    path = tmp_path / next(p.name for p in tmp_path.glob("*.geojson"))
    data = pyogrio.read_dataframe(path)
    assert data.crs.to_epsg() == 4326 and -180 <= data.total_bounds[0] <= 180
    # The nested properties are JSON arrays, which GDAL reads as its JSON subtype.
    info = pyogrio.read_info(path)
    subtypes = dict(zip(info["fields"], info["ogr_subtypes"], strict=True))
    assert subtypes["sources"] == subtypes["timeline"] == "OFSTJSON"


TRICKY = "Grüße <b>&</b> \"Zitat\" ]]> & 'Äpfel' &amp; <![CDATA[x]]>"


def test_kml_gives_gis_the_exact_texts_and_google_earth_escaped_html(app, client, ideas, tmp_path):
    store = _store(app)
    _add_idea(store, "knifflig", TRICKY, lon=8.4760)
    path = _download(client, "/export/ideas.kml", tmp_path)
    kml = path.read_text(encoding="utf-8")
    document = xml.dom.minidom.parseString(kml)
    assert '<Placemark id="idee0">' in kml
    read = pyogrio.read_dataframe(path).set_index("id")
    assert read.loc["knifflig", "Name"] == TRICKY
    assert set(read["description"]) == {'Schöne Grüße aus der Straße <b>&</b> "Zitat"'}
    # Google Earth shows the balloon as HTML: the resident's <b> is text there.
    balloons = [t.firstChild.data for t in document.getElementsByTagName("text")]
    assert balloons and all("<b>" not in b for b in balloons)
    assert any("&lt;b&gt;&amp;&lt;/b&gt;" in b for b in balloons)


def test_kml_stays_readable_with_a_text_stored_before_noncharacters_were_refused(
    app, client, tmp_path
):
    # Written straight into the store, as an older release let it in.
    _add_idea(_store(app), "alt", "Bank\uffff am Ring\x0b", lon=8.4760)
    path = _download(client, "/export/ideas.kml", tmp_path)
    xml.dom.minidom.parse(str(path))
    read = pyogrio.read_dataframe(path).set_index("id")
    assert read.loc["alt", "Name"] == "Bank am Ring"


# GDAL's own GeoPackage validator, from Debian's python3-gdal (.ci/run installs it).
GPKG_VALIDATOR = Path("/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py")


@pytest.mark.parametrize("name", ["measures.gpkg", "quartierskarte.gpkg"])
def test_geopackages_pass_gdals_validator(client, tmp_path, name):
    path = _download(client, f"/export/{name}", tmp_path, name)
    result = subprocess.run(
        ["/usr/bin/python3", str(GPKG_VALIDATOR), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    # ... and the JSON columns are still JSON to GDAL 3.6.
    assert "sources: String(JSON)" in _ogrinfo(path).stdout


def _ogrinfo(path: Path) -> subprocess.CompletedProcess:
    """Debian's GDAL 3.6 (gdal-bin), the older client, on a file: summary of every layer."""
    return subprocess.run(
        ["ogrinfo", "-ro", "-so", "-al", str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )


def _ogrinfo_types(listing: str) -> dict[str, str]:
    """Field name → type as ogrinfo prints it (``sources: String(JSON) (0.0)``)."""
    return dict(re.findall(r"^(\w+): (\w+(?:\(\w+\))?) \(", listing, flags=re.M))


def test_kml_json_columns_and_numbers_read_back_typed(app, client, seed, tmp_path):
    store = _store(app)
    source = Source(title=TRICKY, url="https://x.example/?a=1&b=2")
    tricky = measure(seed, "knifflig", sources=(source,))
    store.layers.load_seed(seed_with(seed, tricky))
    path = _download(client, "/export/measures.kml", tmp_path)
    read = pyogrio.read_dataframe(path).set_index("id")
    assert json.loads(read.loc["knifflig", "sources"]) == [
        {"title": TRICKY, "url": "https://x.example/?a=1&b=2"}
    ]
    for measure_id, row in read.iterrows():
        assert isinstance(json.loads(row["timeline"]), list)
        cost = store.layers.record("measures", measure_id).cost_eur
        assert pd.isna(row["cost_eur"]) if cost is None else row["cost_eur"] == cost
    info = pyogrio.read_info(path)
    types = dict(zip(info["fields"], info["ogr_types"], strict=True))
    assert types["cost_eur"] == types["start_year"] == "OFTInteger"
    assert types["funding_share"] == "OFTReal"
    old = _ogrinfo(path)
    assert "Warning" not in old.stderr and "ERROR" not in old.stderr, old.stderr
    assert _ogrinfo_types(old.stdout)["cost_eur"] == "Integer"
    assert _ogrinfo_types(old.stdout)["funding_share"] == "Real"
    # GDAL 3.6 reads the exact texts too.
    listing = subprocess.run(
        ["ogrinfo", "-ro", "-al", "-q", str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    sources = re.findall(r"^  sources \(String\) = (.*)$", listing, flags=re.M)
    assert len(sources) == len(read)
    assert [{"title": TRICKY, "url": source.url}] in [json.loads(s) for s in sources]


@pytest.mark.parametrize("fmt", ["gpkg", "fgb"])
def test_times_are_date_time_fields_and_json_is_json_in_geopackage(client, ideas, tmp_path, fmt):
    for layer in ("measures", "ideas"):
        path = _download(client, f"/export/{layer}.{fmt}", tmp_path)
        info = pyogrio.read_info(path)
        types = dict(zip(info["fields"], info["ogr_types"], strict=True))
        subtypes = dict(zip(info["fields"], info["ogr_subtypes"], strict=True))
        assert types["updated_at"] == "OFTDateTime"
        old = _ogrinfo(path)
        # GDAL 3.6 opens our GeoPackage (version 1.2) without a warning.
        assert old.stderr == "", old.stderr
        old_types = _ogrinfo_types(old.stdout)
        assert old_types["updated_at"] == "DateTime"
        if layer == "ideas":
            assert types["created_at"] == "OFTDateTime" and old_types["created_at"] == "DateTime"
            data = pyogrio.read_dataframe(path)
            assert data["created_at"].dt.tz is not None
            assert set(data["created_at"]) == {pd.Timestamp("2026-06-01T12:00:00Z")}
        if layer == "measures" and fmt == "gpkg":
            assert subtypes["sources"] == subtypes["timeline"] == "OFSTJSON"
            assert old_types["sources"] == old_types["timeline"] == "String(JSON)"
            data = pyogrio.read_dataframe(path)
            assert all(isinstance(v, list) for v in data["sources"])
        path.unlink()


@pytest.mark.parametrize("fmt", ["geojson", "kml"])
def test_geojson_and_kml_refuse_other_crs(client, fmt):
    response = client.get(f"/export/measures.{fmt}?crs=25832")
    assert response.status_code == 400
    assert "immer in EPSG:4326" in response.get_data(as_text=True)


def test_all_layers_in_one_geopackage(client, ideas, tmp_path):
    path = _download(client, "/export/quartierskarte.gpkg?crs=25832", tmp_path)
    assert re.fullmatch(r"dalheim-quartierskarte-\d{4}-\d\d-\d\d-epsg25832\.gpkg", path.name)
    assert [str(n) for n, _ in pyogrio.list_layers(path)] == list(LAYER_COUNTS)
    for layer, count in LAYER_COUNTS.items():
        info = pyogrio.read_info(path, layer=layer)
        assert info["features"] == count and info["crs"] == "EPSG:25832"
    # A filter applies to the layers that know it.
    filtered = _download(client, "/export/quartierskarte.gpkg?kind=schule", tmp_path, "f.gpkg")
    assert pyogrio.read_info(filtered, layer="locations")["features"] == 2
    assert pyogrio.read_info(filtered, layer="measures")["features"] == 7


def test_shapefile_zip_has_prj_cpg_and_the_field_name_mapping(client, tmp_path):
    path = _download(client, "/export/measures.shp?crs=25832", tmp_path)
    assert path.name.endswith("-epsg25832.shp.zip")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        assert {"measures_punkte.shp", "measures_flaechen.shp"} <= set(names)
        for shape in [n for n in names if n.endswith(".shp")]:
            stem = shape[:-4]
            assert {f"{stem}.prj", f"{stem}.cpg", f"{stem}.dbf", f"{stem}.shx"} <= set(names)
            assert archive.read(f"{stem}.cpg").decode().strip() == "UTF-8"
            assert (
                "25832" in archive.read(f"{stem}.prj").decode()
                or "UTM" in archive.read(f"{stem}.prj").decode()
            )
        mapping = archive.read("feldnamen.txt").decode("utf-8")
    assert "descr\tdescription" in mapping and "cost_estim\tcost_is_estimate" in mapping
    raw = pyogrio.read_dataframe(f"/vsizip/{path}/measures_punkte.shp")
    assert all(len(c) <= 10 for c in raw.columns)
    assert "Mühlstück" in " ".join(raw["title"])


def test_shapefile_names_are_short_unique_and_cover_every_column():
    every = [
        attributes.columns_of("quartier"),
        attributes.columns_of("measures"),
        attributes.columns_of("locations"),
        {**attributes.PLANNER_IDEA_COLUMNS, **attributes.CONTACT_COLUMNS},
    ]
    for columns in every:
        short = [shapefile_names.short_name(c) for c in columns]
        assert all(len(s) <= 10 for s in short)
        assert len(set(short)) == len(short), "no two columns share a short name"
        assert [shapefile_names.long_name(s) for s in short] == list(columns)
    with pytest.raises(KeyError):
        shapefile_names.short_name("a_column_nobody_mapped")


def test_csv_neutralises_formulas_and_the_excel_variant_is_german(client, ideas, tmp_path):
    plain = _download(client, "/export/ideas.csv", tmp_path).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(plain)))
    titles = {row["title"] for row in rows}
    for formula in FORMULAS:
        assert "'" + formula in titles and formula not in titles
    assert {"lon", "lat", "wkt"} <= set(rows[0]) and rows[0]["wkt"].startswith("POINT (8.47")
    assert "." in rows[0]["lon"]

    raw = _download(client, "/export/ideas.csv-excel?crs=25832", tmp_path).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    excel = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert {"x", "y", "wkt"} <= set(excel[0])
    assert re.fullmatch(r"\d{6},\d{3}", excel[0]["x"]) and re.fullmatch(
        r"\d{7},\d{3}", excel[0]["y"]
    )
    assert "'=HYPERLINK" in text and "Sitzbänke für Ältere" in text


def _file_text(path: Path) -> str:
    """Every byte of an export (unpacked when zipped) as text, to search for leaks."""
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            return "".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    return path.read_bytes().decode("utf-8", "replace")


def test_public_exports_carry_no_personal_data(client, ideas, tmp_path):
    paths = [
        _download(client, f"/export/ideas.{fmt}", tmp_path, f"ideas-{fmt}")
        for fmt in formats.FORMATS
    ]
    paths.append(_download(client, "/export/quartierskarte.gpkg", tmp_path, "all.gpkg"))
    for path in paths:
        text = _file_text(path)
        assert EMAIL not in text and AUTHOR not in text, path.name
        assert "Noch nicht geprüft" not in text, "pending ideas are not public"
        assert "moderation_state" not in text and "mod_state" not in text


@pytest.mark.usefixtures("planner")
def test_planner_exports_need_a_login(app, client):
    token = _csrf(client)
    for response in (
        client.get("/export/ideas-all.gpkg"),
        client.post("/export/ideas-all", data={"csrf_token": token, "contact": "1"}),
    ):
        assert response.status_code == 302
        assert "/planung/anmelden" in response.headers["Location"]
    assert "Für das Quartiersmanagement" not in client.get("/export").get_data(as_text=True)
    assert _store(app).contact_exports.latest() == []


@pytest.mark.both_databases
@pytest.mark.usefixtures("planner")
def test_planners_get_all_ideas_and_contacts_only_when_they_ask(app, client, ideas, tmp_path):
    store = _store(app)
    _login(client)
    everything = _download(client, "/export/ideas-all.gpkg?crs=25832", tmp_path)
    data = pyogrio.read_dataframe(everything)
    assert set(data["id"]) == {"idee0", "idee1", "idee2", "idee3", "idee4", "wartet"}
    assert set(data["moderation_state"]) == {"approved", "pending"}
    # The history is JSON, which GDAL reads as a list from a GeoPackage.
    assert list(data.loc[data["id"] == "wartet", "history"].iloc[0][0]) == [
        "at",
        "action",
        "actor",
        "reason",
    ]
    assert EMAIL not in _file_text(everything) and "email" not in data.columns
    assert client.get("/export/ideas-all.csv?contact=1").status_code == 400
    assert store.contact_exports.latest() == []

    token = _csrf(client, "/export")
    without = client.post("/export/ideas-all", data={"csrf_token": token, "format": "csv"})
    assert without.status_code == 200 and EMAIL.encode() not in without.data
    without.close()
    assert store.contact_exports.latest() == []

    asked = client.post(
        "/export/ideas-all",
        data={"csrf_token": token, "format": "csv", "contact": "1", "category": "spiel_freizeit"},
    )
    assert asked.status_code == 200
    assert "kontakte" in asked.headers["Content-Disposition"]
    assert asked.headers["Cache-Control"] == "private, no-store"
    rows = list(csv.DictReader(io.StringIO(asked.get_data(as_text=True))))
    asked.close()
    assert {r["email"] for r in rows} == {EMAIL} and {r["author_name"] for r in rows} == {AUTHOR}
    (entry,) = store.contact_exports.latest()
    assert entry.actor == "lea" and entry.records == 6
    assert "ideas-all.csv" in entry.what and "category=spiel_freizeit" in entry.what
    assert (datetime.now(UTC) - entry.at).total_seconds() < 60
    page = client.get("/export").get_data(as_text=True)
    assert "Protokoll: Exporte mit Kontaktdaten" in page and "ideas-all.csv" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("crs=99999", "EPSG:99999 ist unbekannt"),
        ("crs=abc", "muss ein EPSG-Code sein"),
        ("crs=5783", "kein Koordinatensystem für Lagekoordinaten"),
        # Finite numbers for Dalheim, but made for America / the Rhineland: refused.
        ("crs=32617", "EPSG:32617 (WGS 84 / UTM zone 17N) gilt nicht für Dalheim"),
        ("crs=31466", "gilt nicht für Dalheim (sein Gültigkeitsbereich: 5.86° bis 7.51° Länge"),
        # As for uploads: PROJ's best way there needs grids proj-data lacks (NOAA's).
        ("crs=9000", "Für EPSG:9000 (ITRF2014) fehlt auf dem Server das Korrekturgitter"),
        ("crs=4326&crs=25832", "nur einmal"),
        ("status=fertig", "Unbekannter Wert für &#39;status&#39;"),
        ("kind=schule", "Den Filter &#39;kind&#39; gibt es für diese Ebene nicht"),
        ("from=gestern", "muss ein Datum"),
        ("from=2026-02-01&to=2026-01-01", "beginnt nach seinem Ende"),
    ],
)
def test_bad_options_are_a_german_400_page(client, query, message):
    response = client.get(f"/export/measures.gpkg?{query}")
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert message in response.get_data(as_text=True)


def test_unknown_formats_and_layers(client):
    assert client.get("/export/measures.xlsx").status_code == 400
    assert client.get("/export/planer.gpkg").status_code == 404
    assert client.get("/export/quartierskarte.gpkg?status=idee&kind=fehlt").status_code == 400


def test_any_valid_epsg_code_works(client, tmp_path):
    path = _download(client, "/export/locations.fgb?crs=EPSG:31467", tmp_path)
    assert path.name.endswith("-epsg31467.fgb")
    assert pyogrio.read_info(path)["crs"] == "EPSG:31467"


@pytest.mark.both_databases
def test_filters_and_date_range(app, client, ideas, tmp_path):
    def count(url: str) -> int:
        path = _download(client, url, tmp_path, "count.gpkg")
        return pyogrio.read_info(path)["features"]

    assert count("/export/measures.gpkg?status=abgeschlossen") == sum(
        1 for m in _store(app).layers.records("measures") if m.status == "abgeschlossen"
    )
    assert count("/export/locations.gpkg?kind=schule,kita") == sum(
        1 for loc in _store(app).layers.records("locations") if loc.kind in ("schule", "kita")
    )
    assert count("/export/measures.gpkg?bbox=0,0,1,1") == 0
    assert count("/export/measures.gpkg?from=2000-01-01") == 7
    assert count("/export/measures.gpkg?to=2000-01-01") == 0
    _add_idea(_store(app), "alt", "Alte Idee", created_at=datetime(2025, 3, 1, tzinfo=UTC))
    assert count("/export/ideas.gpkg?to=2025-12-31") == 1
    assert count("/export/ideas.gpkg?from=2026-01-01&to=2026-06-01") == 5


def test_the_form_leads_to_the_download_url(client):
    response = client.get(
        "/export/herunterladen?layer=locations&format=csv&crs=25832&crs_other=&status=idee"
        "&kind=schule&bbox=&from=&to="
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/export/locations.csv?kind=schule&crs=25832"
    geojson = client.get("/export/herunterladen?layer=measures&format=geojson&crs=25832")
    assert geojson.headers["Location"] == "/export/measures.geojson"
    everything = client.get("/export/herunterladen?layer=alle&format=gpkg&crs=4326&status=idee")
    assert everything.headers["Location"] == "/export/quartierskarte.gpkg?status=idee&crs=4326"
    assert client.get("/export/herunterladen?layer=alle&format=csv").status_code == 400


def test_the_export_page_labels_every_field(client):
    html = client.get("/export").get_data(as_text=True)
    assert html.count("<fieldset>") == html.count("<legend>") >= 7
    for field_id in re.findall(r'<input id="([^"]+)"', html):
        assert f'<label for="{field_id}">' in html, field_id
    # Radio buttons and check boxes sit inside their label.
    assert not re.search(r'<input type="(radio|checkbox)"(?![^>]*> [^<])', html)
    assert "<style" not in html and "<script" not in html


def test_the_file_is_streamed_from_a_temporary_folder_that_goes_afterwards(
    client, tmp_path, monkeypatch
):
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    response = client.get("/export/measures.gpkg?crs=25832")
    assert response.status_code == 200 and response.is_streamed
    assert re.fullmatch(
        r"attachment; filename=dalheim-measures-\d{4}-\d\d-\d\d-epsg25832\.gpkg",
        response.headers["Content-Disposition"],
    )
    # The folder is gone while the file is still being sent.
    assert list(folder.iterdir()) == []
    assert int(response.headers["Content-Length"]) == len(response.data) > 0
    response.close()
    # A failure while building leaves nothing behind either.
    monkeypatch.setattr(writers, "write_frames", _fail)
    assert client.get("/export/measures.gpkg").status_code == 500
    assert list(folder.iterdir()) == []


def _fail(*_args, **_kwargs):
    raise OSError("disk full")


def test_downloads_are_rate_limited(app, client):
    app.config["RATELIMIT_EXPORT"] = "2 per minute"
    for _ in range(2):
        client.get("/export/quartier.geojson").close()
    assert client.get("/export/quartier.geojson").status_code == 429


def test_the_command_line_exports_layers(runner, tmp_path):
    target = tmp_path / "dalheim.gpkg"
    result = runner.invoke(
        args=[
            "export",
            "--layer",
            "measures",
            "--format",
            "gpkg",
            "--crs",
            "25832",
            "-o",
            str(target),
        ]
    )
    assert result.exit_code == 0, result.output
    assert pyogrio.read_info(target)["crs"] == "EPSG:25832"
    assert pyogrio.read_info(target)["features"] == 7
    again = runner.invoke(args=["export", "--layer", "measures", "-o", str(target)])
    assert again.exit_code == 1 and "gibt es schon" in again.output

    everything = tmp_path / "alle.gpkg"
    result = runner.invoke(args=["export", "--status", "abgeschlossen", "-o", str(everything)])
    assert result.exit_code == 0, result.output
    assert [str(n) for n, _ in pyogrio.list_layers(everything)] == list(LAYER_COUNTS)

    refused = runner.invoke(args=["export", "--format", "shp", "-o", str(tmp_path / "x.zip")])
    assert refused.exit_code == 1 and "nur als GeoPackage" in refused.output
    bad = runner.invoke(args=["export", "--layer", "quartier", "--crs", "99999"])
    assert bad.exit_code == 1 and "unbekannt" in bad.output


def test_long_texts_are_cut_for_shapefiles_at_a_character_boundary():
    text = "ä" * 200
    cut = writers.shapefile_text(text)
    assert len(cut.encode("utf-8")) == 254 and cut == "ä" * 127
    assert writers.shapefile_text("kurz") == "kurz"
