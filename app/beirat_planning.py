"""The planners' pages of the Stadtteilbeirat under ``/planung/beirat`` (role "edit"):
sessions, their agenda, and the outcome of each item (which moves a measure along its
decision path, ``measures/storage/beirat.py``)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from app import quartiere
from app.auth import current_planner, planner_required
from app.db import get_store
from app.i18n import translate, translated
from measures.domain import beirat as rules
from measures.domain.beirat import InvalidBeiratInput, validate_outcome, validate_session
from measures.domain.errors import Conflict

bp = Blueprint("beirat_planning", __name__, url_prefix="/planung/beirat")

# What a new session's form holds before the planner types anything.
NEW_SESSION = {
    "title": "Sitzung des Stadtteilbeirats",
    "start": "18:00",
    "place": "Kinder- und Familienzentrum",
    "address": "Berliner Ring 39, 35576 Wetzlar",
    "public": "ja",
}


def _slug() -> str:
    return quartiere.current_quartier().slug


def _number(text: str) -> int:
    """A session's or item's number from the URL; any other text is no such thing (404)."""
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        abort(404)
    return int(text)


def _session_or_404(session_id: str):
    session = get_store().beirat.session(_slug(), _number(session_id))
    if session is None:
        abort(404)
    return session


def session_form_values(session) -> dict[str, str]:
    """A stored session as its form's fields (local times in Wetzlar)."""
    return {
        "title": session.title,
        "date": session.local_start.date().isoformat(),
        "start": session.local_start.strftime("%H:%M"),
        "end": session.local_end.strftime("%H:%M") if session.local_end else "",
        "place": session.place,
        "address": session.address,
        "public": "ja" if session.public else "",
    }


@bp.get("/")
@planner_required
def sessions():
    """Every session of the Quartier, the next first, then the past ones."""
    found = get_store().beirat.sessions(_slug())
    return render_template(
        "beirat/planning_sessions.html",
        upcoming=[s for s in found if not s.held],
        past=[s for s in reversed(found) if s.held],
    )


def _new_page(errors=None, values=None, status=200):
    return (
        render_template(
            "beirat/planning_new.html", errors=errors or {}, values=values or NEW_SESSION
        ),
        status,
    )


@bp.get("/neu")
@planner_required
def new_form():
    return _new_page()


@bp.post("/neu")
@planner_required
def create():
    """Create a session; its agenda is filled on its own page."""
    try:
        given = validate_session(request.form)
    except InvalidBeiratInput as error:
        return _new_page(translated(error.errors), request.form, 400)
    session_id = get_store().beirat.create(_slug(), given, current_planner().username)
    flash(gettext("Die Sitzung ist angelegt. Jetzt können Sie die Tagesordnung füllen."), "success")
    return redirect(url_for(".session", session_id=session_id), code=303)


def _session_page(session, errors=None, values=None, status=200, agenda_values=None):
    return (
        render_template(
            "beirat/planning_session.html",
            session=session,
            errors=errors or {},
            values=values or session_form_values(session),
            agenda_values=agenda_values or {},
            choices=get_store().beirat.choices(_slug()),
        ),
        status,
    )


@bp.get("/<session_id>")
@planner_required
def session(session_id: str):
    """A session: its data, its agenda, and the outcome of each item."""
    return _session_page(_session_or_404(session_id))


@bp.post("/<session_id>")
@planner_required
def update(session_id: str):
    found = _session_or_404(session_id)
    try:
        get_store().beirat.update(
            _slug(), found.id, validate_session(request.form), current_planner().username
        )
    except InvalidBeiratInput as error:
        return _session_page(found, translated(error.errors), request.form, 400)
    except Conflict as error:
        return _session_page(found, {"action": translate(error.message)}, status=409)
    flash(gettext("Die Sitzung ist gespeichert."), "success")
    return redirect(url_for(".session", session_id=found.id), code=303)


@bp.post("/<session_id>/loeschen")
@planner_required
def delete(session_id: str):
    """Delete a session with its agenda, once the planner has confirmed it."""
    found = _session_or_404(session_id)
    if request.form.get("bestaetigt") != "ja":
        message = gettext("Bitte bestätigen Sie, dass die Sitzung gelöscht werden soll.")
        return _session_page(found, {"bestaetigt": message}, status=400)
    try:
        get_store().beirat.delete(_slug(), found.id)
    except Conflict as error:
        return _session_page(found, {"action": translate(error.message)}, status=409)
    flash(gettext("Die Sitzung ist gelöscht."), "success")
    return redirect(url_for(".sessions"), code=303)


