"""The domain without Flask: geo operations, query parsing, GeoJSON views."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pyproj import Transformer
from shapely.geometry import Point, box

from measures.domain import geo
from measures.domain.query import LayerQuery
from measures.domain.vocabulary import STATUSES
from measures.reading import geojson
from measures.reading.parameters import QueryError, parse_bbox, parse_layer_query


def test_the_domain_imports_no_flask():
    code = (
        "import sys, measures.domain.seed, measures.storage, measures.reading.geojson, "
        "measures.reading.parameters, measures.gis.export, measures.ogc.features; "
        "print('flask' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_reprojection_to_utm32n_matches_pyproj():
    point = Point(8.4712, 50.5662)
    expected = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True).transform(
        8.4712, 50.5662
    )
    projected = geo.to_crs(point, geo.UTM32N)
    assert projected.x == pytest.approx(expected[0], abs=1e-6)
    assert projected.y == pytest.approx(expected[1], abs=1e-6)
    # Wetzlar lies in UTM zone 32: easting about 460 km, northing about 5,600 km.
    assert 450_000 < projected.x < 470_000 and 5_590_000 < projected.y < 5_610_000


def test_distance_outside_is_zero_inside_and_metres_outside():
    area = box(8.46, 50.56, 8.48, 50.57)
    assert geo.distance_outside_m(area, Point(8.47, 50.565)) == 0
    # 0.001° of longitude at 50.565° N is about 70.8 m.
    assert geo.distance_outside_m(area, Point(8.481, 50.565)) == pytest.approx(70.8, abs=1.0)
    assert geo.is_inside(area, Point(8.481, 50.565), tolerance_m=75)
    assert not geo.is_inside(area, Point(8.481, 50.565), tolerance_m=50)


@pytest.mark.parametrize(
    "text",
    ["1,2,3", "a,b,c,d", "8.48,50.56,8.47,50.57", "8,50,9,nan", "8,50,9,inf", "8,50,200,51", ""],
)
def test_bad_bbox_is_refused_with_a_german_message(text):
    with pytest.raises(QueryError) as caught:
        parse_bbox(text)
    assert caught.value.parameter == "bbox"
    assert "bbox" in caught.value.message


def test_layer_query_parses_lists_and_refuses_unknowns():
    query = parse_layer_query(
        "measures", {"status": ["abgeschlossen,idee"], "category": ["spiel_freizeit"]}
    )
    assert query == LayerQuery.of(status={"abgeschlossen", "idee"}, category={"spiel_freizeit"})
    with pytest.raises(QueryError, match="fertig"):
        parse_layer_query("measures", {"status": ["fertig"]})
    with pytest.raises(QueryError, match="stauts"):
        parse_layer_query("measures", {"stauts": ["idee"]})
    with pytest.raises(QueryError) as caught:
        parse_layer_query("strassen", {})
    assert caught.value.code == "unknown_layer"


def test_measure_feature_carries_labels_and_status_date(seed):
    kifaz = next(m for m in seed.measures if m.id == "kifaz")
    feature = geojson.to_feature("measures", kifaz)
    assert feature["properties"]["status_label"] == STATUSES["abgeschlossen"]
    assert feature["properties"]["status_date"] == "2023-05-12"
    assert feature["geometry"]["type"] == "Point"
    assert [s["url"] for s in feature["properties"]["sources"]] == [s.url for s in kifaz.sources]
