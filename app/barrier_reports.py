"""Reporting a barrier: the resident's form and private status page, the planners' queue.

The feedback mechanism the accessibility statement names (§ 4 HVBIT): a report lands
with the planners, who answer it once; the resident reads the answer under a private
link. The rules are ``measures.domain.barriers``; this module only parses and responds.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext

from app import quartiere
from app.auth import current_planner, planner_required
from app.db import get_store
from app.i18n import translate, translated
from app.participation import HONEYPOT
from app.public_url import external_url
from measures.domain.barriers import STATES, InvalidReport, validate_answer, validate_report
from measures.domain.errors import Conflict
from measures.domain.ideas import hash_token
from measures.domain.notifications import language_of

bp = Blueprint("barriers", __name__)


def _slug() -> str:
    """The current Quartier: a report belongs to the one it was sent from, and only its
    planners read and answer it."""
    return quartiere.current_quartier().slug


def _form(values: dict, errors: dict[str, str], status: int = 200):
    return render_template("barriers/new.html", values=values, errors=errors), status


@bp.route("/barrierefreiheit/melden", methods=["GET", "POST"])
def report():
    """The form to report a barrier; works without JavaScript."""
    if request.method == "GET":
        return _form({"where": request.args.get("seite", "")[:300]}, {})
    values = request.form.to_dict()
    if values.get(HONEYPOT):
        return _form(values, {"form": gettext("Wir konnten die Eingabe nicht annehmen.")}, 400)
    try:
        new = validate_report(values)
    except InvalidReport as error:
        return _form(values, translated(error.errors), 400)
    # The report goes to the planners of the Quartier whose pages it was sent from. An
    # address given is asked to confirm that it wants the answer by e-mail (double
    # opt-in), in the language of the form.
    get_store().barriers.add(
        new,
        hash_token(new.status_token),
        _slug(),
        notify_language=language_of(str(get_locale())),
    )
    return redirect(url_for("barriers.status", token=new.status_token, neu=1))


@bp.get("/barrierefreiheit/meldung/<token>")
def status(token: str):
    """The resident's private view of a report: its state and the answer."""
    store = get_store()
    found = store.barriers.by_token(hash_token(token))
    if found is None:
        abort(404)
    new = request.args.get("neu") == "1"
    return render_template(
        "barriers/status.html",
        report=found,
        states=STATES,
        new=new,
        asked_to_confirm=new and bool(store.barriers.email(found.id)),
        link=external_url("barriers.status", token=token),
    )


@bp.get("/planung/barrieren")
@planner_required
def queue():
    """Reported barriers: the open ones first, each with its answer form."""
    return render_template(
        "barriers/queue.html", reports=get_store().barriers.all(_slug()), states=STATES
    )


def _planner_page(report_id: str, errors: dict[str, str] | None = None, status: int = 200):
    store = get_store()
    found = store.barriers.get(report_id, _slug())
    if found is None:
        abort(404)
    return (
        render_template(
            "barriers/planner_report.html",
            report=found,
            email=store.barriers.email(report_id),
            states=STATES,
            errors=errors or {},
            values=request.form,
        ),
        status,
    )


@bp.get("/planung/barrieren/<report_id>")
@planner_required
def planner_report(report_id: str):
    return _planner_page(report_id)


@bp.post("/planung/barrieren/<report_id>/antworten")
@planner_required
def answer(report_id: str):
    """Answer a report once; a second answer is refused with 409 and changes nothing."""
    try:
        text = validate_answer(request.form.get("answer"))
        get_store().barriers.answer(report_id, text, current_planner().username, _slug())
    except InvalidReport as error:
        return _planner_page(report_id, translated(error.errors), 400)
    except Conflict as error:
        return _planner_page(report_id, {"answer": translate(error.message)}, 409)
    except LookupError:
        abort(404)
    flash(
        gettext("Die Antwort ist gespeichert. Die meldende Person sieht sie über ihren Link."),
        "success",
    )
    return redirect(url_for("barriers.queue"))
