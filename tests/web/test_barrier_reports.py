"""Reporting a barrier (the feedback mechanism of the accessibility statement): the
resident's form, the planners' queue and answer, the private status link, bad input and
the privacy rules of ideas."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.web.test_export import _store
from tests.web.test_planning import _csrf, _login

FORM = "/barrierefreiheit/melden"
EMAIL = "meldung@example.org"


def _report(client, **fields):
    data = {"description": "Die Karte lässt sich mit der Tastatur nicht verschieben.", **fields}
    return client.post(FORM, data={"csrf_token": _csrf(client, FORM), **data})


def _rows(app) -> list:
    with _store(app).engine.connect() as connection:
        return connection.execute(sa.text("SELECT * FROM barrier_reports")).all()


def _token(response) -> str:
    return re.search(r"/barrierefreiheit/meldung/([^?]+)", response.headers["Location"]).group(1)


@pytest.mark.both_databases
def test_a_report_reaches_the_planners_and_their_answer_reaches_the_resident(app, client, planner):
    sent = _report(client, where="Startseite, Karte", email=EMAIL)
    assert sent.status_code == 302
    token = _token(sent)
    thanks = client.get(sent.headers["Location"])
    html = thanks.get_data(as_text=True)
    assert "Danke! Ihre Meldung ist angekommen." in html and "offen" in html
    assert thanks.headers["Cache-Control"] == "no-store"
    (row,) = _rows(app)
    assert row.email == EMAIL and token not in repr(row), "only the token's hash is stored"

    # Anonymous people never see the queue.
    assert client.get("/planung/barrieren").status_code == 302
    _login(client)
    queue = client.get("/planung/barrieren").get_data(as_text=True)
    assert f'data-report="{row.id}"' in queue and "offen" in queue
    page = client.get(f"/planung/barrieren/{row.id}").get_data(as_text=True)
    assert EMAIL in page and "Startseite, Karte" in page
    url = f"/planung/barrieren/{row.id}/antworten"
    answer = "Danke! Die Pfeiltasten verschieben die Karte jetzt; bitte erst die Karte anklicken."
    done = client.post(url, data={"csrf_token": _csrf(client, url[:-10]), "answer": answer})
    assert done.status_code == 302 and done.headers["Location"] == "/q/dalheim/planung/barrieren"

    # A second answer (another planner, a second click) is refused and changes nothing.
    again = client.post(url, data={"csrf_token": _csrf(client, url[:-10]), "answer": "Anders"})
    assert again.status_code == 409
    assert "schon beantwortet" in again.get_data(as_text=True)
    (row,) = _rows(app)
    assert row.state == "beantwortet" and row.answer == answer and row.answered_by == "lea"

    status = client.get(f"/barrierefreiheit/meldung/{token}").get_data(as_text=True)
    assert answer in status and "beantwortet" in status


@pytest.mark.both_databases
@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"description": "   "}, "Bitte beschreiben Sie die Barriere."),
        ({"description": "x" * 2001}, "höchstens 2000 Zeichen"),
        ({"email": "keine adresse"}, "Die E-Mail-Adresse ist nicht gültig"),
        ({"email": "a@b.de, c@d.de"}, "Die E-Mail-Adresse ist nicht gültig"),
        ({"where": "Seite\x00"}, "enthält unzulässige Steuerzeichen"),
        ({"website": "http://spam.example"}, "Wir konnten die Eingabe nicht annehmen"),
    ],
)
def test_bad_reports_get_a_german_message_and_store_nothing(app, client, fields, message):
    response = _report(client, **fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _rows(app) == []


def test_an_answer_must_be_given_and_unknown_reports_and_links_are_404(app, client, planner):
    _report(client)
    (row,) = _rows(app)
    _login(client)
    url = f"/planung/barrieren/{row.id}/antworten"
    empty = client.post(url, data={"csrf_token": _csrf(client, url[:-10]), "answer": " "})
    assert empty.status_code == 400 and "Bitte schreiben Sie eine Antwort." in empty.text
    assert _rows(app)[0].state == "offen"
    assert client.get("/planung/barrieren/gibtsnicht").status_code == 404
    missing = client.post(
        "/planung/barrieren/gibtsnicht/antworten",
        data={"csrf_token": _csrf(client, "/planung/barrieren"), "answer": "Hallo"},
    )
    assert missing.status_code == 404
    assert client.get("/barrierefreiheit/meldung/falsch").status_code == 404


def test_without_csrf_token_nothing_is_stored(app, client):
    response = client.post(FORM, data={"description": "Zu kleine Schrift"})
    assert response.status_code == 400 and _rows(app) == []


@pytest.mark.both_databases
def test_the_address_is_deleted_when_the_retention_time_after_the_answer_is_over(app, client):
    _report(client, email=EMAIL)
    _report(client, email="offen@example.org")
    store = _store(app)
    answered, still_open = sorted(_rows(app), key=lambda r: r.email != EMAIL)
    store.barriers.answer(answered.id, "Erledigt.", "lea")
    assert store.barriers.purge_contacts(datetime.now(UTC) - timedelta(days=1)) == 0
    assert store.barriers.purge_contacts(datetime.now(UTC) + timedelta(seconds=1)) == 1
    emails = {r.id: r.email for r in _rows(app)}
    assert emails == {answered.id: None, still_open.id: "offen@example.org"}


def test_the_statement_and_leichte_sprache_lead_to_the_form(client):
    for page in ("/barrierefreiheit", "/leichte-sprache"):
        # The form of the default Quartier (the only one here), at its /q/<slug>/ URL.
        assert f'href="/q/dalheim{FORM}"' in client.get(page).get_data(as_text=True)
    form = client.get(FORM + "?seite=/massnahmen").get_data(as_text=True)
    assert 'value="/massnahmen"' in form and 'for="report-description"' in form
