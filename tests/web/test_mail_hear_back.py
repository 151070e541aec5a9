"""Hearing back by e-mail, against a real SMTP server on loopback (aiosmtpd) and
``send_due``: the author of an idea hears of the Stadtteilbeirat's outcome, the reporter
of a barrier of the planners' answer — only with a confirmed address, once per outcome,
with a link to a page of their own."""

from __future__ import annotations

import re
import time

import pytest

from app.mail_sender import send_due
from tests.factories import create_planner, idea_feature
from tests.web.test_beirat import BASE, _add, _create, _token
from tests.web.test_mail import _confirm, _csrf, _link, _login, _parts, _store

pytestmark = pytest.mark.both_databases

ADDRESS = "anwohnerin@example.org"
FORM = "/barrierefreiheit/melden"
STATUS = "/benachrichtigungen/stand/"


@pytest.fixture
def mail_app(make_app, store, mail_server):
    return make_app(**mail_server.settings())


@pytest.fixture
def planner_client(mail_app):
    client = mail_app.test_client()
    create_planner(mail_app.test_cli_runner())
    _login(client)
    return client


def _record(client, session_id: int, item_id: int, outcome: str, **fields):
    response = client.post(
        f"{BASE}/{session_id}/punkte/{item_id}",
        data={"csrf_token": _token(client), "outcome": outcome, **fields},
    )
    assert response.status_code == 303, response.get_data(as_text=True)


def _idea_on_agenda(
    mail_app, planner_client, mail_server, email: str = ADDRESS, language: str = "de"
):
    """An idea sent with ``email`` by a resident (whose client is returned) reading the
    site in ``language``, on the agenda of a session on 13 March 2025: (resident, session
    id, item id)."""
    resident = mail_app.test_client()
    resident.set_cookie("sprache", language)
    sent = resident.post("/api/ideas", json=idea_feature(title="Trinkbrunnen", email=email))
    idea_id = sent.get_json()["id"]
    session_id = _create(planner_client)
    assert _add(planner_client, session_id, kind="idea", idea=idea_id).status_code == 303
    [item] = _store(mail_app).beirat.session("dalheim", session_id).items
    return resident, session_id, item.id


def test_the_author_hears_of_the_beirats_outcome_once_per_outcome(
    mail_app, planner_client, mail_server
):
    resident, session_id, item_id = _idea_on_agenda(mail_app, planner_client, mail_server)
    assert send_due(mail_app).sent == 1
    _confirm(resident, mail_server.inbox.to(ADDRESS)[0])

    _record(planner_client, session_id, item_id, "vertagt", votes_yes="4", note="Ortstermin.")
    assert send_due(mail_app).sent == 1
    message = mail_server.inbox.to(ADDRESS)[-1]
    text, html = _parts(message)
    assert message["Subject"] == "Der Stadtteilbeirat zu Ihrer Idee „Trinkbrunnen“"
    assert "am 13. März 2025" in text and "Ergebnis: vertagt." in text
    assert "Ortstermin" not in text, "the note is on the page, not in the message"
    assert message["List-Unsubscribe"].startswith(
        "<http://localhost/q/dalheim/benachrichtigungen/abmelden/"
    )
    # The link leads to the author's own page with the outcome, kept out of caches.
    path = _link(message, STATUS)
    assert f"http://localhost{path}" in html
    page = mail_app.test_client().get(path)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    body = page.get_data(as_text=True)
    assert "Trinkbrunnen" in body and "vertagt" in body and "Ortstermin." in body

    # Recorded again with the same outcome (the votes corrected): no second message.
    _record(planner_client, session_id, item_id, "vertagt", votes_yes="5")
    assert send_due(mail_app).sent == 0
    # A changed outcome is news.
    _record(planner_client, session_id, item_id, "empfohlen")
    assert send_due(mail_app).sent == 1
    assert "Ergebnis: empfohlen." in _parts(mail_server.inbox.to(ADDRESS)[-1])[0]

    # Unsubscribed, the page is gone with the subscription.
    unsubscribe = message["List-Unsubscribe"].strip("<>").split("localhost", 1)[1]
    mail_app.test_client().post(unsubscribe, data="List-Unsubscribe=One-Click")
    assert mail_app.test_client().get(path).status_code == 410


def test_an_author_confirming_after_the_outcome_hears_it_once_in_their_language(
    mail_app, planner_client, mail_server
):
    resident, session_id, item_id = _idea_on_agenda(
        mail_app, planner_client, mail_server, language="en"
    )
    _record(planner_client, session_id, item_id, "empfohlen", note="Ortstermin.")
    assert send_due(mail_app).sent == 1
    [request] = mail_server.inbox.to(ADDRESS)
    assert request["Subject"].startswith("Please confirm"), "only the request to confirm"

    _confirm(resident, request)
    assert send_due(mail_app).sent == 1
    message = mail_server.inbox.to(ADDRESS)[-1]
    text, html = _parts(message)
    # The message an author confirmed at the time had, in the language of the idea's form.
    assert message["Subject"] == "The district advisory council on your idea “Trinkbrunnen”"
    assert '<html lang="en"' in html and "Result: recommended." in text
    assert "Ortstermin" not in text, "the note is on the page, not in the message"
    page = mail_app.test_client().get(_link(message, STATUS))
    assert page.status_code == 200 and "Ortstermin." in page.get_data(as_text=True)

    # The confirmation link again: refused, and nothing more is sent.
    path = _link(request, "/benachrichtigungen/bestaetigen/")
    again = resident.post(path, data={"csrf_token": _csrf(resident, "/barrierefreiheit/melden")})
    assert again.status_code == 409
    assert send_due(mail_app).sent == 0
    assert len(mail_server.inbox.to(ADDRESS)) == 2


