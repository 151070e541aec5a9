"""The planners' area: accounts, login, the moderation actions and their history."""

from __future__ import annotations

import re

import pytest

from app import auth
from tests.factories import PASSWORD, idea_feature


def _csrf(client, path="/planung/anmelden") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _login(client, name="lea", password=PASSWORD):
    return client.post(
        "/planung/anmelden",
        data={"username": name, "password": password, "csrf_token": _csrf(client)},
    )


def _submit_idea(client, title="Bank am Spielplatz") -> tuple[str, str]:
    feature = idea_feature(
        title=title,
        description="Mit Blick auf den Spielplatz; Tel. 0170 1234567",
        category="spiel_freizeit",
        email="eltern@example.org",
    )
    body = client.post("/api/ideas", json=feature).get_json()
    return body["id"], body["status_url"].split("localhost", 1)[1]


def test_accounts_are_created_from_the_command_line(runner, planner):
    again = runner.invoke(
        args=["planner", "create", "lea", "--password-stdin"], input=PASSWORD + "\n"
    )
    assert again.exit_code == 1 and "gibt es schon" in again.output
    short = runner.invoke(args=["planner", "create", "max", "--password-stdin"], input="kurz\n")
    assert short.exit_code == 1 and "mindestens 12 Zeichen" in short.output


def test_every_planner_route_refuses_anonymous_users(app, client, planner):
    idea_id, _ = _submit_idea(client)
    token = _csrf(client)
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/planung")]
    assert len(rules) >= 9
    for rule in rules:
        # The login's steps, and the setup link of an invited planner, which is its key.
        if rule.endpoint in ("planning.login", "planning.logout", "account.setup"):
            continue
        path = rule.rule.replace("<idea_id>", idea_id).replace("<record_id>", "kifaz")
        path = path.replace("<any(massnahmen, orte):kind>", "massnahmen")
        path = re.sub(r"<int:\w+>", "1", path)  # numbers: an account, a session
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(path, method=method, data={"csrf_token": token})
            assert response.status_code == 302, (method, path)
            assert "/planung/anmelden" in response.headers["Location"], (method, path)
    store = app.extensions["quartierskarte.store"]
    assert store.ideas.get(idea_id, ("pending",)) is not None, "nothing was changed"


def test_wrong_passwords_are_refused_and_logins_are_rate_limited(app, client, planner):
    app.config["RATELIMIT_LOGIN"] = "3 per minute"
    assert _login(client, password="falsch-falsch-falsch").status_code == 401
    assert _login(client, name="niemand").status_code == 401
    assert _login(client).status_code == 302
    assert _login(client).status_code == 429


def test_every_login_checks_one_password_hash_known_name_or_not(
    app, client, runner, planner, monkeypatch
):
    """An unknown name costs the same hash check as a known one, so the time of the
    answer tells no names apart (the times themselves are measured by `make bench`)."""
    app.config["RATELIMIT_LOGIN"] = "100 per minute"
    checked = []
    real_check = auth.check_password_hash

    def counting_check(stored_hash, password):
        checked.append(stored_hash.split("$", 1)[0])
        return real_check(stored_hash, password)

    monkeypatch.setattr(auth, "check_password_hash", counting_check)
    method = app.extensions["quartierskarte.store"].planners.by_name("lea").password_hash
    method = method.split("$", 1)[0]
    attempts = [
        ("niemand", PASSWORD, 401),
        ("", PASSWORD, 401),
        ("lea", "falsch-falsch-falsch", 401),
        ("lea", PASSWORD, 302),
    ]
    for name, password, status in attempts:
        checked.clear()
        assert _login(client, name, password).status_code == status, name
        # One check each, with the same method and parameters as the stored hashes.
        assert checked == [method], name
    assert runner.invoke(args=["planner", "deactivate", "lea"]).exit_code == 0
    checked.clear()
    assert _login(client, "lea", PASSWORD).status_code == 401
    assert checked == [method]


