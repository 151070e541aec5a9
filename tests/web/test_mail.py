"""E-mail news against a real SMTP server on loopback: double opt-in, each message,
one-click unsubscribe, a server that is down, and bad links and addresses."""

from __future__ import annotations

import re
import time

import pytest

from app.mail_sender import send_due
from tests.factories import PASSWORD, add_idea, create_planner, idea_feature, moved_on

ADDRESS = "anwohnerin@example.org"


@pytest.fixture
def mail_app(make_app, store, mail_server):
    return make_app(**mail_server.settings(), RATELIMIT_SUBSCRIBE="1000 per minute")


def _store(app):
    return app.extensions["quartierskarte.store"]


def _csrf(client, path) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _login(client):
    client.post(
        "/planung/anmelden",
        data={
            "username": "lea",
            "password": PASSWORD,
            "csrf_token": _csrf(client, "/planung/anmelden"),
        },
    )


def _parts(message) -> tuple[str, str]:
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def _link(message, path: str) -> str:
    text, _ = _parts(message)
    # Under the /q/<slug>/ of the followed idea's or measure's Quartier.
    found = re.search(r"http://localhost(/q/[a-z0-9-]+" + re.escape(path) + r"[^\s]+)", text)
    return found.group(1)


def _confirm(client, message) -> None:
    path = _link(message, "/benachrichtigungen/bestaetigen/")
    page = client.get(path)
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    assert client.post(path, data={"csrf_token": token}).status_code == 200


def _idea_with_address_and_planner(mail_app):
    """An idea "Trinkbrunnen" given with ``ADDRESS``, and a client of a planner logged in
    at its page: (client, idea id, the form token)."""
    client = mail_app.test_client()
    create_planner(mail_app.test_cli_runner())
    answer = client.post("/api/ideas", json=idea_feature(title="Trinkbrunnen", email=ADDRESS))
    idea_id = answer.get_json()["id"]
    _login(client)
    return client, idea_id, _csrf(client, f"/planung/ideen/{idea_id}")


def test_an_address_given_with_an_idea_is_confirmed_before_the_decision_is_sent(
    mail_app, mail_server
):
    client, idea_id, token = _idea_with_address_and_planner(mail_app)
    # Decided before the address is confirmed: nothing but the request to confirm goes out.
    client.post(
        f"/planung/ideen/{idea_id}/ablehnen",
        data={"reason": "Gibt es schon am Markt.", "csrf_token": token},
    )
    assert send_due(mail_app).sent == 1
    [request] = mail_server.inbox.to(ADDRESS)
    assert "bestätigen" in request["Subject"]
    assert "Trinkbrunnen" in _parts(request)[0]
    _confirm(client, request)
    # Confirmed after the decision: the decision follows now, with the reason.
    assert send_due(mail_app).sent == 1
    late = mail_server.inbox.to(ADDRESS)[-1]
    assert "Neuigkeiten zu Ihrer Idee" in late["Subject"]
    assert "Gibt es schon am Markt." in _parts(late)[0]

    # A second idea of the same address, confirmed first, then approved and converted.
    second = client.post("/api/ideas", json=idea_feature(title="Bank", email=ADDRESS)).get_json()[
        "id"
    ]
    send_due(mail_app)
    _confirm(client, mail_server.inbox.to(ADDRESS)[-1])
    client.post(
        f"/planung/ideen/{second}/ablehnen",
        data={"reason": "Kein Platz auf dem Gehweg.", "csrf_token": token},
    )
    assert send_due(mail_app).sent == 1
    decision = mail_server.inbox.to(ADDRESS)[-1]
    text, html = _parts(decision)
    assert "Bank" in decision["Subject"]
    assert "Kein Platz auf dem Gehweg." in text and "Kein Platz auf dem Gehweg." in html
    assert "Begründung des Quartiersmanagements" in text
    assert decision["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert decision["List-Unsubscribe"].startswith(
        "<http://localhost/q/dalheim/benachrichtigungen/abmelden/"
    )
    # On the wire too: one plain link, as mail programs read it (no encoded word).
    raw = mail_server.inbox.raw[mail_server.inbox.messages.index(decision)].decode("ascii")
    assert re.search(
        r"^List-Unsubscribe: <http://localhost/q/dalheim/benachrichtigungen/abmelden/\S+>\r$",
        raw,
        re.M,
    )
    assert "\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in raw
    assert len(mail_server.inbox.to(ADDRESS)) == 4


