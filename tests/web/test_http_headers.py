"""HTTP details of the open data: CORS, Vary: Accept, trailing slashes, one charset.

The Flask client checks each rule; Debian's GDAL 3.6 reads the open data over a live
server as a GIS client does.
"""

from __future__ import annotations

import gzip
import subprocess
from email.message import Message

import pytest

ORIGIN = "https://karte.example.org"
OPEN_READS = [
    "/api/layers",
    "/api/layers/measures",
    "/api/layers/ideas/points",
    "/api/measures/kifaz",
    "/api/layers/gibt-es-nicht",
    "/ogc/collections",
    "/ogc/collections/measures/items?limit=2",
    "/ogc/collections/gibt-es-nicht",
    "/export/measures.geojson",
    "/export/quartierskarte.gpkg",
]
CLOSED = ["/planung/", "/planung/login", "/export", "/ideen/neu", "/", "/export/ideas-all.csv"]


def _preflight(client, path: str, method: str = "GET"):
    return client.options(
        path,
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "if-none-match",
        },
    )


@pytest.mark.parametrize("path", OPEN_READS)
def test_open_data_may_be_read_by_web_maps_elsewhere(client, path):
    response = client.get(path, headers={"Origin": ORIGIN})
    response.close()  # the exports stream an open file
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in response.headers
    preflight = _preflight(client, path.split("?")[0])
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET, HEAD"
    assert "If-None-Match" in preflight.headers["Access-Control-Allow-Headers"]


@pytest.mark.parametrize("path", CLOSED)
def test_pages_forms_and_planner_routes_carry_no_cors_headers(client, path):
    response = client.get(path, headers={"Origin": ORIGIN})
    assert not any(h.lower().startswith("access-control-") for h in response.headers.keys())
    preflight = _preflight(client, path)
    assert "Access-Control-Allow-Origin" not in preflight.headers


def test_submitting_ideas_is_not_open_to_other_sites(client):
    preflight = _preflight(client, "/api/ideas", "POST")
    assert "Access-Control-Allow-Origin" not in preflight.headers
    response = client.post("/api/ideas", json={}, headers={"Origin": ORIGIN})
    assert response.status_code >= 400
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize(
    "path",
    [
        "/ogc",
        "/ogc/conformance",
        "/ogc/collections",
        "/ogc/collections/measures",
        "/ogc/collections/measures/queryables",
        "/ogc/collections/measures/items",
        "/ogc/collections/measures/items/kifaz",
        "/ogc/collections/gibt-es-nicht",
        "/ogc/collections/measures/items?limit=0",
    ],
)
def test_every_negotiated_answer_varies_by_accept(client, path):
    for accept in ("text/html", "application/json"):
        response = client.get(path, headers={"Accept": accept})
        assert "Accept" in response.vary, (path, response.status_code)
    assert "Accept" not in client.get("/api/layers/measures").vary


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/ogc/collections/", "/ogc/collections"),
        ("/ogc/conformance/", "/ogc/conformance"),
        ("/ogc/collections/measures/", "/ogc/collections/measures"),
        (
            "/ogc/collections/measures/items/?limit=2&f=json",
            "/ogc/collections/measures/items?limit=2&f=json",
        ),
    ],
)
def test_ogc_paths_with_a_trailing_slash_lead_to_the_resource(client, path, target):
    response = client.get(path)
    assert response.status_code == 308 and response.headers["Location"] == target
    assert client.get(path, follow_redirects=True).status_code == 200


def test_unknown_ogc_paths_with_a_slash_stay_404(client):
    response = client.get("/ogc/gibt-es-nicht/")
    assert response.status_code == 404 and response.get_json()["code"] == "NotFound"


@pytest.mark.parametrize("fmt", ["csv", "csv-excel", "kml", "geojson"])
def test_exports_name_their_charset_once(client, fmt):
    response = client.get(f"/export/measures.{fmt}")
    header = response.headers["Content-Type"]
    response.close()
    assert header.lower().count("charset") <= 1, header
    if fmt.startswith("csv"):
        message = Message()
        message["Content-Type"] = header
        assert message.get_content_type() == "text/csv"
        assert message.get_param("charset") == "utf-8"


def _ogrinfo(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["ogrinfo", "--config", "GDAL_HTTP_TIMEOUT", "30", "-ro", *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )


def test_gdal_36_reads_the_csv_export_and_the_ogc_api_with_a_slash(live_server, seed):
    csv = _ogrinfo(
        "-so", "-al", f"/vsicurl/{live_server}/export/measures.csv", "-oo", "KEEP_GEOM_COLUMNS=NO"
    )
    assert f"Feature Count: {len(seed.measures)}" in csv.stdout, csv.stdout + csv.stderr
    ogc = _ogrinfo("-so", f"OAPIF:{live_server}/ogc/", "measures")
    assert "ERROR" not in ogc.stderr, ogc.stderr
    assert f"Feature Count: {len(seed.measures)}" in ogc.stdout


# -- scripts and style sheets compressed (the map page's weight, issue 15) ------------------


@pytest.mark.parametrize(
    "path",
    ["/static/js/residents-map/idea-pin.js", "/static/css/site.css"],
)
def test_static_scripts_and_styles_go_out_compressed_and_whole(client, path):
    plain = client.get(path, buffered=True)
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    squeezed = client.get(path, headers={"Accept-Encoding": "gzip"}, buffered=True)
    assert squeezed.headers["Content-Encoding"] == "gzip"
    assert int(squeezed.headers["Content-Length"]) < len(plain.data) / 2
    assert gzip.decompress(squeezed.data) == plain.data
    # Asked again with its ETag: nothing to send.
    again = client.get(
        path,
        headers={"Accept-Encoding": "gzip", "If-None-Match": squeezed.headers["ETag"]},
        buffered=True,
    )
    assert again.status_code == 304 and again.data == b""
    # A range is answered from the file as it is.
    part = client.get(
        path, headers={"Accept-Encoding": "gzip", "Range": "bytes=0-9"}, buffered=True
    )
    assert part.status_code == 206 and part.data == plain.data[:10]
