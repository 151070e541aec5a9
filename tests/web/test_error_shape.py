"""One JSON error shape for the whole API; HTML pages get a German error page."""

from __future__ import annotations

import pytest

from tests.web.failures import assert_reveals_nothing, break_store

BAD_REQUESTS = [
    ("/api/layers/strassen", 404, "unknown_layer", "layer"),
    ("/api/layers/measures?bbox=8.4,50.5,8.5", 400, "invalid_parameter", "bbox"),
    ("/api/layers/measures?bbox=a,b,c,d", 400, "invalid_parameter", "bbox"),
    ("/api/layers/measures?status=fertig", 400, "invalid_parameter", "status"),
    ("/api/layers/measures?category=verkehr", 400, "invalid_parameter", "category"),
    ("/api/layers/locations?status=idee", 400, "invalid_parameter", "status"),
    ("/api/measures/unbekannt", 404, "not_found", "id"),
    ("/api/gibt-es-nicht", 404, "not_found", None),
]


@pytest.mark.parametrize(("url", "status", "code", "parameter"), BAD_REQUESTS)
def test_error_shape_is_pinned(client, url, status, code, parameter):
    response = client.get(url)
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    expected_keys = {"status", "code", "message"} | ({"parameter"} if parameter else set())
    assert set(body["error"]) == expected_keys
    assert body["error"]["status"] == status
    assert body["error"]["code"] == code
    assert body["error"].get("parameter") == parameter
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


def test_wrong_method_gets_the_same_shape(client):
    response = client.post("/api/layers/measures")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_internal_errors_reveal_nothing(app, client, monkeypatch):
    break_store(app, monkeypatch, "records")
    for url in ("/api/layers/measures", "/"):
        assert_reveals_nothing(client.get(url))


def test_html_pages_get_a_german_error_page(client):
    response = client.get("/gibt-es-nicht")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Diese Seite gibt es nicht." in response.get_data(as_text=True)