@bp.post("/<session_id>/punkte")
@planner_required
def add_item(session_id: str):
    """Put a measure, an idea (each chosen from a list) or a topic on the agenda."""
    found = _session_or_404(session_id)
    kind = request.form.get("kind", "")
    try:
        if kind == "topic":
            title, text = rules.validate_topic(request.form)
            ref = None
        elif kind in ("measure", "idea"):
            ref = request.form.get(kind, "").strip()
            if not ref:
                raise InvalidBeiratInput({kind: rules.CHOICE_MISSING})
            title = text = ""
        else:
            abort(400)
        get_store().beirat.add_item(_slug(), found.id, kind, ref, title, text)
    except InvalidBeiratInput as error:
        errors = translated(error.errors)
        if kind == "topic":
            errors = {f"topic_{field}": message for field, message in errors.items()}
        return _session_page(found, errors, status=400, agenda_values=request.form)
    except Conflict as error:
        return _session_page(found, {"action": translate(error.message)}, status=409)
    flash(gettext("Der Punkt steht jetzt auf der Tagesordnung."), "success")
    return redirect(url_for(".session", session_id=found.id) + "#tagesordnung", code=303)


def _item_or_404(session, item_id: str):
    item = session.item(_number(item_id))
    if item is None:
        abort(404)
    return item


@bp.post("/<session_id>/punkte/<item_id>/verschieben")
@planner_required
def move_item(session_id: str, item_id: str):
    """Move an item one place up or down."""
    found = _session_or_404(session_id)
    item = _item_or_404(found, item_id)
    direction = request.form.get("richtung")
    if direction not in ("hoch", "runter"):
        abort(400)
    try:
        get_store().beirat.move_item(
            _slug(),
            found.id,
            item.id,
            -1 if direction == "hoch" else 1,
            current_planner().username,
        )
    except Conflict as error:
        return _session_page(found, {"action": translate(error.message)}, status=409)
    return redirect(url_for(".session", session_id=found.id) + "#tagesordnung", code=303)


@bp.post("/<session_id>/punkte/<item_id>/entfernen")
@planner_required
def remove_item(session_id: str, item_id: str):
    found = _session_or_404(session_id)
    item = _item_or_404(found, item_id)
    try:
        get_store().beirat.remove_item(_slug(), found.id, item.id, current_planner().username)
    except Conflict as error:
        return _session_page(found, {"action": translate(error.message)}, status=409)
    flash(gettext("Der Punkt ist von der Tagesordnung genommen."), "success")
    return redirect(url_for(".session", session_id=found.id) + "#tagesordnung", code=303)


def _outcome_page(session, item, errors=None, values=None, status=200):
    return (
        render_template(
            "beirat/planning_outcome.html",
            session=session,
            item=item,
            errors=errors or {},
            values=values if values is not None else _outcome_values(item),
        ),
        status,
    )


def _outcome_values(item) -> dict[str, str]:
    def shown(count):
        return "" if count is None else str(count)

    return {
        "outcome": item.outcome or "",
        "votes_yes": shown(item.votes_yes),
        "votes_no": shown(item.votes_no),
        "votes_abstain": shown(item.votes_abstain),
        "note": item.note,
    }


@bp.get("/<session_id>/punkte/<item_id>")
@planner_required
def outcome_form(session_id: str, item_id: str):
    """The form for an item's outcome."""
    found = _session_or_404(session_id)
    return _outcome_page(found, _item_or_404(found, item_id))


@bp.post("/<session_id>/punkte/<item_id>")
@planner_required
def record_outcome(session_id: str, item_id: str):
    """Record an item's outcome; a measure's decision path gets (or changes) its step."""
    found = _session_or_404(session_id)
    item = _item_or_404(found, item_id)
    try:
        given = validate_outcome(request.form)
        get_store().beirat.record_outcome(
            _slug(), found.id, item.id, given, current_planner().username
        )
    except InvalidBeiratInput as error:
        return _outcome_page(found, item, translated(error.errors), request.form, 400)
    except Conflict as error:
        return _outcome_page(found, item, {"action": translate(error.message)}, request.form, 409)
    if item.kind == "measure":
        flash(
            gettext(
                "Das Ergebnis ist eingetragen, und der Entscheidungsweg der Maßnahme hat den "
                "Schritt des Stadtteilbeirats."
            ),
            "success",
        )
    else:
        flash(gettext("Das Ergebnis ist eingetragen."), "success")
    return redirect(url_for(".session", session_id=found.id) + "#tagesordnung", code=303)


def init_app(app) -> None:
    quartiere.register(app, bp)
