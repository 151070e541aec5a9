"""Residents take part: submit an idea, follow it by its private link, support others'.

The HTML forms here, the map's form and ``POST /api/ideas`` all go through
``submit_idea``, so every way in checks the same rules (``measures.domain.ideas``).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from itsdangerous import BadSignature, URLSafeSerializer

from app.db import get_store
from app.i18n import translated
from app.photo_files import remove_files
from app.public_url import external_url
from app.quartiere import current_quartier, quartiere_version, read_quartier_again, scoped
from app.security import redirect_path
from measures.domain import geo
from measures.domain.ideas import InvalidSubmission, Submission, hash_token, validate_submission
from measures.domain.moderation import PUBLIC_STATES
from measures.domain.notifications import language_of
from measures.domain.quartiere import QuartierProfile
from measures.domain.streets import streets_of
from measures.domain.vocabulary import CATEGORIES, MODERATION_STATES
from measures.storage.intake import QuartierChanged

bp = Blueprint("participation", __name__)

SUPPORT_COOKIE = "unterstuetzt"
# A browser remembers at most this many supported ideas; older ones drop out.
SUPPORT_MEMORY = 300
HONEYPOT = "website"


# How often an idea is checked again when the Quartiere changed under it; a planner
# changes them seldom, so a third change within one request means something is wrong.
ATTEMPTS = 3


def submit_idea(data) -> Submission:
    """Validate and store a resident's idea; raise InvalidSubmission and store nothing.

    The point is checked against the Quartier as this worker last read it; the store
    takes the idea only while the Quartiere are still at that version, else the
    Quartier is read again and the idea checked once more (``intake.py``).
    """
    quartier = current_quartier()
    for _ in range(ATTEMPTS - 1):
        submission = _checked(data, quartier)
        try:
            _store(submission)
            return submission
        except QuartierChanged:
            quartier = read_quartier_again()
    # The last attempt: should the Quartiere change once more, QuartierChanged (409) asks
    # the person to send the idea again; nothing of it is stored.
    submission = _checked(data, quartier)
    _store(submission)
    return submission


def _store(submission: Submission) -> None:
    # An address given with the idea is asked to confirm that it wants the decision by
    # e-mail (double opt-in); the message goes out in the language of the form.
    get_store().ideas.add(
        submission.idea,
        submission.contact,
        hash_token(submission.status_token),
        notify_language=language_of(str(get_locale())),
        quartier_version=quartiere_version(),
    )


def _checked(data, quartier: QuartierProfile) -> Submission:
    return validate_submission(
        data,
        # The boundary read for this request already, measured as the database would
        # (``spatial.py``: EPSG:25832 on both backends), without asking it again.
        lambda point: geo.distance_outside_m(quartier.boundary, point),
        quartier.tolerance_m,
        quartier=quartier.slug,
        quartier_name=quartier.name,
    )


def status_url(token: str) -> str:
    return external_url("participation.status", token=token)


def spots() -> dict[str, tuple[str, float, float]]:
    """Known places and streets a resident can choose instead of a point on the map."""
    spots = {
        f"ort:{loc.id}": (loc.name, loc.geometry.x, loc.geometry.y)
        for loc in get_store().layers.records("locations", scoped())
    }
    streets = streets_of(current_quartier().slug)
    spots.update({f"strasse:{st.name}": (st.name, st.lon, st.lat) for st in streets})
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
            values, {"form": gettext("Wir konnten die Eingabe nicht annehmen.")}, 400
        )
    spot = spots().get(values.get("spot", ""))
    if spot and not (values.get("lon") and values.get("lat")):
        values["lon"], values["lat"] = str(spot[1]), str(spot[2])
    try:
        submission = submit_idea(values)
    except InvalidSubmission as error:
        return _render_form(values, translated(error.errors), 400)
    return redirect(url_for("participation.status", token=submission.status_token, neu=1))


def _status_page(token: str, idea, confirm_error: str = "", status: int = 200):
    # A duplicate links to the idea that was there first only once the public sees it.
    store = get_store()
    original = (
        store.ideas.get(idea.duplicate_of, PUBLIC_STATES, idea.quartier)
        if idea.duplicate_of
        else None
    )
    page = render_template(
        "participation/status.html",
        idea=idea,
        original=original,
        token=token,
        new=request.args.get("neu") == "1",
        asked_to_confirm=_asked_to_confirm(idea.id) if request.args.get("neu") == "1" else False,
        link=status_url(token),
        states=MODERATION_STATES,
        categories=CATEGORIES,
        confirm_error=confirm_error,
    )
    return page, status


@bp.get("/ideen/status/<token>")
def status(token: str):
    """The author's private view of an idea: its state and the planners' reason."""
    return _status_page(token, _own_idea_by_token(token))


def _asked_to_confirm(idea_id: str) -> bool:
    contact = get_store().ideas.contact(idea_id)
    return bool(contact and contact.email)


@bp.post("/ideen/status/<token>/zurueckziehen")
def withdraw(token: str):
    """Delete the idea and its personal data at the author's wish, once confirmed."""
    store = get_store()
    idea = _own_idea_by_token(token)
    if request.form.get("bestaetigt") != "ja":
        # One tap must not delete: the box says that this cannot be undone.
        message = gettext("Bitte bestätigen Sie, dass die Idee endgültig gelöscht werden soll.")
        return _status_page(token, idea, message, 400)
    photo_keys: list[str] = []
    store.ideas.withdraw(idea.id, photo_keys)
    remove_files(photo_keys)
    return render_template("participation/withdrawn.html")


def _own_idea_by_token(token: str):
    """The idea of a private status link, if it is one of this Quartier's; else 404."""
    idea = get_store().ideas.by_token(hash_token(token))
    if idea is None or idea.quartier != current_quartier().slug:
        abort(404)
    return idea


def _supported(serializer: URLSafeSerializer) -> list[str]:
    try:
        value = serializer.loads(request.cookies.get(SUPPORT_COOKIE, ""))
    except BadSignature:
        return []
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _support_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="unterstuetzt")


def supported_ideas() -> list[str]:
    """The ideas this browser has supported (its cookie), for the "unterstützt" state."""
    return _supported(_support_serializer())


@bp.post("/ideen/<idea_id>/unterstuetzen")
def support(idea_id: str):
    """One support per browser for an approved idea; no account needed. Back to the page
    the support came from (``weiter``: the map, the list), else to the idea's page."""
    serializer = _support_serializer()
    supported = _supported(serializer)
    back = redirect_path(request.form.get("weiter"), url_for("pages.idea", idea_id=idea_id))
    target = redirect(back)
    if idea_id in supported:
        flash(gettext("Sie haben diese Idee schon unterstützt."), "info")
        return target
    store = get_store()
    if store.ideas.get(idea_id, PUBLIC_STATES, current_quartier().slug) is None:
        abort(404)
    if store.ideas.support(idea_id) is None:
        abort(404)
    flash(gettext("Danke! Wir haben Ihre Unterstützung gezählt."), "success")
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
