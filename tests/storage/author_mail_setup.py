"""What the tests of hearing back by e-mail set up: an idea on a session's agenda with its
author's address, a reported barrier, the outcome recorded, and the messages queued."""

from __future__ import annotations

import datetime

from measures.domain.barriers import validate_report
from measures.domain.beirat import OutcomeInput, SessionInput
from measures.domain.ideas import IdeaContact, hash_token
from tests.factories import idea

AUTHOR = "autorin@example.org"
FOLLOWER = "nachbar@example.org"
START = datetime.datetime(2025, 3, 13, 17, 0, tzinfo=datetime.UTC)


def confirm_all(store) -> None:
    """Confirm every waiting subscription (as its link would); take what is queued, the
    requests and the news of the idea's earlier decision that confirming brings."""
    while taken := store.mail.claim(100, 60):
        for message in taken:
            if message.kind == "confirm":
                store.mail.confirm(message.subscription.id, message.subscription.nonce)
            store.mail.mark_sent(message)


def messages(store) -> list:
    taken = store.mail.claim(100, 60)
    for message in taken:
        store.mail.mark_sent(message)
    return taken


def outbox(store) -> int:
    return store.mail.counts()["outbox"]


def idea_on_agenda(
    store,
    *,
    email: str = AUTHOR,
    confirm: bool = True,
    state: str = "approved",
    language: str = "de",
    start: datetime.datetime = START,
):
    """An idea of ``email`` (none: no address) on a session's agenda; (session, item)."""
    new = idea("brunnen", title="Trinkbrunnen am Berliner Ring", state=state)
    contact = IdeaContact(new.id, "", email) if email else None
    store.ideas.add(new, contact, hash_token("geheim"), notify_language=language)
    # The mail job subscribes an author who asked for news with the idea (mail.py).
    store.mail.subscribe_authors(10)
    if confirm:
        confirm_all(store)
    session_id = session(store, start)
    item_id = store.beirat.add_item("dalheim", session_id, "idea", new.id, "", "")
    return session_id, item_id


def session(store, start: datetime.datetime = START) -> int:
    return store.beirat.create(
        "dalheim",
        SessionInput(
            "Sitzung", start, start + datetime.timedelta(hours=2), "KiFaZ", "Berliner Ring", True
        ),
        "lea",
    )


def record(store, session_id: int, item_id: int, outcome: str, note: str = "") -> None:
    store.beirat.record_outcome(
        "dalheim", session_id, item_id, OutcomeInput(outcome, 7, 2, None, note), "lea"
    )


def report(store, email: str = AUTHOR):
    new = validate_report({"description": "Der Kartenknopf ist zu klein.", "email": email})
    store.barriers.add(new, hash_token(new.status_token), "dalheim", notify_language="de")
    return new.report.id


def request(store):
    """The request to confirm the author's address, taken as the sender would (and left
    unanswered for now)."""
    [request] = store.mail.claim(100, 60)
    assert request.kind == "confirm"
    store.mail.mark_sent(request)
    return request.subscription
