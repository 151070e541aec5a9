"""Planners' roles per Quartier: a planner of Dalheim sees and changes nothing of another
Quartier, on every planners' route there is (taken from the app's routes, so a new one
cannot be left out), and each role allows only its part.

The second Quartier is invented for the tests (``tests/factories.py``).
"""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from measures.domain.barriers import validate_report
from measures.domain.beirat import SessionInput
from measures.domain.ideas import hash_token
from measures.storage import schema
from tests.factories import (
    EXAMPLE_LAT,
    EXAMPLE_LON,
    EXAMPLE_SLUG,
    PASSWORD,
    add_example_quartier,
    add_idea,
    create_planner,
)

PREFIX = "/q/<quartier>"
BEIRAT_SESSION = SessionInput(
    "Sitzung des Stadtteilbeirats", datetime(2025, 3, 13, 17, tzinfo=UTC), None, "KiFaZ", "", True
)


# A barrier report of each Quartier, by id.
REPORTS = {"dalheim": "bericht-hier", EXAMPLE_SLUG: "bericht-dort"}


def _add_report(store, quartier: str) -> None:
    new = validate_report({"description": "Eine Barriere."})
    report = dataclasses.replace(new.report, id=REPORTS[quartier])
    store.barriers.add(
        dataclasses.replace(new, report=report), hash_token("t" + quartier), quartier
    )


@pytest.fixture
def two(store, seed):
    add_example_quartier(store, seed)
    for quartier in REPORTS:
        _add_report(store, quartier)
    add_idea(store, "hier", state="pending")
    add_idea(
        store, "dort", state="pending", quartier=EXAMPLE_SLUG, lon=EXAMPLE_LON, lat=EXAMPLE_LAT
    )
    session_id = store.beirat.create("dalheim", BEIRAT_SESSION, "lea")
    store.beirat.add_item("dalheim", session_id, "measure", "kifaz", "", "")
    return store


def _grant(runner, name: str, quartier: str, role: str) -> None:
    result = runner.invoke(args=["planner", "grant", name, "--quartier", quartier, "--role", role])
    assert result.exit_code == 0, result.output


def _login(client, name: str = "lea") -> str:
    """Log in; the CSRF token of the session for the forms."""
    path = "/q/dalheim/planung/anmelden"
    html = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    client.post(path, data={"username": name, "password": PASSWORD, "csrf_token": token})
    html = client.get("/q/dalheim/export").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _planners_routes(app):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(PREFIX)
        and getattr(app.view_functions[rule.endpoint], "planners_only", False)
    ]


def _path(rule, quartier: str, idea_id: str, version_id: int = 1) -> str:
    path = rule.rule.replace(PREFIX, f"/q/{quartier}")
    values = {
        "kind": "massnahmen",
        "record_id": "kifaz",
        "version_id": str(version_id),
        "idea_id": idea_id,
        "token": "a" * 32,
        "fmt": "csv",
        "measure_id": "kifaz",
        "photo_id": "unbekannt",
        "planner_id": "1",  # lea, the first account
        "comment_id": "unbekannt",
        "report_id": REPORTS[quartier],
        # The KiFaZ's first step (the seed's first).
        "step_id": "1",
        "file_id": "1",
        "table": "status",
        # Dalheim's session and its item (the fixture ``two``).
        "session_id": "1",
        "item_id": "1",
    }
    return re.sub(r"<(?:[^:>]+:)?(\w+)>", lambda m: values[m.group(1)], path)


def _snapshot(store) -> dict:
    with store.engine.connect() as connection:
        return {
            table: sorted(map(tuple, connection.execute(sa.select(schema.metadata.tables[table]))))
            for table in (
                "ideas",
                "idea_events",
                "measures",
                "contact_exports",
                "barrier_reports",
                "beirat_sessions",
                "beirat_items",
            )
        }