def test_session_cookie_is_httponly_and_samesite(client, planner):
    cookie = _login(client).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_logout_voids_every_copy_of_the_session(app, client, planner):
    _login(client)
    assert client.get("/planung/").status_code == 200
    stolen = client.get_cookie("session").value
    client.post("/planung/abmelden", data={"csrf_token": _csrf(client, "/planung/")})
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/planung/")
    assert response.status_code == 302 and "/planung/anmelden" in response.headers["Location"]


def test_a_deactivated_planner_is_logged_out_at_once(app, client, runner, planner):
    _login(client)
    assert runner.invoke(args=["planner", "deactivate", "lea"]).exit_code == 0
    assert client.get("/planung/").status_code == 302


@pytest.mark.both_databases
def test_moderation_end_to_end_with_history(app, client, planner):
    store = app.extensions["quartierskarte.store"]
    idea_id, status_path = _submit_idea(client)
    _login(client)
    queue = client.get("/planung/").get_data(as_text=True)
    assert "Bank am Spielplatz" in queue
    # The planner may see the e-mail to reply; the public never does.
    detail = client.get(f"/planung/ideen/{idea_id}").get_data(as_text=True)
    assert "eltern@example.org" in detail
    token = _csrf(client, f"/planung/ideen/{idea_id}")

    edited = client.post(
        f"/planung/ideen/{idea_id}/bearbeiten",
        data={
            "title": "Bank am Spielplatz",
            "description": "Mit Blick auf den Spielplatz",
            "csrf_token": token,
        },
    )
    assert edited.status_code == 302
    idea = store.ideas.get(idea_id, ("pending",))
    assert idea.description == "Mit Blick auf den Spielplatz"
    assert "0170 1234567" in idea.original_description

    client.post(f"/planung/ideen/{idea_id}/freigeben", data={"csrf_token": token})
    assert [i.id for i in store.layers.records("ideas")] == [idea_id]
    assert "freigegeben" in client.get(status_path).get_data(as_text=True)
    assert idea_id in client.get("/api/layers/ideas").get_data(as_text=True)

    missing_reason = client.post(
        f"/planung/ideen/{idea_id}/ablehnen", data={"reason": "", "csrf_token": token}
    )
    assert missing_reason.status_code == 400
    assert store.layers.record("ideas", idea_id).moderation_state == "approved", (
        "a refused action changes nothing"
    )
    client.post(
        f"/planung/ideen/{idea_id}/ablehnen",
        data={"reason": "Liegt auf Privatgrund <b>", "csrf_token": token},
    )
    status_html = client.get(status_path).get_data(as_text=True)
    assert "abgelehnt" in status_html and "Liegt auf Privatgrund &lt;b&gt;" in status_html
    assert store.layers.records("ideas") == []

    converted = client.post(f"/planung/ideen/{idea_id}/massnahme", data={"csrf_token": token})
    assert converted.status_code == 302
    # A draft, which the planner completes in its form before it goes public.
    measure_id = f"idee-{idea_id}"
    assert converted.location == f"/q/dalheim/planung/massnahmen/{measure_id}"
    form_page = client.get(converted.location).get_data(as_text=True)
    assert "Entwurf der Maßnahme „" + measure_id in form_page
    draft = store.editing.get("measures", measure_id, "dalheim")
    assert draft.publication == "draft"
    assert draft.record.status == "idee" and draft.record.title == "Bank am Spielplatz"
    assert store.layers.record("measures", measure_id) is None
    assert client.get(f"/massnahmen/{measure_id}").status_code == 404
    assert store.ideas.get(idea_id, ("rejected",)).measure_id == measure_id
    idea_page = client.get(f"/planung/ideen/{idea_id}").get_data(as_text=True)
    assert f'href="/q/dalheim/planung/massnahmen/{measure_id}">Bank am Spielplatz</a>' in idea_page

    actions = [(e.action, e.actor) for e in store.ideas.events(idea_id)]
    assert actions == [
        ("submitted", "resident"),
        ("edited", "lea"),
        ("approved", "lea"),
        ("rejected", "lea"),
        ("converted", "lea"),
    ]
    log = client.get("/planung/protokoll").get_data(as_text=True)
    # By title and with readers' words for who acted, not by id and "resident".
    assert log.count(f'href="/q/dalheim/planung/ideen/{idea_id}">Bank am Spielplatz</a>') == 5
    assert log.count("Quartiersmanagement: lea") == 4
    assert "die Person, die die Idee eingetragen hat" in log and ">resident<" not in log


