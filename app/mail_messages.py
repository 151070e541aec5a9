"""The e-mails themselves: signed links, subject, plain text and HTML, and the headers.

A queued message holds a kind and plain values (``measures.domain.notifications``); it
is written here when it is sent, in the subscriber's language, from the templates in
``templates/mail/``. Every message carries a one-click unsubscribe (RFC 8058): the
``List-Unsubscribe`` header with an HTTPS link to which a mail program POSTs
``List-Unsubscribe=One-Click``, ``List-Unsubscribe-Post``, and the same link in the text.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import Flask, current_app, g, render_template
from flask_babel import force_locale, format_date, gettext
from itsdangerous import BadSignature, URLSafeSerializer

from app.db import get_store
from app.i18n import label
from app.public_url import external_url
from measures.domain.beirat import OUTCOME_LABELS
from measures.domain.notifications import (
    ANSWER,
    BARRIER_ANSWER,
    BEIRAT_OUTCOME,
    CONFIRM,
    DECISION,
    REPLY,
    BadLink,
    language_of,
)
from measures.domain.vocabulary import MODERATION_STATES, STATUSES
from measures.storage.outbox import Claimed, Subscription

CONFIRM_SALT = "mail-bestaetigen"
UNSUBSCRIBE_SALT = "mail-abmelden"
# The link from a message to the author's own status page (``notifications.status``).
STATUS_SALT = "mail-stand"


def _serializer(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=salt)


def link_token(subscription: Subscription, salt: str) -> str:
    """The secret of a confirmation or unsubscription link: the subscription's id and
    nonce, signed with the app's key (nothing of it needs to be stored)."""
    return _serializer(salt).dumps([subscription.id, subscription.nonce])


def read_link_token(token: str, salt: str) -> tuple[int, str]:
    """The subscription id and nonce of a link; BadLink for anything not made by us."""
    try:
        value = _serializer(salt).loads(token)
    except BadSignature:
        raise BadLink() from None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not isinstance(value[0], int)
        or not isinstance(value[1], str)
    ):
        raise BadLink()
    return value[0], value[1]


def _subject(message: Claimed) -> str:
    # A title may hold line breaks; a header must not (they would start another header).
    title = " ".join(str(message.payload.get("title", "")).split())
    if message.kind == CONFIRM and message.subscription.barrier_report_id:
        return gettext("Bitte bestätigen: Antwort auf Ihre Meldung einer Barriere")
    if message.kind == CONFIRM:
        return gettext("Bitte bestätigen: Benachrichtigungen zu „%(title)s“", title=title)
    if message.kind == BEIRAT_OUTCOME:
        return gettext("Der Stadtteilbeirat zu Ihrer Idee „%(title)s“", title=title)
    if message.kind == BARRIER_ANSWER:
        return gettext("Antwort auf Ihre Meldung einer Barriere")
    if message.kind == DECISION:
        return (
            gettext("Neuigkeiten zu Ihrer Idee „%(title)s“", title=title)
            if (message.subscription.author)
            else gettext("Neuigkeiten zur Idee „%(title)s“", title=title)
        )
    if message.kind == ANSWER:
        return gettext("Antwort des Quartiersmanagements zu „%(title)s“", title=title)
    if message.kind == REPLY:
        return gettext("Neue Antwort in der Diskussion zu „%(title)s“", title=title)
    return gettext("Neuer Stand der Maßnahme „%(title)s“", title=title)


def _context(message: Claimed) -> dict:
    payload = message.payload
    context = {
        "message": message,
        "payload": payload,
        "author": message.subscription.author,
        "unsubscribe_url": external_url(
            "notifications.unsubscribe",
            token=link_token(message.subscription, UNSUBSCRIBE_SALT),
        ),
        "status_label": lambda key: label(STATUSES[key]) if key in STATUSES else key,
        "outcome_label": lambda key: label(OUTCOME_LABELS[key]) if key in OUTCOME_LABELS else key,
    }
    if message.kind in (BEIRAT_OUTCOME, BARRIER_ANSWER) and message.subscription.author:
        if payload.get("day"):
            # The session's day written out in the reader's language ("13. März 2025").
            context["day"] = format_date(date.fromisoformat(payload["day"]), "long")
        context["status_url"] = external_url(
            "notifications.status", token=link_token(message.subscription, STATUS_SALT)
        )
    if message.kind == CONFIRM:
        context["confirm_url"] = external_url(
            "notifications.confirm", token=link_token(message.subscription, CONFIRM_SALT)
        )
    if payload.get("comment_id"):
        anchor = f"kommentar-{payload['comment_id']}"
        context["comment_url"] = (
            external_url("pages.idea", idea_id=payload["idea_id"], _anchor=anchor)
            if payload.get("idea_id")
            else external_url("pages.measure", measure_id=payload["measure_id"], _anchor=anchor)
        )
    if payload.get("measure_id"):
        context["measure_url"] = external_url("pages.measure", measure_id=payload["measure_id"])
    if payload.get("idea_id"):
        context["idea_url"] = external_url("pages.idea", idea_id=payload["idea_id"])
    return context


def _in_quartier_of(subscription: Subscription) -> None:
    """Make the Quartier of the followed idea or measure the request's: the links lead
    under its ``/q/<slug>/`` and the texts name it."""
    store = get_store()
    if subscription.barrier_report_id is not None:
        found = store.barriers.get(subscription.barrier_report_id)
    elif subscription.idea_id is not None:
        found = store.ideas.get(subscription.idea_id, tuple(MODERATION_STATES))
    else:
        found = store.layers.record("measures", subscription.measure_id or "")
    quartier = store.quartiere.get(found.quartier) if found is not None else None
    if quartier is not None:
        g.quartier = quartier
        g.quartier_from_url = True


def build(app: Flask, message: Claimed) -> EmailMessage:
    """The e-mail of a claimed message, in plain text and HTML."""
    base = app.config["PUBLIC_URL"] or "http://localhost"
    # Templates and url_for need a request; the sender has none, so it makes one.
    lang = language_of(message.subscription.language)
    with app.test_request_context("/", base_url=base), force_locale(lang):
        _in_quartier_of(message.subscription)
        context = _context(message) | {"lang": lang}
        subject = _subject(message)
        text = render_template(f"mail/{message.kind}.txt", subject=subject, **context)
        html = render_template(f"mail/{message.kind}.html", subject=subject, **context)
        unsubscribe_url = context["unsubscribe_url"]
    sender = app.config["MAIL_SENDER"]
    email = EmailMessage()
    email["Subject"] = subject
    email["From"] = sender
    email["To"] = message.subscription.email
    email["Date"] = format_datetime(datetime.now(UTC))
    email["Message-ID"] = make_msgid(
        f"q{message.id}", domain=sender.rpartition("@")[2].strip(">") or None
    )
    email["Auto-Submitted"] = "auto-generated"
    email["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # Quoted-printable keeps the body 7-bit: any server takes it, umlauts included.
    email.set_content(text, cte="quoted-printable")
    email.add_alternative(html, subtype="html", cte="quoted-printable")
    return email
