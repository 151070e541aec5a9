"""Residents' ideas: validation, intake by form and API, status link, support, privacy."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa
from shapely.geometry import Point

from measures.domain.ideas import InvalidSubmission, validate_submission
from measures.storage import schema
from tests.factories import idea_feature

INSIDE = (8.4740, 50.5655)
OUTSIDE = (8.4600, 50.5650)  # about 220 m west of the Quartier's boundary


def _valid(**changes) -> dict:
    data = {
        "title": "Mehr Bänke am Berliner Ring",
        "description": "Zum Ausruhen auf dem Weg zum KiFaZ.",
        "category": "wohnumfeld_gruen",
        "author_name": "",
        "email": "",
        "consent": "on",
        "lon": str(INSIDE[0]),
        "lat": str(INSIDE[1]),
    }
    data.update(changes)
    return data


def _inside_box(point: Point) -> float:
    # A stand-in geofence for the domain tests: inside west of 8.465 is 0 m away.
    return 0.0 if point.x > 8.465 else 220.0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 121}, "title"),
        ({"description": "   "}, "description"),
        ({"description": "x" * 2001}, "description"),
        ({"category": "verkehr"}, "category"),
        ({"email": "keine-adresse"}, "email"),
        ({"author_name": "n" * 81}, "author_name"),
        ({"consent": ""}, "consent"),
        ({"lon": ""}, "location"),
        ({"lon": "nan"}, "location"),
        ({"lat": "Infinity"}, "location"),
        ({"lon": "abc"}, "location"),
        ({"lat": "95"}, "location"),
        ({"lon": str(OUTSIDE[0]), "lat": str(OUTSIDE[1])}, "location"),
        ({"title": "Bank\x00"}, "title"),
    ],
)
def test_each_rule_refuses_and_names_the_field(changes, field):
    with pytest.raises(InvalidSubmission) as caught:
        validate_submission(_valid(**changes), _inside_box, tolerance_m=25)
    assert field in caught.value.errors
    assert caught.value.errors[field]


def test_a_valid_submission_yields_a_pending_idea_and_a_secret_token():
    submission = validate_submission(_valid(email=" a@b.de "), _inside_box, tolerance_m=25)
    assert submission.idea.moderation_state == "pending"
    assert submission.contact.email == "a@b.de"
    assert len(submission.status_token) >= 32
    other = validate_submission(_valid(), _inside_box, tolerance_m=25)
    assert other.idea.id != submission.idea.id and other.status_token != submission.status_token


def _token(client, path="/ideen/neu") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _count_ideas(app) -> int:
    with app.extensions["quartierskarte.store"].engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(schema.ideas)).scalar()


def test_the_form_without_javascript_takes_an_idea_at_a_known_place(app, client):
    response = client.post(
        "/ideen/neu",
        data={**_valid(lon="", lat=""), "spot": "ort:kifaz", "csrf_token": _token(client)},
    )
    assert response.status_code == 302
    status_page = client.get(response.headers["Location"])
    html = status_page.get_data(as_text=True)
    assert "Danke! Ihre Idee ist angekommen." in html
    assert "wartet auf Prüfung" in html
    link = re.search(r'class="private-link"><a href="([^"]+)"', html).group(1)
    assert "/ideen/status/" in link
    assert _count_ideas(app) == 1


def test_errors_keep_the_input_and_name_the_fields(app, client):
    response = client.post(
        "/ideen/neu",
        data={
            **_valid(title="", lon=str(OUTSIDE[0]), lat=str(OUTSIDE[1])),
            "csrf_token": _token(client),
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Bitte geben Sie einen Titel an." in html
    assert "außerhalb des Quartiers" in html
    assert "Zum Ausruhen auf dem Weg zum KiFaZ." in html
    assert 'aria-invalid="true"' in html
    assert _count_ideas(app) == 0


def test_an_empty_form_gets_a_focused_summary_naming_each_field_and_leading_to_it(app, client):
    response = client.post(
        "/ideen/neu",
        data={"title": "", "description": " ", "category": "wohnen", "csrf_token": _token(client)},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    summary = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', html, re.S)
    assert summary and "autofocus" in summary.group(0)
    lines = re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', summary.group(1))
    assert lines == [
        ("idea-title", "Bitte geben Sie einen Titel an."),
        ("idea-description", "Bitte beschreiben Sie Ihre Idee."),
        ("idea-consent", "Bitte stimmen Sie der Datenschutzerklärung zu."),
        ("idea-spot", "Bitte setzen Sie einen Punkt auf der Karte (Länge und Breite fehlen)."),
    ]
    for target, _message in lines:
        assert f'id="{target}"' in html
    assert _count_ideas(app) == 0


def test_the_map_form_is_told_the_same_words_for_empty_fields(client):
    html = client.get("/").get_data(as_text=True)
    config = json.loads(re.search(r'id="map-config">(.*?)</script>', html, re.S).group(1))
    assert config["words"]["idea_missing"] == {
        "title": "Bitte geben Sie einen Titel an.",
        "description": "Bitte beschreiben Sie Ihre Idee.",
        "consent": "Bitte stimmen Sie der Datenschutzerklärung zu.",
        "location": "Bitte setzen Sie einen Punkt auf der Karte (Länge und Breite fehlen).",
    }
    assert re.search(r'<form id="idea-form"[^>]* novalidate', html)


def test_forms_without_csrf_token_are_rejected(app, client):
    response = client.post("/ideen/neu", data=_valid())
    assert response.status_code == 400
    assert "Formular ist abgelaufen" in response.get_data(as_text=True)
    assert _count_ideas(app) == 0


def test_the_honeypot_catches_bots(app, client):
    response = client.post(
        "/ideen/neu", data={**_valid(), "website": "http://spam", "csrf_token": _token(client)}
    )
    assert response.status_code == 400
    assert _count_ideas(app) == 0


def _feature(lon=INSIDE[0], lat=INSIDE[1], **properties) -> dict:
    contact = {"email": "geheim@example.org", "author_name": "Ayşe"}
    return idea_feature(
        lon=lon, lat=lat, description="An der Neukölln-Anlage", **{**contact, **properties}
    )


def test_the_api_accepts_a_geojson_feature_and_answers_201(app, client):
    response = client.post("/api/ideas", json=_feature())
    assert response.status_code == 201
    body = response.get_json()
    assert body["moderation_state"] == "pending"
    assert "/ideen/status/" in body["status_url"]
    status = client.get(body["status_url"].split("localhost", 1)[1])
    assert "Trinkbrunnen" in status.get_data(as_text=True)


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code", "parameter"),
    [
        ("nicht json", "application/json", 400, "invalid_json", None),
        (b"\xff\xfe", "application/json", 400, "invalid_json", None),
        ('{"type": "Feature"}', "text/plain", 415, "unsupported_media_type", None),
        ('{"type": "FeatureCollection"}', "application/json", 400, "invalid_feature", "type"),
        (
            json.dumps(
                {
                    "type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": []},
                    "properties": {},
                }
            ),
            "application/json",
            400,
            "invalid_feature",
            "geometry",
        ),
        (
            json.dumps(_feature(lon=float("nan"))).replace("NaN", "NaN"),
            "application/json",
            400,
            "invalid_submission",
            "geometry",
        ),
        (
            json.dumps(_feature(lon=OUTSIDE[0], lat=OUTSIDE[1])),
            "application/json",
            400,
            "invalid_submission",
            "geometry",
        ),
        (
            json.dumps(_feature(title="")),
            "application/geo+json",
            400,
            "invalid_submission",
            "title",
        ),
        (
            json.dumps(_feature(consent="on")),
            "application/json",
            400,
            "invalid_submission",
            "consent",
        ),
        (
            json.dumps(_feature(lon="8.47")),
            "application/json",
            400,
            "invalid_feature",
            "geometry",
        ),
        ("[" * 100_000 + "]" * 100_000, "application/json", 400, "invalid_json", None),
    ],
)
def test_the_api_refuses_bad_input_clearly_and_stores_nothing(
    app, client, body, content_type, status, code, parameter
):
    response = client.post("/api/ideas", data=body, content_type=content_type)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == code and error.get("parameter") == parameter
    assert error["message"]
    assert _count_ideas(app) == 0


def test_oversized_bodies_are_refused(app, client):
    response = client.post(
        "/api/ideas", data="x" * (2 * 1024 * 1024), content_type="application/json"
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"


def test_rate_limit_answers_429_with_a_clear_message(app, client):
    app.config["RATELIMIT_IDEAS"] = "2 per minute"
    assert client.post("/api/ideas", json=_feature()).status_code == 201
    assert client.post("/api/ideas", json=_feature()).status_code == 201
    refused = client.post("/api/ideas", json=_feature())
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    # When to try again: at most the one-minute window of the limit.
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # The form shares the budget with the API.
    form = client.post("/ideen/neu", data={**_valid(), "csrf_token": _token(client)})
    assert form.status_code == 429
    assert "Zu viele Anfragen" in form.get_data(as_text=True)
    assert _count_ideas(app) == 2


def _submit(client, **properties) -> tuple[str, str]:
    body = client.post("/api/ideas", json=_feature(**properties)).get_json()
    return body["id"], body["status_url"].split("localhost", 1)[1]


@pytest.mark.both_databases
def test_withdrawal_deletes_the_idea_and_its_personal_data(app, client):
    idea_id, status_path = _submit(client)
    store = app.extensions["quartierskarte.store"]
    assert store.ideas.contact(idea_id).email == "geheim@example.org"
    token_page = client.get(status_path).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', token_page).group(1)
    # Not without the confirmation: the page says what is missing, nothing is deleted.
    refused = client.post(status_path + "/zurueckziehen", data={"csrf_token": csrf})
    assert refused.status_code == 400
    assert "Bitte bestätigen Sie" in refused.get_data(as_text=True)
    assert store.ideas.contact(idea_id).email == "geheim@example.org"
    response = client.post(
        status_path + "/zurueckziehen", data={"csrf_token": csrf, "bestaetigt": "ja"}
    )
    assert response.status_code == 200
    assert store.ideas.get(idea_id, ("pending", "approved", "rejected", "deleted")) is None
    assert store.ideas.contact(idea_id) is None
    assert client.get(status_path).status_code == 404


def test_unknown_status_links_are_404(client):
    assert client.get("/ideen/status/erfunden").status_code == 404


@pytest.mark.both_databases
def test_support_counts_once_per_browser(app, client):
    idea_id, _ = _submit(client)
    store = app.extensions["quartierskarte.store"]
    csrf = _token(client)
    # Not yet approved: nothing to support.
    assert (
        client.post(f"/ideen/{idea_id}/unterstuetzen", data={"csrf_token": csrf}).status_code == 404
    )
    store.ideas.approve(idea_id, "test")
    first = client.post(
        f"/ideen/{idea_id}/unterstuetzen", data={"csrf_token": csrf}, follow_redirects=True
    )
    assert "Danke! Wir haben Ihre Unterstützung gezählt." in first.get_data(as_text=True)
    second = client.post(
        f"/ideen/{idea_id}/unterstuetzen", data={"csrf_token": csrf}, follow_redirects=True
    )
    assert "schon unterstützt" in second.get_data(as_text=True)
    assert store.layers.record("ideas", idea_id).supports == 1
    # Another browser (no cookie) may support too.
    other = app.test_client()
    other_csrf = _token(other)
    other.post(f"/ideen/{idea_id}/unterstuetzen", data={"csrf_token": other_csrf})
    assert store.layers.record("ideas", idea_id).supports == 2


@pytest.mark.both_databases
def test_support_returns_to_where_it_came_from_and_shows_the_supported_state(app, client):
    idea_id, _ = _submit(client)
    store = app.extensions["quartierskarte.store"]
    store.ideas.approve(idea_id, "test")
    csrf = _token(client)
    assert "Unterstützen</button>" in client.get("/ideen").get_data(as_text=True)
    # Another site as the way back is refused, and nothing is counted.
    refused = client.post(
        f"/ideen/{idea_id}/unterstuetzen",
        data={"csrf_token": csrf, "weiter": "https://example.org/"},
    )
    assert refused.status_code == 400
    assert store.layers.record("ideas", idea_id).supports == 0
    response = client.post(
        f"/ideen/{idea_id}/unterstuetzen",
        data={"csrf_token": csrf, "weiter": "/ideen?sort=supported"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/ideen?sort=supported"
    listing = client.get("/ideen?sort=supported").get_data(as_text=True)
    assert "Sie unterstützen diese Idee." in listing and "Unterstützen</button>" not in listing
    page = client.get(f"/ideen/{idea_id}").get_data(as_text=True)
    assert "Sie unterstützen diese Idee." in page and "1 Unterstützungen" in page
    # The map's popups are told too (their support form comes from the page's config).
    config = re.search(r'id="map-config">(.*?)</script>', client.get("/").get_data(as_text=True))
    assert idea_id in json.loads(config.group(1))["support"]["supported"]


def test_support_is_rate_limited_per_address(app, client):
    app.config["RATELIMIT_SUPPORT"] = "1 per hour"
    idea_id, _ = _submit(client)
    app.extensions["quartierskarte.store"].ideas.approve(idea_id, "test")
    csrf = _token(client)
    client.post(f"/ideen/{idea_id}/unterstuetzen", data={"csrf_token": csrf})
    fresh = app.test_client()
    response = fresh.post(f"/ideen/{idea_id}/unterstuetzen", data={"csrf_token": _token(fresh)})
    assert response.status_code == 429


@pytest.mark.both_databases
def test_nearby_ideas_are_found_before_submitting(app, client):
    near_id, _ = _submit(client, title="Bank nah")
    far_id, _ = _submit(client, title="Bank fern", lon=8.4820, lat=50.5610)
    store = app.extensions["quartierskarte.store"]
    store.ideas.approve(near_id, "test")
    store.ideas.approve(far_id, "test")
    found = client.get(f"/api/ideas/nearby?lon={INSIDE[0] + 0.0005}&lat={INSIDE[1]}").get_json()
    assert [f["id"] for f in found["features"]] == [near_id]
    wide = client.get(f"/api/ideas/nearby?lon={INSIDE[0]}&lat={INSIDE[1]}&radius=1000").get_json()
    assert [f["id"] for f in wide["features"]] == [near_id, far_id]
    assert client.get("/api/ideas/nearby?lon=x&lat=1").status_code == 400


def test_the_email_appears_in_no_public_response(app, client):
    idea_id, status_path = _submit(client)
    app.extensions["quartierskarte.store"].ideas.approve(idea_id, "test")
    public = [
        "/",
        "/ideen",
        f"/ideen/{idea_id}",
        "/api/layers/ideas",
        f"/api/ideas/{idea_id}",
        "/api/layers",
        f"/api/ideas/nearby?lon={INSIDE[0]}&lat={INSIDE[1]}",
        status_path,
    ]
    for path in public:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "geheim@example.org" not in response.get_data(as_text=True), path


@pytest.mark.parametrize(
    "body",
    [
        b'{"type":"Feature","geometry":{"type":"Point","coordinates":[1e400,50.5]},"properties":{}}',
        b'{"type":"Feature","geometry":{"type":"Point","coordinates":[' + b"9" * 500 + b",50.5]},"
        b'"properties":{}}',
        b'{"type":"Feature","geometry":{"type":"Point","coordinates":[8.47,50.56]},'
        b'"properties":{"title":"\xff\xfe","description":"x","category":"wohnen","consent":true}}',
        b'{"type":"Feature","geometry":{"type":"Point","coordinates":[NaN,Infinity]},'
        b'"properties":{}}',
    ],
)
def test_huge_numbers_broken_utf8_and_nan_are_refused(app, client, body):
    response = client.post("/api/ideas", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] in ("invalid_json", "invalid_submission")
    assert _count_ideas(app) == 0


def test_broken_utf8_in_query_strings_and_forms_gets_a_4xx(app, client):
    assert client.get("/api/layers/measures?status=%FF%FE").status_code == 400
    assert client.get("/massnahmen?category=%C3%28").status_code == 400
    response = client.post(
        "/ideen/neu",
        data=b"title=%FF&csrf_token=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert _count_ideas(app) == 0