def _planner_acting_on(client, *titles):
    """Ideas with these titles (id, status path), and a logged-in planner's action on one:
    ``act(idea_id, "freigeben", **form)``."""
    ideas = [_submit_idea(client, title) for title in titles]
    _login(client)
    token = _csrf(client, "/planung/")

    def act(idea_id, action, **form):
        return client.post(f"/planung/ideen/{idea_id}/{action}", data={"csrf_token": token, **form})

    return ideas, act


def test_the_idea_page_shows_the_spot_nearby_ideas_by_title_and_the_next_waiting_idea(
    app, client, planner
):
    store = app.extensions["quartierskarte.store"]
    ideas, act = _planner_acting_on(client, "Trinkbrunnen beim Bürgerhaus", "Trinkbrunnen bitte")
    (first, _), (second, _) = ideas
    act(first, "freigeben")
    page = client.get(f"/planung/ideen/{second}").get_data(as_text=True)
    # A map of the spot, drawn by folium like the residents' maps.
    assert 'class="folium-map"' in page and "quartierskarteLayers" in page
    # The duplicate is chosen by title among the approved ideas nearby, not by a typed id.
    assert f'<option value="{first}">Trinkbrunnen beim Bürgerhaus (' in page
    assert 'name="duplicate_of" type="text"' not in page
    assert act(second, "doppelt", duplicate_of=first).status_code == 302
    marked = client.get(f"/planung/ideen/{second}").get_data(as_text=True)
    assert f'href="/q/dalheim/planung/ideen/{first}">Trinkbrunnen beim Bürgerhaus</a>' in marked
    # After a decision, the next idea that waits is one click away.
    third, _ = _submit_idea(client, "Fahrradständer am Markt")
    decided = client.get(f"/planung/ideen/{first}").get_data(as_text=True)
    assert "Nächste wartende Idee:" in decided
    assert f'href="/q/dalheim/planung/ideen/{third}">Fahrradständer am Markt</a>' in decided
    assert store.ideas.get(third, ("pending",)) is not None


def test_the_idea_page_names_who_did_each_step_in_words(app, client, planner):
    ideas, act = _planner_acting_on(client, "Bank am Spielplatz")
    ((idea_id, _),) = ideas
    act(idea_id, "freigeben")
    page = client.get(f"/planung/ideen/{idea_id}").get_data(as_text=True)
    timeline = page.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]
    assert "die Person, die die Idee eingetragen hat" in timeline
    assert f"Quartiersmanagement: {planner}" in timeline
    # Not the stored code of the actor.
    assert "– resident" not in timeline