def test_an_author_hears_of_the_measure_made_of_the_idea_once_it_is_published(
    mail_app, mail_server
):
    client, idea_id, token = _idea_with_address_and_planner(mail_app)
    client.post(f"/planung/ideen/{idea_id}/freigeben", data={"csrf_token": token})
    client.post(f"/planung/ideen/{idea_id}/massnahme", data={"csrf_token": token})
    assert send_due(mail_app).sent == 1
    [request] = mail_server.inbox.to(ADDRESS)
    # Confirmed while the measure is a draft: the approval is the news, not a link to a
    # page that is not there.
    _confirm(client, request)
    assert send_due(mail_app).sent == 1
    approved = _parts(mail_server.inbox.to(ADDRESS)[-1])[0]
    assert f"/ideen/{idea_id}" in approved and "/massnahmen/" not in approved
    _set_publication(_store(mail_app), f"idee-{idea_id}", "published")
    assert send_due(mail_app).sent == 1
    converted = _parts(mail_server.inbox.to(ADDRESS)[-1])[0]
    assert "ist eine Maßnahme geworden" in converted
    measure_path = f"/q/dalheim/massnahmen/idee-{idea_id}"
    assert f"http://localhost{measure_path}\r\n" in converted
    assert client.get(measure_path).status_code == 200


def test_following_a_measure_in_english_tells_its_next_status(mail_app, mail_server, seed):
    client = mail_app.test_client()
    measure = next(m for m in seed.measures if m.status != "abgeschlossen")
    client.set_cookie("sprache", "en")
    path = f"/massnahmen/{measure.id}"
    token = _csrf(client, path)
    page = client.post(path + "/benachrichtigen", data={"email": ADDRESS, "csrf_token": token})
    assert page.status_code == 200 and "confirm" in page.get_data(as_text=True).lower()
    # Asking twice sends no second request.
    client.post(path + "/benachrichtigen", data={"email": ADDRESS, "csrf_token": token})
    assert send_due(mail_app).sent == 1
    [request] = mail_server.inbox.to(ADDRESS)
    assert request["Subject"].startswith("Please confirm")
    _confirm(client, request)

    changed = moved_on(measure, "abgeschlossen")
    assert measure.status != "abgeschlossen"
    _store(mail_app).layers.import_records("measures", [changed])
    assert send_due(mail_app).sent == 1
    step = mail_server.inbox.to(ADDRESS)[-1]
    text, html = _parts(step)
    assert "new status" in text and "completed" in text.lower()
    assert f"/massnahmen/{measure.id}" in html
    # Importing the same again is no new step.
    _store(mail_app).layers.import_records("measures", [changed])
    assert send_due(mail_app).sent == 0


