"""schemathesis fuzzes the JSON API and the OGC API against their own OpenAPI documents.

No answer may be a server error, and every answer must match what the document says:
status code, content type, body schema. The number of examples is bounded so that the
suite stays fast; raise FUZZ_EXAMPLES for a longer run.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.factories import add_idea

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
)


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