def test_confirmed_before_the_outcome_the_author_hears_it_when_it_is_recorded(
    mail_app, planner_client, mail_server
):
    resident, session_id, item_id = _idea_on_agenda(mail_app, planner_client, mail_server)
    assert send_due(mail_app).sent == 1
    _confirm(resident, mail_server.inbox.to(ADDRESS)[0])
    assert send_due(mail_app).sent == 0, "a pending idea without an outcome: no news"
    _record(planner_client, session_id, item_id, "nicht_empfohlen")
    assert send_due(mail_app).sent == 1
    assert "Ergebnis: nicht empfohlen." in _parts(mail_server.inbox.to(ADDRESS)[-1])[0]
    assert len(mail_server.inbox.to(ADDRESS)) == 2


def test_a_confirmation_past_the_time_to_confirm_deletes_the_address_and_sends_nothing(
    make_app, store, mail_server
):
    app = make_app(**mail_server.settings(), MAIL_CONFIRM_DAYS=0)
    planner = app.test_client()
    create_planner(app.test_cli_runner())
    _login(planner)
    resident, session_id, item_id = _idea_on_agenda(app, planner, mail_server)
    _record(planner, session_id, item_id, "empfohlen")
    assert send_due(app).sent == 1
    path = _link(mail_server.inbox.to(ADDRESS)[0], "/benachrichtigungen/bestaetigen/")
    page = resident.get(path)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    late = resident.post(path, data={"csrf_token": token})
    body = late.get_data(as_text=True)
    assert late.status_code == 410 and "Diese Anmeldung ist abgelaufen" in body
    assert not re.search(r"Traceback|SELECT|\.py\b", body)
    assert send_due(app).sent == 0
    assert _store(app).mail.counts() == {"addresses": 0, "subscriptions": 0, "outbox": 0}


def test_no_mail_without_a_confirmed_address(mail_app, planner_client, mail_server):
    resident, session_id, item_id = _idea_on_agenda(mail_app, planner_client, mail_server)
    _record(planner_client, session_id, item_id, "empfohlen")
    assert send_due(mail_app).sent == 1
    [request] = mail_server.inbox.to(ADDRESS)
    assert "bestätigen" in request["Subject"], "only the request to confirm went out"
    assert _store(mail_app).mail.counts()["outbox"] == 0


def test_the_reporter_of_a_barrier_confirms_and_hears_of_the_answer(
    mail_app, planner_client, mail_server
):
    resident = mail_app.test_client()
    sent = resident.post(
        FORM,
        data={
            "csrf_token": _csrf(resident, FORM),
            "description": "Die Karte lässt sich mit der Tastatur nicht verschieben.",
            "email": ADDRESS,
        },
    )
    thanks = resident.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Wir haben Ihnen eine E-Mail geschickt" in thanks
    assert send_due(mail_app).sent == 1
    [request] = mail_server.inbox.to(ADDRESS)
    assert request["Subject"] == "Bitte bestätigen: Antwort auf Ihre Meldung einer Barriere"
    assert "Meldung einer Barriere" in _parts(request)[0]
    _confirm(resident, request)
    assert send_due(mail_app).sent == 0, "nothing to tell before the answer"

    [report] = _store(mail_app).barriers.all()
    url = f"/planung/barrieren/{report.id}/antworten"
    answer = "Die Pfeiltasten verschieben die Karte jetzt."
    done = planner_client.post(
        url, data={"csrf_token": _csrf(planner_client, url[:-10]), "answer": answer}
    )
    assert done.status_code == 302
    assert send_due(mail_app).sent == 1
    message = mail_server.inbox.to(ADDRESS)[-1]
    text, _ = _parts(message)
    assert message["Subject"] == "Antwort auf Ihre Meldung einer Barriere"
    assert answer not in text, "the answer is read on the private page"
    page = mail_app.test_client().get(_link(message, STATUS))
    assert page.status_code == 200 and answer in page.get_data(as_text=True)


def test_a_report_without_an_address_stores_none_and_a_forged_link_is_refused(
    mail_app, planner_client, mail_server
):
    resident = mail_app.test_client()
    resident.post(
        FORM,
        data={"csrf_token": _csrf(resident, FORM), "description": "Zu wenig Kontrast."},
    )
    [report] = _store(mail_app).barriers.all()
    url = f"/planung/barrieren/{report.id}/antworten"
    planner_client.post(url, data={"csrf_token": _csrf(planner_client, url[:-10]), "answer": "Ok"})
    assert send_due(mail_app).sent == 0
    assert _store(mail_app).mail.counts() == {"addresses": 0, "subscriptions": 0, "outbox": 0}
    forged = mail_app.test_client().get(STATUS + "eyJmYWxzY2gifQ")
    assert forged.status_code == 400
    assert not re.search(r"Traceback|SELECT|\.py\b", forged.get_data(as_text=True))


def test_the_messages_are_written_in_the_language_of_the_form(mail_app, mail_server):
    resident = mail_app.test_client()
    resident.set_cookie("sprache", "en")
    resident.post(
        FORM,
        data={"csrf_token": _csrf(resident, FORM), "description": "Too small.", "email": ADDRESS},
    )
    [subscription_id] = [m.subscription.id for m in _store(mail_app).mail.claim(10, 0.01)]
    assert _store(mail_app).mail.subscription(subscription_id).language == "en"
    time.sleep(0.05)  # the claim's lease runs out; the sender takes the request
    assert send_due(mail_app).sent == 1
    [request] = mail_server.inbox.to(ADDRESS)
    assert '<html lang="en"' in _parts(request)[1]
