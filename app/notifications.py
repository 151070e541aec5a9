"""E-mail news for residents: "Benachrichtigen", the confirmation and the unsubscription.

Asking for news only queues a request to confirm (double opt-in); the answer is the same
whether the address followed the idea or measure already or not, so that nobody learns
about someone else's address. Confirming and unsubscribing are each a button on a page
that the link of the e-mail opens (a link checker opening the link changes nothing);
the unsubscription also takes RFC 8058's one-click POST from mail programs, which send
no CSRF token, and needs none: the signed link is the secret.

A message to an author (the Stadtteilbeirat's outcome on their idea, the answer to their
reported barrier) links to a page of their own, ``status``: the private status link
itself cannot be in it, since only its hash is stored. That page is signed like the
other links, shows what the private status page shows (to read only) and is gone with the
subscription.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import get_locale

from app.db import get_store, mail_retention_cutoffs
from app.mail_messages import CONFIRM_SALT, STATUS_SALT, UNSUBSCRIBE_SALT, read_link_token
from app.quartiere import current_quartier, register, scoped
from app.security import csrf, limit_views
from measures.domain.barriers import STATES as BARRIER_STATES
from measures.domain.notifications import (
    USED_CONFIRMATION,
    ExpiredSubscription,
    GoneSubscription,
    UsedLink,
    language_of,
    validate_address,
)
from measures.domain.vocabulary import MODERATION_STATES

bp = Blueprint("notifications", __name__)


def _subscribe(title: str, **target):
    email = validate_address(request.form.get("email"))
    get_store().mail.subscribe(email, language_of(str(get_locale())), title=title, **target)
    return render_template("notifications/requested.html", title=title)


@bp.post("/massnahmen/<measure_id>/benachrichtigen")
def follow_measure(measure_id: str):
    """Ask for news of a measure's steps; a request to confirm goes out first."""
    measure = get_store().layers.record("measures", measure_id, scoped())
    if measure is None:
        abort(404)
    return _subscribe(measure.title, measure_id=measure.id)


@bp.post("/ideen/<idea_id>/benachrichtigen")
def follow_idea(idea_id: str):
    """Ask for news of an approved idea (becoming a measure, or taken back)."""
    idea = get_store().layers.record("ideas", idea_id, scoped())
    if idea is None:
        abort(404)
    return _subscribe(idea.title, idea_id=idea.id)


def _subscription(token: str, salt: str):
    subscription_id, nonce = read_link_token(token, salt)
    subscription = get_store().mail.subscription(subscription_id)
    if subscription is None or subscription.nonce != nonce:
        raise GoneSubscription()
    return subscription


@bp.route("/benachrichtigungen/bestaetigen/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """The link of the request to confirm: a page with the button that confirms."""
    subscription = _subscription(token, CONFIRM_SALT)
    if subscription.confirmed:
        raise UsedLink(USED_CONFIRMATION)
    if request.method == "GET":
        return render_template("notifications/confirm.html", token=token)
    # Past the retention rules, the address is deleted rather than confirmed: nothing
    # goes to an address that the daily purge should have deleted already.
    outcome = get_store().mail.confirm(
        subscription.id, subscription.nonce, **mail_retention_cutoffs()
    )
    if outcome == "used":
        raise UsedLink(USED_CONFIRMATION)
    if outcome == "gone":
        raise GoneSubscription()
    if outcome == "expired":
        raise ExpiredSubscription()
    return render_template("notifications/confirmed.html")


@bp.route("/benachrichtigungen/abmelden/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    """Unsubscribe: a page with a button, or at once by a mail program's one-click POST.

    The address goes too when no other subscription needs it.
    """
    subscription = _subscription(token, UNSUBSCRIBE_SALT)
    if request.method == "GET":
        return render_template("notifications/unsubscribe.html", token=token)
    if not get_store().mail.unsubscribe(subscription.id, subscription.nonce):
        raise GoneSubscription()
    return render_template("notifications/unsubscribed.html")


@bp.get("/benachrichtigungen/stand/<token>")
def status(token: str):
    """The link of a message to an author: their idea's state and the Stadtteilbeirat's
    outcomes, or their reported barrier and its answer, to read. Withdrawing an idea
    stays with the private status link."""
    subscription = _subscription(token, STATUS_SALT)
    if not subscription.author:
        abort(404)
    store = get_store()
    slug = current_quartier().slug
    if subscription.barrier_report_id is not None:
        report = store.barriers.get(subscription.barrier_report_id, slug)
        if report is None:
            abort(404)
        return render_template(
            "notifications/status.html", idea=None, report=report, states=BARRIER_STATES
        )
    kept = tuple(state for state in MODERATION_STATES if state != "deleted")
    idea = store.ideas.get(subscription.idea_id or "", kept, slug)
    if idea is None:
        abort(404)
    return render_template(
        "notifications/status.html", idea=idea, report=None, states=MODERATION_STATES
    )


def init_app(app, limiter) -> None:
    # Under /q/<slug>/ (a Quartier's ideas and measures) and at the old URLs.
    register(app, bp)
    limit_views(
        app,
        limiter.limit(lambda: app.config["RATELIMIT_SUBSCRIBE"], methods=["POST"]),
        "notifications.follow_measure",
        "notifications.follow_idea",
    )
