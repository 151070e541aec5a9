"""One error family, translated by the blueprint that answers; one JSON writer."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from html import unescape

import pytest

import app as app_package
import measures
from app.errors import Command
from measures.domain.errors import NotFound, QueryError, UserError
from measures.reading.geojson import dumps

BAD_BOX = "bbox=9,50,8,51"
BOX_MESSAGE = "In 'bbox' muss das Minimum vor dem Maximum stehen."
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
FEATURE = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [8.4722, 50.5666]},
    "properties": dict(
        title="Bank am Spielplatz", description="Eine Bank am Spielplatz.", consent=True
    )
    | {"category": "spiel_freizeit"},
}


@pytest.fixture
def backend() -> str:
    # Errors and their shapes touch no SQL of their own: SQLite is enough here.
    return "sqlite"


def _modules(package):
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        # Alembic's env.py runs migrations and app.wsgi builds the production app when
        # imported; neither defines an error.
        if ".migrations" not in info.name and info.name != "app.wsgi":
            yield importlib.import_module(info.name)


def test_every_error_of_the_project_belongs_to_the_family():
    found = {
        cls
        for package in (measures, app_package)
        for module in _modules(package)
        for _name, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, BaseException) and cls.__module__ == module.__name__
    }
    names = {cls.__name__ for cls in found}
    assert {"UserError", "QueryError", "NotFound", "InvalidSubmission"} <= names
    assert {"InvalidFeatures", "GisFileError", "MaintenanceError"} <= names
    outside = sorted(cls.__qualname__ for cls in found if not issubclass(cls, UserError))
    assert outside == []


def test_an_error_carries_status_code_parameter_and_a_safe_message():
    error = QueryError("bbox", "Falsch.")
    assert (error.status, error.code, error.parameter, error.message) == (
        400,
        "invalid_parameter",
        "bbox",
        "Falsch.",
    )
    missing = NotFound("Gibt es nicht.", "id")
    assert (missing.status, missing.code, missing.parameter) == (404, "not_found", "id")
    assert str(missing) == "Gibt es nicht." and missing.fields is None


def test_one_error_is_answered_in_the_shape_of_each_blueprint(client):
    api = client.get(f"/api/layers/measures?{BAD_BOX}")
    assert api.status_code == 400 and api.mimetype == "application/json"
    assert api.get_json() == {
        "error": {
            "status": 400,
            "code": "invalid_parameter",
            "message": BOX_MESSAGE,
            "parameter": "bbox",
        }
    }

    ogc = client.get(f"/ogc/collections/measures/items?{BAD_BOX}")
    assert ogc.status_code == 400 and ogc.mimetype == "application/json"
    assert ogc.get_json() == {
        "code": "InvalidParameterValue",
        "description": BOX_MESSAGE,
        "status": 400,
    }

    ogc_page = client.get(
        f"/ogc/collections/measures/items?{BAD_BOX}", headers={"Accept": BROWSER_ACCEPT}
    )
    page = client.get(f"/export/measures.gpkg?{BAD_BOX}")
    for response in (ogc_page, page):
        assert response.status_code == 400 and response.mimetype == "text/html"
        assert BOX_MESSAGE in unescape(response.get_data(as_text=True))


def test_errors_before_any_route_matches_are_answered_by_the_blueprint_of_the_path(client):
    wrong_method = client.post("/ogc/collections")
    assert wrong_method.status_code == 405
    assert wrong_method.get_json()["code"] == "MethodNotAllowed"
    assert "GET" in wrong_method.headers["Allow"]

    api = client.delete("/api/gibt-es-nicht")
    assert api.status_code == 404 and api.get_json()["error"]["code"] == "not_found"

    ogc = client.get("/ogc/gibt-es-nicht")
    assert ogc.get_json() == {
        "code": "NotFound",
        "description": "Diese Adresse gibt es in der OGC API nicht.",
        "status": 404,
    }

    for url in ("/gibt-es-nicht", "/apix", "/ogcx"):
        page = client.get(url)
        assert page.status_code == 404 and page.mimetype == "text/html"


def test_internal_errors_in_the_ogc_api_reveal_nothing(app, client, monkeypatch):
    store = app.extensions["quartierskarte.store"]

    def broken(*_args, **_kwargs):
        raise RuntimeError("SELECT secret FROM /srv/quartierskarte/instance/db.sqlite3")

    for name in ("infos", "records", "changed_at", "record"):
        monkeypatch.setattr(store.layers, name, broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/ogc/collections")
    assert response.status_code == 500
    body = response.get_json()
    assert body["code"] == "NoApplicableCode" and body["status"] == 500
    assert "SELECT" not in body["description"] and "/srv/" not in body["description"]


def test_every_json_answer_is_written_by_the_one_writer(client):
    responses = [
        client.get("/api/openapi.json"),
        client.get("/api/layers"),
        client.get("/api/ideas/nearby?lon=8.4722&lat=50.5666"),
        client.get("/api/gibt-es-nicht"),
        client.get("/api/layers/measures?bbox=1,2"),
        client.get("/ogc/collections/strassen"),
        client.get("/ogc/collections"),
        client.post("/api/ideas", json=FEATURE),
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 404, 400, 404, 200, 201]
    for response in responses:
        text = response.get_data(as_text=True)
        # Flask's jsonify would end the body with a line break and may escape umlauts.
        assert text == dumps(response.get_json())


def test_every_command_reports_a_user_error_alike(app, runner):
    groups = [app.cli.commands[name] for name in ("db", "privacy", "planner")]
    commands = [command for group in groups for command in group.commands.values()]
    assert len(commands) >= 8
    assert all(isinstance(command, Command) for command in [*commands, app.cli.commands["export"]])
    result = runner.invoke(args=["planner", "deactivate", "niemand"])
    assert result.exit_code == 1
    assert "Fehler: Ein Konto „niemand“ gibt es nicht." in result.output
    assert "Traceback" not in result.output


def test_pages_answer_in_the_chosen_language_and_the_api_in_german(client):
    client.set_cookie("sprache", "en")
    page = client.get("/gibt-es-nicht")
    assert page.status_code == 404
    text = page.get_data(as_text=True)
    assert "This page does not exist." in text and "Error code 404." in text
    api = client.get("/api/gibt-es-nicht")
    assert api.get_json()["error"]["message"] == "Diese Seite gibt es nicht."
    # A message of the domain is translated on pages (its template, then its parameters),
    # and stays German in the API, which follows Accept-Language, not the site's cookie.
    refused = client.get(f"/export/measures.gpkg?{BAD_BOX}")
    assert "In 'bbox' the minimum must come before the maximum." in unescape(
        refused.get_data(as_text=True)
    )
    assert client.get(f"/api/layers/measures?{BAD_BOX}").get_json()["error"]["message"] == (
        BOX_MESSAGE
    )
