"""Residents take part: submit an idea, follow it by its private link, support others'.

The HTML forms here, the map's form and ``POST /api/ideas`` all go through
``submit_idea``, so every way in checks the same rules (``measures.domain.ideas``).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from itsdangerous import BadSignature, URLSafeSerializer

from app.db import get_store
from app.public_url import external_url
from measures.domain.ideas import InvalidSubmission, Submission, hash_token, validate_submission
from measures.domain.moderation import PUBLIC_STATES
from measures.domain.streets import read_streets
from measures.domain.vocabulary import CATEGORIES, MODERATION_STATES

bp = Blueprint("participation", __name__)

SUPPORT_COOKIE = "unterstuetzt"
# A browser remembers at most this many supported ideas; older ones drop out.
SUPPORT_MEMORY = 300
HONEYPOT = "website"


def submit_idea(data) -> Submission:
    """Validate and store a resident's idea; raise InvalidSubmission and store nothing."""
    store = get_store()
    submission = validate_submission(
        data, store.layers.distance_outside_quartier_m, current_app.config["QUARTIER_TOLERANCE_M"]
    )
    store.ideas.add(submission.idea, submission.contact, hash_token(submission.status_token))
    return submission


def status_url(token: str) -> str:
    return external_url("participation.status", token=token)


def spots() -> dict[str, tuple[str, float, float]]:
    """Known places and streets a resident can choose instead of a point on the map."""
    spots = {
        f"ort:{loc.id}": (loc.name, loc.geometry.x, loc.geometry.y)
        for loc in get_store().layers.records("locations")
    }
    spots.update({f"strasse:{st.name}": (st.name, st.lon, st.lat) for st in read_streets()})
    return spots


def _render_form(values: dict, errors: dict[str, str], status: int = 200):
    return (
        render_template(
            "participation/new.html",
            values=values,
            errors=errors,
            categories=CATEGORIES,
            spots=spots(),
        ),
        status,
    )


@bp.route("/ideen/neu", methods=["GET", "POST"])
def new():
    """The idea form that works without JavaScript: a place or street instead of a pin."""
    if request.method == "GET":
        return _render_form(request.args.to_dict(), {})
    values = request.form.to_dict()
    if values.get(HONEYPOT):
        # Filled by a bot that fills every field; people never see this field.
        return _render_form(
            values, {"form": gettext("Die Eingabe konnte nicht angenommen werden.")}, 400
        )
    spot = spots().get(values.get("spot", ""))
    if spot and not (values.get("lon") and values.get("lat")):
        values["lon"], values["lat"] = str(spot[1]), str(spot[2])
    try:
        submission = submit_idea(values)
    except InvalidSubmission as error:
        return _render_form(values, error.errors, 400)
    return redirect(url_for("participation.status", token=submission.status_token, neu=1))


@bp.get("/ideen/status/<token>")
def status(token: str):
    """The author's private view of an idea: its state and the planners' reason."""
    store = get_store()
    idea = store.ideas.by_token(hash_token(token))
    if idea is None:
        abort(404)
    # A duplicate links to the idea that was there first only once the public sees it.
    original = store.ideas.get(idea.duplicate_of, PUBLIC_STATES) if idea.duplicate_of else None
    return render_template(
        "participation/status.html",
        idea=idea,
        original=original,
        token=token,
        new=request.args.get("neu") == "1",
        link=status_url(token),
        states=MODERATION_STATES,
        categories=CATEGORIES,
    )


@bp.post("/ideen/status/<token>/zurueckziehen")
def withdraw(token: str):
    """Delete the idea and its personal data at the author's wish."""
    store = get_store()
    idea = store.ideas.by_token(hash_token(token))
    if idea is None:
        abort(404)
    store.ideas.withdraw(idea.id)
    return render_template("participation/withdrawn.html")


def _supported(serializer: URLSafeSerializer) -> list[str]:
    try:
        value = serializer.loads(request.cookies.get(SUPPORT_COOKIE, ""))
    except BadSignature:
        return []
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


@bp.post("/ideen/<idea_id>/unterstuetzen")
def support(idea_id: str):
    """One support per browser for an approved idea; no account needed."""
    serializer = URLSafeSerializer(current_app.secret_key, salt="unterstuetzt")
    supported = _supported(serializer)
    target = redirect(url_for("pages.idea", idea_id=idea_id))
    if idea_id in supported:
        flash(gettext("Sie haben diese Idee schon unterstützt."), "info")
        return target
    if get_store().ideas.support(idea_id) is None:
        abort(404)
    flash(gettext("Danke! Ihre Unterstützung wurde gezählt."), "success")
    supported = [*supported, idea_id][-SUPPORT_MEMORY:]
    target.set_cookie(
        SUPPORT_COOKIE,
        serializer.dumps(supported),
        max_age=2 * 365 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    return target
