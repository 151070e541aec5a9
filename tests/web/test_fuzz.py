"""Fuzzing: schemathesis against the OpenAPI documents, and hostile input everywhere.

schemathesis fuzzes the JSON API and the OGC API against their own OpenAPI documents: no
answer may be a server error, and every answer must match what the document says (status
code, content type, body schema). It sends what the documents allow; the tests below send
what they do not (``tests/web/hostile.py``) to every query parameter of the JSON API, the
OGC API, the exports and the pages, to the idea's JSON body and form, and to the redirect
targets of the language switch and the login. No answer may be a server error; a refused
submission changes no row, an accepted one is stored without bidi controls.

The number of examples is bounded so that the suite stays fast; raise FUZZ_EXAMPLES for a
longer run. Every run draws the same examples (derandomize, no example database), so CI
is deterministic.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance

from measures.domain.layers import LAYERS
from measures.gis import export
from measures.reading.parameters import LAYER_PARAMETERS
from tests.factories import PASSWORD, add_idea, create_planner, idea_feature
from tests.web.hostile import (
    QUERY_VALUES,
    database_rows,
    json_values,
    percent_encoded,
    query_string,
    redirect_targets,
    texts,
    to_json,
)

# Our checks are stricter than a schema can say (a bbox's minimum before its maximum, a
# point inside the Quartier, a deep JSON nesting limit), so a schema-valid request may be
# refused with 400: that check is off; every other one, from "no 5xx" to the response
# schema, stays on.
STRICTER_THAN_SCHEMA = [positive_data_acceptance]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


def _examples(count: int) -> settings:
    """FUZZ_SETTINGS with ``count`` examples (scaled with FUZZ_EXAMPLES)."""
    return settings(FUZZ_SETTINGS, max_examples=max(1, count * EXAMPLES // 15))


@pytest.fixture
def fuzz_app(store, make_app):
    # One approved idea, so that the answers about ideas are checked with content.
    add_idea(
        store,
        "fuzz",
        title="Mehr Bänke",
        description="Am Spielplatz fehlen Bänke.",
        category="spiel_freizeit",
    )
    # The fuzzer sends far more requests than any person would.
    return make_app(RATELIMIT_ENABLED=False)


@pytest.fixture
def api_schema(fuzz_app):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", fuzz_app)


@pytest.fixture
def ogc_schema(fuzz_app):
    return schemathesis.openapi.from_wsgi("/ogc/api?f=json", fuzz_app)


def _fuzz(schema) -> list[str]:
    """Run every operation of the schema; returns the operations it covered."""
    covered = []
    for result in schema.get_all_operations():
        operation = result.ok()

        # schemathesis' pytest plugin does not yet work with this pytest; its strategies
        # and checks do, driven by hypothesis directly.
        @FUZZ_SETTINGS
        @given(case=operation.as_strategy())
        def run(case):
            # The WSGI test client cannot decode Brotli/zstd; compression is tested elsewhere.
            case.call_and_validate(
                headers={"Accept-Encoding": "identity"}, excluded_checks=STRICTER_THAN_SCHEMA
            )

        run()
        covered.append(operation.label)
    return covered


@pytest.mark.both_databases
def test_json_api_matches_its_openapi_document(api_schema):
    covered = _fuzz(api_schema)
    assert "POST /api/ideas" in covered and "GET /api/layers/measures" in covered
    assert "GET /api/layers/ideas/points" in covered


@pytest.mark.both_databases
def test_ogc_api_matches_its_openapi_document(ogc_schema):
    covered = _fuzz(ogc_schema)
    assert any(label.endswith("/items") for label in covered)


# -- hostile input ------------------------------------------------------------------------

# An id for the paths that name one feature; which one does not matter to the parameters.
FEATURE_ID = "kifaz"
# The pages' own query parameters (app/pages.py).
PAGE_PARAMETERS = {
    "/": ("status", "category", "sort"),
    "/massnahmen": ("status", "category"),
    "/ideen": ("sort", "category"),
    "/orte": ("kind",),
}
# Bidi controls must never be stored (measures.domain.texts).
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@pytest.fixture
def form_app(store, make_app):
    """The app without CSRF tokens and rate limits, for sending forms by the hundred."""
    return make_app(RATELIMIT_ENABLED=False, WTF_CSRF_ENABLED=False)


def _openapi_parameters(client, document: str, prefix: str) -> dict[str, set[str]]:
    """Query parameter → the paths (ids filled in) whose GET operations take it."""
    spec = client.get(document).get_json()
    shared = spec.get("components", {}).get("parameters", {})
    found: dict[str, set[str]] = {}
    for path, item in spec["paths"].items():
        operation = item.get("get")
        if operation is None:
            continue
        concrete = prefix + path.replace("{id}", FEATURE_ID).replace("{featureId}", FEATURE_ID)
        for parameter in operation.get("parameters", []):
            if "$ref" in parameter:
                parameter = shared[parameter["$ref"].rsplit("/", 1)[1]]
            if parameter["in"] == "query":
                found.setdefault(parameter["name"], set()).add(concrete)
    return found


def _query_targets(client) -> dict[str, list[str]]:
    """Every query parameter of the JSON API, the OGC API, the exports, the pages, the
    language switch and the login → the paths that take it."""
    targets = _openapi_parameters(client, "/api/openapi.json", "")
    for name, paths in _openapi_parameters(client, "/ogc/api?f=json", "/ogc").items():
        targets.setdefault(name, set()).update(paths)
    every_filter = set().union(*LAYER_PARAMETERS.values())
    for layer in LAYERS:
        # CSV: the cheapest file to build when a value happens to be valid.
        for name in LAYER_PARAMETERS[layer] | export.OPTIONS:
            targets.setdefault(name, set()).add(f"/export/{layer}.csv")
    for name in every_filter | export.OPTIONS | {"layer", "format", "crs_other"}:
        targets.setdefault(name, set()).add("/export/herunterladen")
    for path, names in PAGE_PARAMETERS.items():
        for name in names:
            targets.setdefault(name, set()).add(path)
    for path in ("/sprache/en", "/planung/anmelden"):
        targets.setdefault("weiter", set()).add(path)
    return {name: sorted(paths) for name, paths in sorted(targets.items())}


@pytest.mark.parametrize("kind", QUERY_VALUES)
def test_no_query_parameter_makes_a_server_error(fuzz_app, kind):
    """Each example sends one hostile value of ``kind`` to every parameter, one at a time
    (one wrong parameter must not hide another), at a path that takes it."""
    client = fuzz_app.test_client()
    targets = _query_targets(client)
    assert {"limit", "offset", "datetime", "from", "to", "weiter", "bbox"} <= targets.keys()

    @_examples(8)
    @given(data=st.data())
    def run(data):
        for name, paths in targets.items():
            path = data.draw(st.sampled_from(paths), label="path")
            value = data.draw(QUERY_VALUES[kind], label=name)
            # Closed at once: an export streams its file until then.
            with client.get(f"{path}?{query_string({name: [value]})}") as response:
                assert response.status_code < 500, (path, name, value)

    run()


def _stored_texts(store, idea_id: str) -> str:
    idea = store.ideas.get(idea_id, ("pending",))
    contact = store.ideas.contact(idea_id)
    return idea.title + idea.description + (contact.author_name + contact.email if contact else "")


def _clean(text: str) -> bool:
    return not BIDI_CONTROLS & set(text) and not any("\ud800" <= c <= "\udfff" for c in text)


SUBMITTED = ("title", "description", "category", "author_name", "email", "consent")


@pytest.mark.both_databases
def test_hostile_json_submissions_are_refused_or_stored_clean(fuzz_app, store):
    """Each property and coordinate of POST /api/ideas in turn gets a value of any JSON
    type: objects, lists, huge numbers, texts with surrogates, controls and bidi marks."""
    client = fuzz_app.test_client()

    @_examples(10)
    @given(data=st.data())
    def run(data):
        for field in (*SUBMITTED, "lon", "lat"):
            value = data.draw(json_values, label=field)
            feature = idea_feature()
            if field in ("lon", "lat"):
                feature["geometry"]["coordinates"][field == "lat"] = value
            else:
                feature["properties"][field] = value
            before = database_rows(store.engine)
            response = client.post(
                "/api/ideas", data=to_json(feature), content_type="application/geo+json"
            )
            assert response.status_code in (201, 400), (field, value, response.status_code)
            if response.status_code == 400:
                assert response.get_json()["error"]["status"] == 400
                assert database_rows(store.engine) == before, (field, value)
            else:
                assert _clean(_stored_texts(store, response.get_json()["id"])), (field, value)

    run()


def test_hostile_form_submissions_are_refused_or_stored_clean(form_app, store):
    """The idea form without JavaScript, each field in turn, sent as a broken client
    sends it: bytes that are no UTF-8 included."""
    client = form_app.test_client()
    valid = {
        "title": "Trinkbrunnen",
        "description": "Am Berliner Ring.",
        "category": "wohnumfeld_gruen",
        "consent": "on",
        "spot": "ort:kifaz",
    }

    @_examples(6)
    @given(data=st.data())
    def run(data):
        for field in (*SUBMITTED, "lon", "lat", "spot", "website"):
            value = data.draw(texts, label=field)
            fields = {**valid, field: value}
            body = "&".join(f"{k}={percent_encoded(v)}" for k, v in fields.items())
            before = database_rows(store.engine)
            response = client.post(
                "/ideen/neu", data=body, content_type="application/x-www-form-urlencoded"
            )
            assert response.status_code in (302, 400), (field, value, response.status_code)
            if response.status_code == 400:
                assert database_rows(store.engine) == before, (field, value)

    run()
    submitted = store.ideas.find(("pending",))
    assert submitted and all(_clean(_stored_texts(store, idea.id)) for idea in submitted)


def _stays_on_the_site(response, target: str) -> None:
    assert response.status_code in (302, 400), (target, response.status_code)
    if response.status_code == 302:
        location = response.headers["Location"]
        assert location.startswith("/") and not location.startswith(("//", "/\\")), target
        assert not urlsplit(location).netloc and location.isprintable(), target


def test_redirects_stay_on_the_site(form_app, store):
    """The language switch and the login go on only to a path of this site; anything else
    is refused and changes nothing (no session, no new nonce)."""
    client = form_app.test_client()
    create_planner(form_app.test_cli_runner())

    @_examples(40)
    @given(target=redirect_targets)
    def run(target):
        _stays_on_the_site(client.get(f"/sprache/en?weiter={percent_encoded(target)}"), target)
        before = database_rows(store.engine)
        login = client.post(
            "/planung/anmelden",
            data=f"username=lea&password={PASSWORD}&weiter={percent_encoded(target)}",
            content_type="application/x-www-form-urlencoded",
        )
        _stays_on_the_site(login, target)
        if login.status_code == 400:
            assert database_rows(store.engine) == before, target
            assert "session" not in login.headers.get("Set-Cookie", ""), target

    run()
