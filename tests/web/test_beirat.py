"""The Stadtteilbeirat in the browser's forms: a planner plans a session, fills its agenda
by choosing measures and ideas by title, records outcomes that move the measures along;
the public reads public sessions and their iCalendar feed; bad input is answered in
German and changes nothing; others get nothing."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pypdf
import pytest
import sqlalchemy as sa

from measures.storage import schema
from tests.factories import create_planner, measure
from tests.web.test_export import _store
from tests.web.test_planning import _csrf, _login, _submit_idea

BASE = "/planung/beirat"
BERLIN = ZoneInfo("Europe/Berlin")
FIRST, SECOND = "spielhaus-erweiterung", "abriss-alte-kita"


@pytest.fixture
def planner_client(client, planner):
    _login(client)
    return client


def _token(client) -> str:
    return _csrf(client, f"{BASE}/neu")


def _session_form(client, **fields) -> dict:
    return {
        "csrf_token": _token(client),
        "title": "Sitzung des Stadtteilbeirats Dalheim",
        "date": "2025-03-13",
        "start": "18:00",
        "end": "20:00",
        "place": "Kinder- und Familienzentrum",
        "address": "Berliner Ring 39, 35576 Wetzlar",
        "public": "ja",
        **fields,
    }


def _create(client, **fields) -> int:
    response = client.post(f"{BASE}/neu", data=_session_form(client, **fields))
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(re.search(r"/beirat/(\d+)$", response.headers["Location"]).group(1))


def _add(client, session_id: int, **fields):
    return client.post(f"{BASE}/{session_id}/punkte", data={"csrf_token": _token(client), **fields})


def _snapshot(store) -> dict:
    with store.engine.connect() as connection:
        return {
            name: sorted(map(tuple, connection.execute(sa.select(schema.metadata.tables[name]))))
            for name in ("beirat_sessions", "beirat_items", "measure_steps", "record_versions")
        }


@pytest.mark.both_databases
def test_a_planner_plans_a_session_and_records_outcomes_that_move_the_measures(app, planner_client):
    client, store = planner_client, _store(app)
    idea_id, status_path = _submit_idea(client, title="Trinkbrunnen am Berliner Ring")
    session_id = _create(client)
    page = client.get(f"{BASE}/{session_id}").get_data(as_text=True)
    # Measures and ideas are chosen by their titles.
    titles = {m.id: m.title for m in store.layers.records("measures")}
    assert f'<option value="{FIRST}">{titles[FIRST]}</option>' in page
    assert f'<option value="{idea_id}">Trinkbrunnen am Berliner Ring</option>' in page

    assert _add(client, session_id, kind="measure", measure=FIRST).status_code == 303
    assert _add(client, session_id, kind="measure", measure=SECOND).status_code == 303
    assert _add(client, session_id, kind="idea", idea=idea_id).status_code == 303
    assert _add(client, session_id, kind="topic", title="Verschiedenes").status_code == 303
    session = store.beirat.session("dalheim", session_id)
    assert [i.kind for i in session.items] == ["measure", "measure", "idea", "topic"]
    # The idea one place up.
    idea_item = session.items[2]
    moved = client.post(
        f"{BASE}/{session_id}/punkte/{idea_item.id}/verschieben",
        data={"csrf_token": _token(client), "richtung": "hoch"},
    )
    assert moved.status_code == 303
    session = store.beirat.session("dalheim", session_id)
    assert [i.ref for i in session.items[:3]] == [FIRST, idea_id, SECOND]

    steps_before = {m: len(store.decision_path.steps(m)) for m in (FIRST, SECOND)}
    for item, outcome, votes in [
        (session.items[0], "empfohlen", ("8", "1", "2")),
        (session.items[1], "zur_kenntnis", ("", "", "")),
        (session.items[2], "nicht_empfohlen", ("3", "7", "")),
    ]:
        path = f"{BASE}/{session_id}/punkte/{item.id}"
        assert client.get(path).status_code == 200
        response = client.post(
            path,
            data={
                "csrf_token": _token(client),
                "outcome": outcome,
                "votes_yes": votes[0],
                "votes_no": votes[1],
                "votes_abstain": votes[2],
                "note": "Einstimmig gewünscht." if outcome == "empfohlen" else "",
            },
        )
        assert response.status_code == 303, response.get_data(as_text=True)

    for measure_id, status in [(FIRST, "vom_beirat_empfohlen"), (SECOND, "zurueckgestellt")]:
        assert store.layers.record("measures", measure_id).status == status
        steps = store.decision_path.steps(measure_id)
        assert len(steps) == steps_before[measure_id] + 1
        assert (steps[-1].date, steps[-1].body) == ("2025-03-13", "stadtteilbeirat")

    # Recorded again: the same step changes.
    again = client.post(
        f"{BASE}/{session_id}/punkte/{session.items[0].id}",
        data={"csrf_token": _token(client), "outcome": "vertagt"},
    )
    assert again.status_code == 303
    assert len(store.decision_path.steps(FIRST)) == steps_before[FIRST] + 1
    assert store.layers.record("measures", FIRST).status == "idee"

    # The session page offers its Sitzungsunterlage; the PDF holds the recorded outcome.
    page = client.get(f"{BASE}/{session_id}").get_data(as_text=True)
    paper_url = f"/q/dalheim/planung/berichte/sitzungen/{session_id}.pdf"
    assert f'href="{paper_url}"' in page
    paper = client.get(paper_url)
    assert paper.status_code == 200 and paper.mimetype == "application/pdf"
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(paper.data)).pages)
    assert "nicht empfohlen" in text and titles[SECOND] in " ".join(text.split())

    # The public session page: agenda with links, outcomes, votes.
    client.post("/planung/abmelden", data={"csrf_token": _token(client)})
    public = client.get(f"/beirat/{session_id}")
    assert public.status_code == 200
    html = public.get_data(as_text=True)
    assert f'href="/q/dalheim/massnahmen/{SECOND}"' in html
    assert "nicht empfohlen" in html and "Abstimmung: ja 3, nein 7, Enthaltung –" in html
    assert "Verschiedenes" in html and "Donnerstag, 13. März 2025" in html
    assert "18:00 bis 20:00 Uhr" in html
    # The idea waits for its check: not named in public, but its author reads the outcome.
    assert "Trinkbrunnen" not in html
    status_page = client.get(status_path).get_data(as_text=True)
    assert "Im Stadtteilbeirat" in status_page and "zur Kenntnis genommen" in status_page
    store.ideas.approve(idea_id, "lea")
    html = client.get(f"/beirat/{session_id}").get_data(as_text=True)
    assert f'href="/q/dalheim/ideen/{idea_id}"' in html and "Trinkbrunnen" in html
    assert "zur Kenntnis genommen" in client.get(f"/ideen/{idea_id}").get_data(as_text=True)


def test_a_session_that_is_not_public_is_shown_nowhere_in_public(app, planner_client):
    client, store = planner_client, _store(app)
    hidden = _create(client, public="", title="Interne Vorbesprechung")
    shown = _create(client, title="Öffentliche Sitzung", date="2099-05-07")
    client.post("/planung/abmelden", data={"csrf_token": _token(client)})
    listing = client.get("/beirat/").get_data(as_text=True)
    assert "Öffentliche Sitzung" in listing and "Interne Vorbesprechung" not in listing
    assert client.get(f"/beirat/{hidden}").status_code == 404
    assert client.get(f"/beirat/{shown}").status_code == 200
    assert client.get("/q/dalheim/beirat/").status_code == 200
    assert "Interne Vorbesprechung" not in client.get("/beirat/sitzungen.ics").get_data(
        as_text=True
    )
    assert client.get("/beirat/nicht-eine-zahl").status_code == 404
    # The site's footer leads there.
    assert 'href="/q/dalheim/beirat/"' in client.get("/massnahmen").get_data(as_text=True)
    assert store.beirat.session("dalheim", hidden).public is False


def test_the_icalendar_feed_parses_with_stable_uids_and_berlin_times(app, planner_client):
    client = planner_client
    winter = _create(client)
    summer = _create(client, date="2099-07-02", start="19:30", end="")
    client.post("/planung/abmelden", data={"csrf_token": _token(client)})
    response = client.get("/beirat/sitzungen.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.get_data())
    events = {str(e["url"]).rsplit("/", 1)[1]: e for e in calendar.walk("VEVENT")}
    assert set(events) == {str(winter), str(summer)}
    first = events[str(winter)]
    assert first["dtstart"].params["TZID"] == "Europe/Berlin"
    assert first.decoded("dtstart") == datetime(2025, 3, 13, 18, 0, tzinfo=BERLIN)
    assert first.decoded("dtend") - first.decoded("dtstart") == timedelta(hours=2)
    assert str(first["location"]) == "Kinder- und Familienzentrum, Berliner Ring 39, 35576 Wetzlar"
    assert str(first["url"]).endswith(f"/q/dalheim/beirat/{winter}")
    later = events[str(summer)]
    assert later.decoded("dtstart") == datetime(2099, 7, 2, 19, 30, tzinfo=BERLIN)
    assert "dtend" not in later
    assert [c.name for c in calendar.walk("VTIMEZONE")] == ["VTIMEZONE"]
    # The same UID on every request, whatever changes; each session its own.
    again = icalendar.Calendar.from_ical(client.get("/beirat/sitzungen.ics").get_data())
    assert sorted(str(e["uid"]) for e in again.walk("VEVENT")) == sorted(
        str(e["uid"]) for e in events.values()
    )
    assert len({str(e["uid"]) for e in events.values()}) == 2
    # The pages link the feed.
    assert 'href="/q/dalheim/beirat/sitzungen.ics"' in client.get("/beirat/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"title": ""}, "title", "Bitte einen Titel angeben."),
        ({"date": "13.03.2025"}, "date", "Bitte ein Datum wie 2026-12-10 angeben."),
        ({"date": "2025-02-30"}, "date", "Bitte ein Datum wie 2026-12-10 angeben."),
        ({"start": "25:00"}, "start", "Bitte eine Uhrzeit wie 18:00 angeben."),
        ({"end": "17:00"}, "end", "Das Ende muss nach dem Beginn liegen."),
        ({"place": ""}, "place", "Bitte den Ort der Sitzung angeben."),
        ({"title": "x" * 201}, "title", "höchstens 200 Zeichen"),
    ],
)
def test_a_bad_session_is_refused_in_german_and_nothing_is_stored(
    app, planner_client, fields, field, words
):
    client, store = planner_client, _store(app)
    session_id = _create(client)
    before = _snapshot(store)
    for path in (f"{BASE}/neu", f"{BASE}/{session_id}"):
        response = client.post(path, data=_session_form(client, **fields))
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert words in html
        assert f'id="{field}-error"' in html and f'href="#{field}"' in html
        assert _snapshot(store) == before


@pytest.mark.both_databases
def test_bad_agenda_and_outcome_input_is_refused_and_changes_nothing(app, planner_client):
    client, store = planner_client, _store(app)
    session_id = _create(client)
    assert _add(client, session_id, kind="measure", measure=FIRST).status_code == 303
    [item] = store.beirat.session("dalheim", session_id).items
    before = _snapshot(store)
    for fields, field, words in [
        ({"kind": "measure", "measure": ""}, "measure", "Bitte wählen Sie einen Eintrag"),
        ({"kind": "measure", "measure": "gibt-es-nicht"}, "measure", "gibt es in diesem Quartier"),
        ({"kind": "measure", "measure": FIRST}, "measure", "schon auf der Tagesordnung"),
        ({"kind": "idea", "idea": "erfunden"}, "idea", "gibt es in diesem Quartier"),
        ({"kind": "topic", "title": ""}, "topic_title", "Bitte einen Titel angeben."),
        ({"kind": "topic", "title": "T", "text": "x" * 2001}, "topic_text", "höchstens 2000"),
    ]:
        response = _add(client, session_id, **fields)
        assert response.status_code == 400, fields
        html = response.get_data(as_text=True)
        assert words in html and f'id="{field}-error"' in html, fields
    assert _add(client, session_id, kind="etwas").status_code == 400
    outcome_path = f"{BASE}/{session_id}/punkte/{item.id}"
    for fields, field, words in [
        ({"outcome": ""}, "outcome", "Bitte wählen Sie ein Ergebnis"),
        ({"outcome": "abgelehnt"}, "outcome", "Bitte wählen Sie ein Ergebnis"),
        ({"outcome": "empfohlen", "votes_yes": "-1"}, "votes_yes", "ganze Zahl von 0 bis 999"),
        ({"outcome": "empfohlen", "votes_no": "zwei"}, "votes_no", "ganze Zahl"),
        ({"outcome": "empfohlen", "votes_abstain": "1000"}, "votes_abstain", "ganze Zahl"),
        ({"outcome": "empfohlen", "note": "x" * 1801}, "note", "höchstens 1800"),
    ]:
        response = client.post(outcome_path, data={"csrf_token": _token(client), **fields})
        assert response.status_code == 400, fields
        html = response.get_data(as_text=True)
        assert words in html and f'id="{field}-error"' in html, fields
    move = client.post(
        f"{BASE}/{session_id}/punkte/{item.id}/verschieben",
        data={"csrf_token": _token(client), "richtung": "seitwärts"},
    )
    assert move.status_code == 400
    assert (
        client.post(
            f"{BASE}/{session_id}/punkte/999/entfernen", data={"csrf_token": _token(client)}
        ).status_code
        == 404
    )
    # Without the CSRF token nothing either.
    assert client.post(outcome_path, data={"outcome": "empfohlen"}).status_code == 400
    assert _snapshot(store) == before
    assert store.layers.record("measures", FIRST).status == "idee"


def test_a_session_is_deleted_only_after_confirmation(app, planner_client):
    client, store = planner_client, _store(app)
    session_id = _create(client)
    unconfirmed = client.post(f"{BASE}/{session_id}/loeschen", data={"csrf_token": _token(client)})
    assert unconfirmed.status_code == 400
    assert "Bitte bestätigen Sie" in unconfirmed.get_data(as_text=True)
    assert store.beirat.session("dalheim", session_id) is not None
    confirmed = client.post(
        f"{BASE}/{session_id}/loeschen", data={"csrf_token": _token(client), "bestaetigt": "ja"}
    )
    assert confirmed.status_code == 303
    assert store.beirat.session("dalheim", session_id) is None
    assert client.get(f"{BASE}/{session_id}").status_code == 404


@pytest.mark.both_databases
def test_anonymous_and_wrong_role_users_get_nothing(app, client, runner):
    store = _store(app)
    create_planner(runner)
    create_planner(runner, "mo")
    # Only "moderate": deciding ideas, not editing measures and sessions.
    lea, mo = store.planners.by_name("lea"), store.planners.by_name("mo")
    store.planners.set_roles(mo.id, "dalheim", {"moderate"}, lea.id)
    _login(client)
    session_id = _create(client)
    client.post("/planung/abmelden", data={"csrf_token": _token(client)})
    before = _snapshot(store)
    paths = [
        ("GET", f"{BASE}/"),
        ("GET", f"{BASE}/neu"),
        ("POST", f"{BASE}/neu"),
        ("GET", f"{BASE}/{session_id}"),
        ("POST", f"{BASE}/{session_id}/loeschen"),
        ("POST", f"{BASE}/{session_id}/punkte"),
    ]
    anonymous = _csrf(client, "/planung/anmelden")
    for method, path in paths:
        data = {"csrf_token": anonymous, "bestaetigt": "ja", "kind": "topic", "title": "T"}
        answer = client.open(path, method=method, data=data)
        assert answer.status_code == 302 and "/planung/anmelden" in answer.headers["Location"]
    _login(client, "mo")
    assert store.planners.roles(store.planners.by_name("mo").id, "dalheim") == {"moderate"}
    token = _csrf(client, "/planung/")
    for method, path in paths:
        data = {"csrf_token": token, "bestaetigt": "ja", "kind": "topic", "title": "T"}
        answer = client.open(path, method=method, data=data)
        assert answer.status_code == 404, (method, path)
    assert _snapshot(store) == before


def test_a_draft_measure_on_the_agenda_is_not_named_in_public(app, planner_client, seed):
    client, store = planner_client, _store(app)
    store.editing.create(
        "measures", measure(seed, "entwurf-bank", title="Bänke am Schwalbengraben"), author="lea"
    )
    session_id = _create(client)
    assert _add(client, session_id, kind="measure", measure="entwurf-bank").status_code == 303
    planners_page = client.get(f"{BASE}/{session_id}").get_data(as_text=True)
    assert "Bänke am Schwalbengraben" in planners_page
    client.post("/planung/abmelden", data={"csrf_token": _token(client)})
    for path in (f"/beirat/{session_id}", "/beirat/sitzungen.ics"):
        html = client.get(path).get_data(as_text=True)
        assert "Bänke am Schwalbengraben" not in html and "entwurf-bank" not in html, path
        assert "noch nicht veröffentlicht" in html, path
