"""One parser each for bbox, CRS and times, shared by the read API, the export and OGC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pyproj import Transformer

from measures.domain.bbox import parse_bbox
from measures.domain.crs import epsg_number, parse_crs
from measures.domain.errors import QueryError
from measures.domain.times import parse_time
from measures.gis import export, formats
from measures.ogc import crs as ogc_crs
from measures.ogc.datetimes import parse_datetime
from measures.reading.parameters import parse_layer_query

DALHEIM_BOX = "8.46,50.55,8.49,50.58"
UTM_BOX = (460_000.0, 5_600_000.0, 462_000.0, 5_602_000.0)

# -- bbox ------------------------------------------------------------------------------


def test_the_read_api_and_ogc_read_a_lonlat_box_alike():
    expected = (8.46, 50.55, 8.49, 50.58)
    assert parse_bbox(DALHEIM_BOX) == expected
    assert parse_layer_query("measures", {"bbox": [DALHEIM_BOX]}).bbox == expected
    assert ogc_crs.parse_bbox(DALHEIM_BOX, ogc_crs.CRS84) == expected


def test_epsg_4326_is_read_latitude_first_and_heights_are_dropped():
    assert ogc_crs.parse_bbox("50.55,8.46,50.58,8.49", ogc_crs.EPSG_4326) == (
        8.46,
        50.55,
        8.49,
        50.58,
    )
    assert ogc_crs.parse_bbox("8.46,50.55,0,8.49,50.58,100", ogc_crs.CRS84) == (
        8.46,
        50.55,
        8.49,
        50.58,
    )


def test_a_projected_box_becomes_lonlat_bounds_enclosing_it():
    minlon, minlat, maxlon, maxlat = parse_bbox(",".join(str(v) for v in UTM_BOX), crs="EPSG:25832")
    to_lonlat = Transformer.from_crs("EPSG:25832", "OGC:CRS84", always_xy=True)
    for x in (UTM_BOX[0], UTM_BOX[2]):
        for y in (UTM_BOX[1], UTM_BOX[3]):
            lon, lat = to_lonlat.transform(x, y)
            assert minlon <= lon <= maxlon and minlat <= lat <= maxlat
    assert 8.4 < minlon < maxlon < 8.6 and 50.5 < minlat < maxlat < 50.6


# A bad box → words of the message that says why.
BAD_BOXES = {
    "a,b,c,d": "keine Zahl",
    "8,50,9,nan": "unendliche oder ungültige Zahl",
    "8,50,200,51": "außerhalb von Länge",
    "9,50,8,51": "Minimum vor dem Maximum",
}


@pytest.mark.parametrize(("text", "words"), BAD_BOXES.items())
def test_the_read_api_and_ogc_refuse_a_bad_box_with_the_same_message(text, words):
    with pytest.raises(QueryError) as from_api:
        parse_layer_query("measures", {"bbox": [text]})
    with pytest.raises(QueryError) as from_ogc:
        ogc_crs.parse_bbox(text, ogc_crs.CRS84)
    assert words in from_api.value.message
    assert from_api.value.message == from_ogc.value.message
    assert from_api.value.parameter == from_ogc.value.parameter == "bbox"
    assert from_api.value.status == 400 and from_api.value.code == "invalid_parameter"


def test_six_numbers_are_a_box_only_where_heights_are_allowed():
    with pytest.raises(QueryError) as caught:
        parse_bbox("8,50,0,9,51,10")
    assert "genau vier Zahlen" in caught.value.message
    with pytest.raises(QueryError) as caught:
        ogc_crs.parse_bbox("8,50,9", ogc_crs.CRS84)
    assert "oder sechs mit Höhen; angegeben sind 3" in caught.value.message


def test_the_parameter_name_is_in_the_error():
    with pytest.raises(QueryError) as caught:
        parse_bbox("1,2", "ausschnitt")
    assert caught.value.parameter == "ausschnitt"
    assert caught.value.message.startswith("'ausschnitt' braucht")


def test_a_projected_box_that_cannot_be_converted_is_refused():
    with pytest.raises(QueryError, match="nicht in geographische Koordinaten"):
        parse_bbox("1e20,1,1e21,2", crs="EPSG:25832")


# -- CRS -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [("25832", "EPSG:25832"), ("EPSG:4326", "EPSG:4326"), ("epsg:3857", "EPSG:3857")],
)
def test_an_epsg_code_is_read_in_both_spellings(text, code):
    assert parse_crs(text) == code
    assert export.parse_crs(text, formats.FORMATS["gpkg"]) == epsg_number(code)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("abc", "muss ein EPSG-Code sein"),
        # A digit to str.isdigit, but no EPSG code: once a 500 from int().
        ("²", "muss ein EPSG-Code sein"),
        ("1234567", "muss ein EPSG-Code sein"),
        ("99999", "EPSG:99999 ist unbekannt"),
        ("5783", "kein Koordinatensystem für Lagekoordinaten"),
    ],
)
def test_a_bad_crs_is_refused_with_a_german_message(text, words):
    with pytest.raises(QueryError) as caught:
        parse_crs(text, "crs")
    assert words in caught.value.message
    assert caught.value.parameter == "crs" and caught.value.status == 400


def test_ogc_takes_only_the_uris_it_lists():
    for uri, code in ogc_crs.SUPPORTED.items():
        assert parse_crs(uri, "crs", ogc_crs.SUPPORTED) == code
        assert ogc_crs.parse_crs(uri, "bbox-crs") == uri
    with pytest.raises(QueryError) as caught:
        ogc_crs.parse_crs("EPSG:25832", "bbox-crs")
    assert caught.value.parameter == "bbox-crs"
    assert "wird nicht unterstützt" in caught.value.message
    assert ogc_crs.EPSG_25832 in caught.value.message


def test_geojson_exports_stay_in_wgs84():
    with pytest.raises(QueryError, match="immer in EPSG:4326"):
        export.parse_crs("25832", formats.FORMATS["geojson"])
    assert export.parse_crs(None, formats.FORMATS["geojson"]) == 4326


# -- times -----------------------------------------------------------------------------


def test_a_date_is_the_whole_day_in_utc_also_with_gdals_bare_t():
    start = datetime(2024, 5, 1, tzinfo=UTC)
    whole_day = (start, start + timedelta(days=1, microseconds=-1))
    assert parse_time("2024-05-01", "datetime", "falsch") == whole_day
    assert parse_time("2024-05-01T", "datetime", "falsch") == whole_day
    assert parse_time("2024-05-01", "from", "falsch", rfc3339=False) == whole_day


def test_an_instant_is_converted_to_utc_and_a_naive_one_taken_as_utc():
    assert parse_time("2024-05-01T12:00:00+02:00", "datetime", "falsch")[0] == datetime(
        2024, 5, 1, 10, tzinfo=UTC
    )
    naive = parse_time("2024-05-01T10:00:00", "datetime", "falsch")
    assert naive == (datetime(2024, 5, 1, 10, tzinfo=UTC),) * 2
    assert naive[0].tzinfo == UTC


def test_rfc3339_needs_seconds_and_the_t_where_the_export_is_lenient():
    for text in ("2024-05-01T10:00", "2024-05-01 10:00:00"):
        with pytest.raises(QueryError) as caught:
            parse_time(text, "datetime", "So nicht.")
        assert caught.value.message == "So nicht." and caught.value.parameter == "datetime"
        assert parse_time(text, "from", "So nicht.", rfc3339=False)[0] == datetime(
            2024, 5, 1, 10, tzinfo=UTC
        )
    with pytest.raises(QueryError):
        parse_time("gestern", "from", "So nicht.", rfc3339=False)


def test_ogc_and_export_read_the_same_day_alike():
    interval = parse_datetime("2026-01-01/2026-01-31")
    spec = export.parse_spec(["measures"], "gpkg", {"from": ["2026-01-01"], "to": ["2026-01-31"]})
    assert (interval.start, interval.end) == (spec.since, spec.until)
