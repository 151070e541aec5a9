"""Comments through the web: writing, replying, "melden", the planners' queue and answers,
bad input (a German message, nothing stored), escaping, counts, post-moderation, the rate
limit, and an official answer that reaches a confirmed follower by e-mail exactly once."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.mail_messages import build
from app.mail_sender import send_due
from measures.storage.outbox import Claimed, Subscription
from tests.factories import add_idea, create_planner
from tests.web.test_export import _store
from tests.web.test_mail import _confirm
from tests.web.test_planning import _csrf, _login

IDEA = "/ideen/k1"
ADDRESS_FOR_MAIL = "folgt@example.org"


@pytest.fixture
def idea_app(make_app, store):
    add_idea(store, "k1", title="Bank am Spielplatz")
    return make_app(RATELIMIT_COMMENTS="1000 per minute")


def _post(client, page, path=None, **data):
    return client.post(
        path or f"{page}/kommentare", data={"csrf_token": _csrf(client, page), **data}
    )


def _comments(app) -> list:
    with _store(app).engine.connect() as connection:
        return connection.execute(sa.text("SELECT * FROM comments ORDER BY created_at")).all()


def _queue_action(client, comment_id, action, **data):
    return client.post(
        f"/planung/kommentare/{comment_id}/{action}",
        data={"csrf_token": _csrf(client, "/planung/kommentare"), **data},
    )


@pytest.mark.both_databases
def test_a_comment_waits_for_the_planners_then_is_answered_reported_and_hidden(idea_app):
    client = idea_app.test_client()
    create_planner(idea_app.test_cli_runner(), "hkoenig")
    sent = _post(client, IDEA, text="Bitte mit Schatten!", name="Mia")
    assert sent.status_code == 302
    page = client.get(IDEA).get_data(as_text=True)
    assert "geprüft" in page and "Bitte mit Schatten!" not in page
    assert "Kommentare (0)" in page
    [row] = _comments(idea_app)
    assert row.state == "pending" and row.author_name == "Mia"

    resident = idea_app.test_client()
    _login(client, "hkoenig")
    queue = client.get("/planung/kommentare")
    assert queue.headers["Cache-Control"] == "no-store"
    assert f'data-comment="{row.id}"' in queue.get_data(as_text=True)
    assert _queue_action(client, row.id, "freigeben").status_code == 302
    assert _queue_action(client, row.id, "freigeben").status_code == 409

    page = resident.get(IDEA).get_data(as_text=True)
    assert "Bitte mit Schatten!" in page and "Mia" in page and "Kommentare (1)" in page
    assert "Kommentare: 1<" in resident.get("/ideen").get_data(as_text=True)

    # A reply, then a reply to the reply: refused in German, nothing stored.
    assert _post(resident, IDEA, text="Und Bäume.", parent_id=row.id).status_code == 302
    reply = next(r for r in _comments(idea_app) if r.parent_id == row.id)
    _queue_action(client, reply.id, "freigeben")
    again = _post(resident, IDEA, text="Noch tiefer.", parent_id=reply.id)
    assert again.status_code == 400
    assert "Auf eine Antwort können Sie nicht antworten" in again.get_data(as_text=True)
    assert len(_comments(idea_app)) == 2

    # The planner answers on the public page: shown at once, marked, no name.
    answered = _post(client, IDEA, text="Wir prüfen Schattenplätze.", parent_id=row.id)
    assert answered.status_code == 302
    page = resident.get(IDEA).get_data(as_text=True)
    assert "Antwort des Quartiersmanagements" in page and "Wir prüfen Schattenplätze." in page
    assert "hkoenig" not in page, "the planner's account name is not shown"

    # Melden: back in the queue, still shown; the planner hides it with a reason.
    assert (
        resident.post(
            f"/kommentare/{row.id}/melden", data={"csrf_token": _csrf(resident, IDEA)}
        ).status_code
        == 302
    )
    assert "gemeldet" in client.get("/planung/kommentare").get_data(as_text=True)
    assert "Bitte mit Schatten!" in resident.get(IDEA).get_data(as_text=True)
    no_reason = _queue_action(client, row.id, "ablehnen", reason=" ")
    assert no_reason.status_code == 400 and "Begründung" in no_reason.get_data(as_text=True)
    assert _queue_action(client, row.id, "ablehnen", reason="Werbung").status_code == 302
    assert "Bitte mit Schatten!" not in resident.get(IDEA).get_data(as_text=True)
    log = client.get("/planung/kommentare").get_data(as_text=True)
    assert "Werbung" in log and "hkoenig" in log
    # Reporting what is hidden changes nothing.
    hidden = resident.post(
        f"/kommentare/{row.id}/melden", data={"csrf_token": _csrf(resident, IDEA)}
    )
    assert hidden.status_code == 409


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": "   "}, "Bitte schreiben Sie einen Kommentar."),
        ({"text": "x" * 2001}, "höchstens 2000 Zeichen"),
        ({"text": "Hallo\x00"}, "Steuerzeichen"),
        ({"text": "Gut", "name": "n" * 81}, "höchstens 80 Zeichen"),
        ({"text": "Gut", "parent_id": "gibt-es-nicht"}, "nicht (mehr) sichtbar"),
        ({"text": "Gut", "website": "http://spam"}, "Eingabe nicht annehmen"),
    ],
)
def test_bad_input_gets_a_german_message_and_stores_nothing(idea_app, data, message):
    client = idea_app.test_client()
    answer = _post(client, IDEA, **data)
    assert answer.status_code == 400
    assert message in answer.get_data(as_text=True)
    assert _comments(idea_app) == []


def test_comments_are_escaped_and_never_show_an_address(idea_app, store):
    client = idea_app.test_client()
    _post(client, IDEA, text="<script>alert(1)</script>", name="<b>Max</b>")
    [row] = _comments(idea_app)
    store.comments.approve(row.id, "lea")
    page = client.get(IDEA).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "<b>Max</b>" not in page


def test_comments_on_unknown_or_unapproved_targets_are_404(idea_app, store):
    add_idea(store, "wartet", state="pending")
    client = idea_app.test_client()
    token = _csrf(client, IDEA)
    for path in ("/ideen/wartet/kommentare", "/massnahmen/gibt-es-nicht/kommentare"):
        assert client.post(path, data={"csrf_token": token, "text": "Hallo"}).status_code == 404
    assert _comments(idea_app) == []


def test_post_moderation_shows_at_once_and_a_measure_card_counts(make_app, store, seed):
    app = make_app(COMMENTS_POST_MODERATION=True)
    client = app.test_client()
    measure = seed.measures[0]
    page = f"/massnahmen/{measure.id}"
    assert _post(client, page, text="Wann geht es los?").status_code == 302
    assert "Wann geht es los?" in client.get(page).get_data(as_text=True)
    assert "Kommentare: 1<" in client.get("/massnahmen").get_data(as_text=True)


def test_comment_posts_are_rate_limited(make_app, store):
    add_idea(store, "k1")
    app = make_app(RATELIMIT_COMMENTS="2 per minute")
    client = app.test_client()
    codes = [_post(client, IDEA, text=f"Nr. {n}").status_code for n in range(3)]
    assert codes == [302, 302, 429]
    assert len(_comments(app)) == 2


def test_an_official_answer_reaches_a_confirmed_follower_exactly_once(make_app, store, mail_server):
    add_idea(store, "k1", title="Bank am Spielplatz")
    app = make_app(**mail_server.settings(), RATELIMIT_SUBSCRIBE="1000 per minute")
    client = app.test_client()
    create_planner(app.test_cli_runner())
    address = ADDRESS_FOR_MAIL
    client.post(
        f"{IDEA}/benachrichtigen", data={"csrf_token": _csrf(client, IDEA), "email": address}
    )
    assert send_due(app).sent == 1
    [request] = mail_server.inbox.to(address)
    _confirm(client, request)

    _post(client, IDEA, text="Wo genau?")
    [row] = _comments(app)
    _login(client)
    _queue_action(client, row.id, "freigeben")
    answered = _queue_action(client, row.id, "antworten", text="Am Berliner Ring 39.")
    assert answered.status_code == 302
    assert send_due(app).sent == 1
    assert send_due(app).sent == 0
    mails = mail_server.inbox.to(address)
    assert len(mails) == 2
    answer = mails[1]
    assert "Antwort des Quartiersmanagements" in answer["Subject"]
    text = answer.get_body(("plain",)).get_content()
    assert "Am Berliner Ring 39." in text and "/ideen/k1#kommentar-" in text
    assert answer["List-Unsubscribe"]
    assert re.search(r"/benachrichtigungen/abmelden/", text)


@pytest.mark.parametrize(
    ("kind", "language", "subject"),
    [
        ("answer", "de", "Antwort des Quartiersmanagements zu „Bank“"),
        ("answer", "en", "Answer of the neighbourhood management on “Bank”"),
        ("reply", "de", "Neue Antwort in der Diskussion zu „Bank“"),
        ("reply", "en", "New reply in the discussion of “Bank”"),
    ],
)
def test_the_mails_of_an_answer_and_a_reply_in_both_languages(app, kind, language, subject):
    subscription = Subscription(1, ADDRESS_FOR_MAIL, "k1", None, False, language, "n", True)
    payload = {"idea_id": "k1", "title": "Bank", "comment_id": "c9", "text": "<b>Ja</b>"}
    message = build(app, Claimed(7, "x", kind, payload | {"name": "Mia"}, 0, subscription))
    assert message["Subject"] == subject
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "<b>Ja</b>" in text and "&lt;b&gt;Ja&lt;/b&gt;" in html and "<b>Ja" not in html
    assert "/ideen/k1#kommentar-c9" in text and message["List-Unsubscribe"]
    if kind == "reply":
        assert "Mia" in text
