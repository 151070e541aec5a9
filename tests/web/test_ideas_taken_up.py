"""Ideas taken up in measures ("aufgegriffen in …"): a planner links them; the idea's and
the measure's pages, both APIs, the exports and the author's status page show it — and
nothing personal."""

from __future__ import annotations

import re

from tests.web.test_export import _store
from tests.web.test_planning import _csrf, _login, _submit_idea


def _approved_idea(client) -> tuple[str, str]:
    idea_id, status_path = _submit_idea(client, title="Sitzbänke am Spielplatz")
    client.post(
        f"/planung/ideen/{idea_id}/freigeben", data={"csrf_token": _csrf(client, "/planung/")}
    )
    return idea_id, status_path


def _link(client, idea_id: str, measure_id: str):
    return client.post(
        f"/planung/ideen/{idea_id}/aufgegriffen",
        data={"csrf_token": _csrf(client, "/planung/"), "measure_id": measure_id},
    )


def test_a_planner_links_an_idea_and_every_view_shows_it(app, client, planner):
    _login(client)
    idea_id, status_path = _approved_idea(client)
    planner_page = client.get(f"/planung/ideen/{idea_id}").get_data(as_text=True)
    assert 'name="measure_id"' in planner_page and "Kinder- und Familienzentrum" in planner_page
    assert _link(client, idea_id, "kifaz").status_code == 302
    assert _store(app).ideas.get(idea_id, ("approved",)).measure_id == "kifaz"
    events = [e.action for e in _store(app).ideas.events(idea_id)]
    assert events[-1] == "linked"
    client.post("/planung/abmelden", data={"csrf_token": _csrf(client, "/planung/")})

    idea_page = client.get(f"/ideen/{idea_id}").get_data(as_text=True)
    assert "Aufgegriffen in der Maßnahme" in idea_page
    assert 'href="/q/dalheim/massnahmen/kifaz"' in idea_page
    measure_page = client.get("/massnahmen/kifaz").get_data(as_text=True)
    assert "Aufgegriffene Ideen" in measure_page and "Sitzbänke am Spielplatz" in measure_page

    [feature] = [
        f for f in client.get("/api/layers/ideas").get_json()["features"] if f["id"] == idea_id
    ]
    assert feature["properties"]["measure_id"] == "kifaz"
    assert client.get(f"/api/ideas/{idea_id}").get_json()["properties"]["measure_id"] == "kifaz"
    ogc = client.get(f"/ogc/collections/ideas/items/{idea_id}?f=json").get_json()
    assert ogc["properties"]["measure_id"] == "kifaz"
    queryables = client.get(
        "/ogc/collections/ideas/schema", headers={"Accept": "application/schema+json"}
    )
    assert "measure_id" in queryables.get_data(as_text=True)

    status_page = client.get(status_path).get_data(as_text=True)
    # One sentence with the measure's link in it (a link, not escaped text).
    assert re.search(
        r'Ihre Idee wurde in der Maßnahme <a href="[^"]*/massnahmen/kifaz" lang="de">'
        r"[^<]+</a> aufgegriffen\.",
        status_page,
    )

    # Nothing personal in what the public reads.
    for path in (
        "/api/layers/ideas",
        f"/api/ideas/{idea_id}",
        f"/ideen/{idea_id}",
        "/massnahmen/kifaz",
    ):
        text = client.get(path).get_data(as_text=True)
        assert "eltern@example.org" not in text, path


def test_unlinking_and_bad_input(app, client, planner):
    _login(client)
    idea_id, _ = _approved_idea(client)
    refused = _link(client, idea_id, "gibt-es-nicht")
    assert refused.status_code == 400
    assert "Bitte wählen Sie eine Maßnahme aus der Liste." in refused.get_data(as_text=True)
    assert _store(app).ideas.get(idea_id, ("approved",)).measure_id is None
    _link(client, idea_id, "kifaz")
    assert _link(client, idea_id, "").status_code == 302
    assert _store(app).ideas.get(idea_id, ("approved",)).measure_id is None
    assert "Aufgegriffene Ideen" not in client.get("/massnahmen/kifaz").get_data(as_text=True)


def test_a_waiting_idea_stays_private_when_linked(app, client, planner):
    _login(client)
    idea_id, _ = _submit_idea(client, title="Noch nicht geprüft")
    assert _link(client, idea_id, "kifaz").status_code == 302
    client.post("/planung/abmelden", data={"csrf_token": _csrf(client, "/planung/")})
    assert "Noch nicht geprüft" not in client.get("/massnahmen/kifaz").get_data(as_text=True)
    assert client.get(f"/api/ideas/{idea_id}").status_code == 404