def test_one_click_unsubscribe_deletes_the_address(mail_app, mail_server, seed):
    client = mail_app.test_client()
    measure_id = seed.measures[0].id
    client.post(
        f"/massnahmen/{measure_id}/benachrichtigen",
        data={"email": ADDRESS, "csrf_token": _csrf(client, f"/massnahmen/{measure_id}")},
    )
    send_due(mail_app)
    [request] = mail_server.inbox.to(ADDRESS)
    _confirm(client, request)
    url = request["List-Unsubscribe"].strip("<>")
    assert url.split("localhost", 1)[1] == _link(request, "/benachrichtigungen/abmelden/")
    counts = _store(mail_app).mail.counts()
    assert counts["addresses"] == 1 and counts["subscriptions"] == 1
    # What a mail program sends (RFC 8058): a POST without cookies or CSRF token.
    one_click = mail_app.test_client().post(
        url.split("localhost", 1)[1],
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert one_click.status_code == 200
    assert _store(mail_app).mail.counts() == {"addresses": 0, "subscriptions": 0, "outbox": 0}
    again = mail_app.test_client().post(
        url.split("localhost", 1)[1], data="List-Unsubscribe=One-Click"
    )
    assert again.status_code == 410 and "schon abgemeldet" in again.get_data(as_text=True)


def test_an_address_still_needed_stays_when_one_subscription_goes(mail_app, mail_server, seed):
    client = mail_app.test_client()
    for measure in seed.measures[:2]:
        client.post(
            f"/massnahmen/{measure.id}/benachrichtigen",
            data={"email": ADDRESS, "csrf_token": _csrf(client, f"/massnahmen/{measure.id}")},
        )
    send_due(mail_app)
    first = mail_server.inbox.to(ADDRESS)[0]
    assert (
        client.post(first["List-Unsubscribe"].strip("<>").split("localhost", 1)[1]).status_code
        == 200
    )
    assert _store(mail_app).mail.counts() == {"addresses": 1, "subscriptions": 1, "outbox": 0}


def test_bad_addresses_and_links_are_refused_in_german_and_change_nothing(
    mail_app, mail_server, seed
):
    client = mail_app.test_client()
    measure_id = seed.measures[0].id
    token = _csrf(client, f"/massnahmen/{measure_id}")
    for bad in ("", "keine-adresse", "a@b.de, c@d.de", "x" * 250 + "@b.de"):
        page = client.post(
            f"/massnahmen/{measure_id}/benachrichtigen", data={"email": bad, "csrf_token": token}
        )
        assert page.status_code == 400
        assert "E-Mail-Adresse" in page.get_data(as_text=True)
    assert (
        client.post(
            "/massnahmen/gibt-es-nicht/benachrichtigen",
            data={"email": ADDRESS, "csrf_token": token},
        ).status_code
        == 404
    )
    # An idea still waiting for its check cannot be followed by the public.
    add_idea(_store(mail_app), "wartet", state="pending")
    waiting = client.post(
        "/ideen/wartet/benachrichtigen", data={"email": ADDRESS, "csrf_token": token}
    )
    assert waiting.status_code == 404
    assert _store(mail_app).mail.counts() == {"addresses": 0, "subscriptions": 0, "outbox": 0}

    for path in ("/benachrichtigungen/bestaetigen/", "/benachrichtigungen/abmelden/"):
        page = client.get(path + "erfunden.abc")
        assert page.status_code == 400 and "Link ist ungültig" in page.get_data(as_text=True)

    client.post(
        f"/massnahmen/{measure_id}/benachrichtigen", data={"email": ADDRESS, "csrf_token": token}
    )
    send_due(mail_app)
    request = mail_server.inbox.to(ADDRESS)[0]
    _confirm(client, request)
    used = client.get(_link(request, "/benachrichtigungen/bestaetigen/"))
    assert used.status_code == 409 and "schon bestätigt" in used.get_data(as_text=True)
    assert _store(mail_app).mail.counts()["subscriptions"] == 1


def test_a_server_down_during_a_decision_gets_every_message_once_when_it_is_back(
    mail_app, mail_server
):
    store = _store(mail_app)
    add_idea(store, "a1", title="Obstwiese")
    client = mail_app.test_client()
    followers = [f"nachbar{n}@example.org" for n in range(5)]
    for address in followers:
        client.post(
            "/ideen/a1/benachrichtigen",
            data={"email": address, "csrf_token": _csrf(client, "/ideen/a1")},
        )
    send_due(mail_app)
    for address in followers:
        _confirm(client, mail_server.inbox.to(address)[0])

    mail_server.stop()
    store.ideas.convert_to_measure("a1", "lea", "http://localhost/ideen/a1")
    assert store.mail.pending() == 0, "no news of a draft: its page is not there yet"
    _set_publication(store, "idee-a1", "published")
    first = send_due(mail_app)
    assert first.sent == 0 and first.retried == 5
    assert store.mail.pending() == 5
    mail_server.start()
    deadline = time.monotonic() + 10
    while store.mail.pending() and time.monotonic() < deadline:
        send_due(mail_app)
        time.sleep(0.05)
    send_due(mail_app)
    for address in followers:
        news = [
            m
            for m in mail_server.inbox.to(address)
            if "Obstwiese" in m["Subject"] and "Neuigkeiten" in m["Subject"]
        ]
        assert len(news) == 1, address
        assert "/massnahmen/idee-a1" in _parts(news[0])[0]
    assert store.mail.counts()["outbox"] == 0
    # Withdrawn and published again, it is no news a second time.
    _set_publication(store, "idee-a1", "draft")
    _set_publication(store, "idee-a1", "published")
    assert store.mail.pending() == 0


def _set_publication(store, measure_id: str, state: str) -> None:
    found = store.editing.get("measures", measure_id, "dalheim")
    store.editing.set_publication(
        "measures", measure_id, "dalheim", state, found.record.updated_at, author="lea"
    )


def test_nothing_of_an_address_reaches_the_log(mail_app, mail_server, caplog):
    client = mail_app.test_client()
    add_idea(_store(mail_app), "a2")
    client.post(
        "/ideen/a2/benachrichtigen",
        data={"email": ADDRESS, "csrf_token": _csrf(client, "/ideen/a2")},
    )
    mail_server.stop()
    with caplog.at_level("DEBUG"):
        send_due(mail_app)
        mail_server.start()
        time.sleep(0.1)
        send_due(mail_app)
    # aiosmtpd's own log ("mail.log") is the test's mail server, not the app.
    ours = [r for r in caplog.records if not r.name.startswith("mail.log")]
    assert any(r.name == "quartierskarte.mail" for r in ours), "the retry was logged"
    text = "\n".join(r.getMessage() for r in ours)
    assert ADDRESS not in text and "anwohnerin" not in text


def test_the_development_server_sends_in_a_thread_started_by_its_first_request(
    make_app, store, mail_server
):
    app = make_app(**mail_server.settings(), MAIL_BACKGROUND=True, MAIL_POLL_S=0.05)
    add_idea(_store(app), "a3")
    _store(app).mail.subscribe(ADDRESS, "de", title="Idee a3", idea_id="a3")
    time.sleep(0.2)
    assert mail_server.inbox.messages == [], "nothing is sent before the server serves"
    client = app.test_client()
    client.get("/ueber")
    thread, stop = app.extensions["quartierskarte.mail_background"]
    try:
        deadline = time.monotonic() + 10
        while not mail_server.inbox.to(ADDRESS) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(mail_server.inbox.to(ADDRESS)) == 1
        client.get("/ueber")
        assert app.extensions["quartierskarte.mail_background"][0] is thread, "one thread"
    finally:
        stop.set()
        thread.join(5)


def test_the_request_to_confirm_an_authors_address_is_sent_once_by_the_mail_job(
    mail_app, mail_server
):
    # The intake only notes the request; the sender subscribes the address and sends.
    client = mail_app.test_client()
    answer = client.post("/api/ideas", json=idea_feature(title="Sitzbank", email=ADDRESS))
    assert answer.status_code == 201
    assert _store(mail_app).mail.counts()["subscriptions"] == 0
    assert send_due(mail_app).sent == 1
    assert send_due(mail_app).sent == 0
    [request] = mail_server.inbox.to(ADDRESS)
    assert "bestätigen" in request["Subject"] and "Sitzbank" in _parts(request)[0]
    assert _store(mail_app).mail.counts() == {"addresses": 1, "subscriptions": 1, "outbox": 0}


def test_a_title_cannot_add_headers_or_markup_to_a_message(mail_app, mail_server):
    client = mail_app.test_client()
    title = "<b>Bank</b>\nBcc: boese@example.org"
    answer = client.post("/api/ideas", json=idea_feature(title=title, email=ADDRESS))
    assert answer.status_code == 201
    assert send_due(mail_app).sent == 1
    [message] = mail_server.inbox.messages
    assert message["Bcc"] is None and message["To"] == ADDRESS
    assert "\n" not in message["Subject"] and "Bank" in message["Subject"]
    _, html = _parts(message)
    assert "<b>Bank</b>" not in html and "&lt;b&gt;Bank&lt;/b&gt;" in html


def test_an_address_the_server_refuses_for_good_is_given_up_and_the_rest_goes(
    mail_app, mail_server
):
    store = _store(mail_app)
    add_idea(store, "a4")
    mail_server.inbox.refuse.add("gibtsnicht@example.org")
    store.mail.subscribe("gibtsnicht@example.org", "de", title="Idee a4", idea_id="a4")
    store.mail.subscribe(ADDRESS, "de", title="Idee a4", idea_id="a4")
    report = send_due(mail_app)
    assert (report.sent, report.dropped, report.retried) == (1, 1, 0)
    assert len(mail_server.inbox.to(ADDRESS)) == 1
    assert store.mail.counts()["outbox"] == 0