@pytest.mark.both_databases
def test_duplicates_and_deletion(app, client, planner):
    store = app.extensions["quartierskarte.store"]
    ideas, act = _planner_acting_on(
        client, "Trinkbrunnen beim Bürgerhaus", "Trinkbrunnen bitte", "Noch ein Trinkbrunnen"
    )
    (first, _), (second, second_status), (third, third_status) = ideas

    def mark(idea_id, other):
        return act(idea_id, "doppelt", duplicate_of=other)

    assert mark(second, second).status_code == 400
    # The original still waits for its check: its title and page are nobody else's yet.
    assert mark(second, first).status_code == 302
    status_html = client.get(second_status).get_data(as_text=True)
    assert "Diese Idee gibt es schon." in status_html
    assert "Bürgerhaus" not in status_html and f"/ideen/{first}" not in status_html

    # Once it is public, the status page links to it, and a later duplicate names it.
    act(first, "freigeben")
    status_html = client.get(second_status).get_data(as_text=True)
    assert f'href="/q/dalheim/ideen/{first}"' in status_html
    assert mark(third, first).status_code == 302
    status_html = client.get(third_status).get_data(as_text=True)
    assert "Diese Idee gibt es schon: „Trinkbrunnen beim Bürgerhaus“." in status_html
    assert f'href="/q/dalheim/ideen/{first}"' in status_html

    # Not on one click: without the confirmation the page asks for it and keeps the idea.
    unconfirmed = act(second, "loeschen")
    assert unconfirmed.status_code == 400
    assert "Bitte bestätigen Sie" in unconfirmed.get_data(as_text=True)
    assert store.ideas.contact(second) is not None
    act(second, "loeschen", bestaetigt="ja")
    deleted = store.ideas.get(second, ("deleted",))
    assert deleted.title == "[gelöscht]" and deleted.description == ""
    assert store.ideas.contact(second) is None
    assert client.get(second_status).status_code == 404
    assert [e.action for e in store.ideas.events(second)][-1] == "deleted"


def _history_and_measures(store, *idea_ids) -> tuple:
    """Everything a refused action could have changed."""
    return (
        [store.ideas.get(i, ("pending", "approved", "rejected", "deleted")) for i in idea_ids],
        [store.ideas.events(i) for i in idea_ids],
        [m.id for m in store.layers.records("measures")],
        store.layers.changed_at("ideas"),
        store.layers.changed_at("measures"),
    )


@pytest.mark.both_databases
def test_repeated_actions_and_actions_on_a_deleted_idea_change_nothing(app, client, planner):
    """A second click, or a planner a moment behind another: a clear answer, no change."""
    store = app.extensions["quartierskarte.store"]
    ideas, post = _planner_acting_on(client, "Trinkbrunnen", "Sitzbank", "Fahrradständer")
    (first, _), (second, _), (gone, _) = ideas

    assert post(first, "freigeben").status_code == 302
    assert post(first, "massnahme").status_code == 302
    assert post(second, "ablehnen", reason="Gibt es schon.").status_code == 302
    assert post(gone, "loeschen", bestaetigt="ja").status_code == 302
    before = _history_and_measures(store, first, second, gone)

    repeated = [
        (first, "freigeben", {}, "Die Idee ist schon freigegeben."),
        (first, "massnahme", {}, "Aus der Idee ist schon eine Maßnahme geworden."),
        (second, "ablehnen", {"reason": "Noch einmal."}, "Die Idee ist schon abgelehnt."),
        (gone, "loeschen", {"bestaetigt": "ja"}, "Die Idee ist gelöscht"),
        (gone, "freigeben", {}, "Die Idee ist gelöscht"),
        (gone, "ablehnen", {"reason": "Warum nicht."}, "Die Idee ist gelöscht"),
        (gone, "bearbeiten", {"title": "Neu", "description": "Neu"}, "Die Idee ist gelöscht"),
        (gone, "massnahme", {}, "Die Idee ist gelöscht"),
        (gone, "doppelt", {"duplicate_of": first}, "Die Idee ist gelöscht"),
    ]
    for idea_id, action, data, message in repeated:
        response = post(idea_id, action, **data)
        assert response.status_code == 409, (idea_id, action)
        html = response.get_data(as_text=True)
        assert message in html and 'role="alert"' in html, (idea_id, action)

    # Of a deleted (or unknown) idea nothing can be a duplicate.
    for other in (gone, "gibt-es-nicht"):
        response = post(second, "doppelt", duplicate_of=other)
        assert response.status_code == 400
        assert "Bitte die Kennung einer anderen, offenen Idee angeben." in response.get_data(
            as_text=True
        )
    assert _history_and_measures(store, first, second, gone) == before

    # An idea its author withdrew meanwhile is not there any more.
    assert store.ideas.withdraw(gone)
    assert post(gone, "freigeben").status_code == 404