@pytest.mark.both_databases
def test_a_planner_of_dalheim_sees_and_changes_nothing_of_another_quartier(
    app, client, runner, two
):
    create_planner(runner)  # two Quartiere: no role of itself
    _grant(runner, "lea", "dalheim", "admin")
    token = _login(client)
    routes = _planners_routes(app)
    assert len(routes) >= 12
    before = _snapshot(two)
    for rule in routes:
        path = _path(rule, EXAMPLE_SLUG, "dort")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": token, "reason": "Nein.", "title": "T", "description": "D"}
            answer = client.open(path, method=method, data=data if method == "POST" else None)
            answer.close()
            assert answer.status_code == 404, (method, path, answer.status_code)
    assert _snapshot(two) == before
    # In Dalheim the same planner reaches the pages.
    version_id = two.versions.history("measures", "kifaz")[0].id
    for rule in routes:
        if "GET" in rule.methods and "token" not in rule.arguments:
            path = _path(rule, "dalheim", "hier", version_id)
            answer = client.get(path)
            answer.close()  # a download streams from a file
            assert answer.status_code == 200, path


@pytest.mark.both_databases
def test_without_a_role_in_a_quartier_its_planners_area_is_not_there(client, runner, two):
    create_planner(runner)
    _grant(runner, "lea", EXAMPLE_SLUG, "moderate")
    _login(client)
    assert client.get("/q/dalheim/planung/").status_code == 404
    assert client.get("/q/beispiel/planung/").status_code == 200
    queue = client.get("/q/beispiel/planung/").get_data(as_text=True)
    assert "dort" in queue and "Idee hier" not in queue


@pytest.mark.both_databases
def test_each_role_allows_its_part_only(client, runner, two):
    create_planner(runner)
    _grant(runner, "lea", "dalheim", "moderate")
    token = _login(client)
    assert client.get("/q/dalheim/planung/").status_code == 200
    assert client.get("/q/dalheim/planung/import/").status_code == 404  # needs "edit"
    assert client.get("/q/dalheim/planung/massnahmen/").status_code == 404  # needs "edit"
    assert client.get("/q/dalheim/planung/orte/neu").status_code == 404
    forbidden = client.post(
        "/q/dalheim/export/ideas-all", data={"csrf_token": token, "contact": "1"}
    )
    assert forbidden.status_code == 403  # contact data: only "admin"
    assert "Rolle admin" in forbidden.get_data(as_text=True)
    assert two.contact_exports.latest() == []
    _grant(runner, "lea", "dalheim", "edit")
    assert client.get("/q/dalheim/planung/import/").status_code == 200
    assert client.get("/q/dalheim/planung/massnahmen/").status_code == 200
    # Each Quartier's own records only: Dalheim's measure is not there in another one.
    _grant(runner, "lea", EXAMPLE_SLUG, "edit")
    assert client.get("/q/dalheim/planung/massnahmen/kifaz").status_code == 200
    assert client.get(f"/q/{EXAMPLE_SLUG}/planung/massnahmen/kifaz").status_code == 404


def test_a_single_quartier_installation_grants_new_accounts_everything_there(runner, app):
    result = runner.invoke(args=["planner", "create", "tom", "--password-stdin"], input=PASSWORD)
    assert result.exit_code == 0 and "Rolle admin im Quartier dalheim" in result.output
    store = app.extensions["quartierskarte.store"]
    tom = store.planners.by_name("tom")
    assert store.planners.roles(tom.id, "dalheim") == {"admin"}


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["planner", "grant", "niemand", "--quartier", "dalheim", "--role", "edit"], "gibt es"),
        (["planner", "grant", "lea", "--quartier", "nirgends", "--role", "edit"], "gibt es"),
        (["planner", "grant", "lea", "--quartier", "dalheim", "--role", "chef"], "chef"),
    ],
)
def test_a_wrong_grant_is_refused(runner, planner, args, words):
    result = runner.invoke(args=args)
    assert result.exit_code != 0 and words in result.output
