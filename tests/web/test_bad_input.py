"""Input that once made server errors (issue 22, item 5): each is a clear 400 now and
changes nothing. ``test_fuzz.py`` finds this class by itself; these pin the cases."""

from __future__ import annotations

import json

import pytest

from measures.domain.ideas import validate_submission
from tests.factories import PASSWORD, create_planner, idea_feature
from tests.web.hostile import database_rows


def _body(**properties) -> str:
    return json.dumps(idea_feature(**properties))


@pytest.mark.both_databases
@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_body(category={"key": "wohnen"}), "category"),
        (_body(category=["wohnen"]), "category"),
        # json.dumps would write the surrogate as the escape a broken client sends.
        (_body(title="Bank \ud800"), "title"),
        (_body(description="\udfff"), "description"),
        # Noncharacters: XML cannot hold U+FFFF, the KML export would be unreadable.
        (_body(title="Bank\uffff am Ring"), "title"),
        (_body(description="Platz \ufdd0"), "description"),
    ],
)
def test_bad_json_submissions_are_refused_and_change_nothing(client, store, body, field):
    before = database_rows(store.engine)
    response = client.post("/api/ideas", data=body, content_type="application/geo+json")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_submission" and field in error["fields"]
    assert database_rows(store.engine) == before


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/ogc/collections/measures/items?offset=" + "9" * 5000, "offset"),
        ("/ogc/collections/measures/items?datetime=9999-12-31T23:59:59-01:00", "datetime"),
        ("/ogc/collections/ideas/items?datetime=0001-01-01T00:00:00%2B01:00/..", "datetime"),
    ],
)
def test_huge_numbers_and_instants_beyond_the_calendar_are_refused_by_the_ogc_api(
    client, url, parameter
):
    response = client.get(url)
    assert response.status_code == 400
    assert response.get_json()["code"] == "InvalidParameterValue"
    assert parameter in response.get_json()["description"]


def test_a_limit_of_thousands_of_digits_is_cut_to_the_maximum(client):
    # OGC caps a limit above the maximum rather than refusing it, however long it is.
    response = client.get("/ogc/collections/measures/items?limit=" + "9" * 5000)
    assert response.status_code == 200
    assert response.get_json()["type"] == "FeatureCollection"


@pytest.mark.parametrize(
    "query", ["from=9999-12-31T23:59:59-01:00", "to=0001-01-01T00:00:00%2B01:00"]
)
def test_instants_beyond_the_calendar_are_refused_by_the_export(client, query):
    response = client.get(f"/export/measures.geojson?{query}")
    assert response.status_code == 400
    assert "außerhalb der Jahre 1 bis 9999" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "target", ["/planung/\r\nSet-Cookie: x=1", "/\nx", "/\\evil.example", "https://evil.example/"]
)
def test_redirect_targets_off_the_site_are_refused_and_change_nothing(app, store, target):
    create_planner(app.test_cli_runner())
    client = app.test_client()
    switch = client.get("/sprache/en", query_string={"weiter": target})
    assert switch.status_code == 400 and "Set-Cookie" not in switch.headers
    assert "nicht zu dieser Website" in switch.get_data(as_text=True)
    form = client.get("/planung/anmelden", query_string={"weiter": target})
    assert form.status_code == 400
    before = database_rows(store.engine)
    app.config["WTF_CSRF_ENABLED"] = False
    login = client.post(
        "/planung/anmelden", data={"username": "lea", "password": PASSWORD, "weiter": target}
    )
    assert login.status_code == 400 and "Set-Cookie" not in login.headers
    assert database_rows(store.engine) == before  # no new session nonce
    # A path of this site, the export of all ideas included, is where the login goes on.
    ok = client.post(
        "/planung/anmelden",
        data={"username": "lea", "password": PASSWORD, "weiter": "/export/ideas-all.gpkg"},
    )
    assert ok.status_code == 302 and ok.headers["Location"] == "/export/ideas-all.gpkg"


def _submitted_title(title: str) -> str:
    data = {
        "title": title,
        "description": "Am Berliner Ring.",
        "category": "wohnen",
        "consent": True,
        "lon": 8.474,
        "lat": 50.5655,
    }
    return validate_submission(data, lambda point: 0.0, 25).idea.title


def test_bidi_controls_are_removed_and_right_to_left_text_is_kept():
    # U+202E would show "Bank am Spielplatz" reversed; the resident sees no difference.
    assert _submitted_title("\u202eBank am Spielplatz\u202c") == "Bank am Spielplatz"
    assert _submitted_title("Name: \u2068Lea\u2069") == "Name: Lea"
    arabic = "مقعد عند الملعب"
    hebrew = "ספסל ליד\u200f מגרש המשחקים"
    assert _submitted_title(arabic) == arabic
    assert _submitted_title(hebrew) == hebrew  # the right-to-left mark stays
