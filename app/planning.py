"""The planners' area under ``/planung``: login, the moderation queue, the history.

Who is logged in, and how, is ``app/auth.py``; its login and logout pages are served here.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext

from app.auth import current_planner, login, logout, planner_required
from app.db import get_store
from app.map_rendering import render_map
from app.public_url import external_url
from app.residents_map import planning_map
from measures.domain.errors import Conflict
from measures.domain.ideas import InvalidSubmission, validate_edit, validate_reason
from measures.domain.vocabulary import CATEGORIES, IDEA_ACTIONS, MODERATION_STATES, STATUSES

bp = Blueprint("planning", __name__, url_prefix="/planung")
bp.add_url_rule("/anmelden", view_func=login, methods=["GET", "POST"])
bp.add_url_rule("/abmelden", view_func=logout, methods=["POST"])


@bp.get("/")
@planner_required
def queue():
    """Ideas waiting for a decision, on a map and in a list; the decided ones below."""
    store = get_store()
    pending = store.ideas.find(("pending",))
    decided = store.ideas.find(("approved", "rejected"))
    return render_template(
        "planning/queue.html",
        pending=pending,
        decided=decided,
        states=MODERATION_STATES,
        categories=CATEGORIES,
        # The ideas that wait, each linking to its moderation page.
        map=render_map(planning_map(store.layers.quartier(), pending)),
    )


def _idea_or_404(idea_id: str):
    idea = get_store().ideas.get(idea_id, tuple(MODERATION_STATES))
    if idea is None:
        abort(404)
    return idea


def _idea_page(idea_id: str, errors: dict[str, str] | None = None, status: int = 200):
    store = get_store()
    return (
        render_template(
            "planning/idea.html",
            idea=_idea_or_404(idea_id),
            contact=store.ideas.contact(idea_id),
            events=store.ideas.events(idea_id),
            states=MODERATION_STATES,
            actions=IDEA_ACTIONS,
            categories=CATEGORIES,
            statuses=STATUSES,
            errors=errors or {},
        ),
        status,
    )


def _translated(errors: dict[str, str]) -> dict[str, str]:
    # The domain's messages are German; those it marks for the catalogue have an English one.
    return {field: gettext(message) for field, message in errors.items()}


@bp.get("/ideen/<idea_id>")
@planner_required
def idea(idea_id: str):
    """One idea with its contact data, history and the moderation actions."""
    return _idea_page(idea_id)


def _act(idea_id: str, action):
    """Run one moderation action; German errors go back to the idea page.

    An action done already (a second click, another planner just before) or on a deleted
    idea changes nothing and is answered 409 with the idea as it is now; an idea withdrawn
    by its author meanwhile is gone (404).
    """
    _idea_or_404(idea_id)
    try:
        message = action(get_store(), current_planner().username)
    except InvalidSubmission as error:
        return _idea_page(idea_id, _translated(error.errors), 400)
    except Conflict as error:
        return _idea_page(idea_id, {"action": gettext(error.message)}, 409)
    except LookupError:
        abort(404)
    flash(message, "success")
    return redirect(url_for("planning.idea", idea_id=idea_id))


@bp.post("/ideen/<idea_id>/freigeben")
@planner_required
def approve(idea_id: str):
    def run(store, actor):
        store.ideas.approve(idea_id, actor)
        return gettext("Die Idee ist freigegeben und erscheint auf der Karte.")

    return _act(idea_id, run)


@bp.post("/ideen/<idea_id>/ablehnen")
@planner_required
def reject(idea_id: str):
    def run(store, actor):
        store.ideas.reject(idea_id, actor, validate_reason(request.form.get("reason")))
        return gettext("Die Idee ist abgelehnt; die Begründung sieht die Person über ihren Link.")

    return _act(idea_id, run)


@bp.post("/ideen/<idea_id>/bearbeiten")
@planner_required
def edit(idea_id: str):
    def run(store, actor):
        title, description = validate_edit(request.form)
        store.ideas.edit(idea_id, actor, title, description)
        return gettext("Der Text ist geändert; das Original bleibt gespeichert.")

    return _act(idea_id, run)


@bp.post("/ideen/<idea_id>/doppelt")
@planner_required
def duplicate(idea_id: str):
    def run(store, actor):
        store.ideas.mark_duplicate(idea_id, actor, request.form.get("duplicate_of", "").strip())
        return gettext("Die Idee ist als doppelt markiert.")

    return _act(idea_id, run)


@bp.post("/ideen/<idea_id>/massnahme")
@planner_required
def convert(idea_id: str):
    def run(store, actor):
        measure_id = store.ideas.convert_to_measure(
            idea_id, actor, external_url("pages.idea", idea_id=idea_id)
        )
        return gettext("Aus der Idee ist die Maßnahme „%(id)s“ geworden.", id=measure_id)

    return _act(idea_id, run)


@bp.post("/ideen/<idea_id>/loeschen")
@planner_required
def delete(idea_id: str):
    def run(store, actor):
        store.ideas.delete(idea_id, actor)
        return gettext("Die Idee ist gelöscht; Text und Kontaktdaten sind entfernt.")

    return _act(idea_id, run)


@bp.get("/protokoll")
@planner_required
def log():
    """Every moderation action: who did what, when."""
    return render_template(
        "planning/log.html", events=get_store().ideas.events(limit=500), actions=IDEA_ACTIONS
    )


# Pages for one reader only: the planners' area and imports, and a resident's status page.
PRIVATE_BLUEPRINTS = ("planning", "gis_import")
PRIVATE_ENDPOINTS = ("participation.status", "participation.withdraw")


def keep_private_pages_out_of_caches(response):
    """No browser or proxy cache stores a private page.

    Planners' pages show e-mail addresses and pending ideas; a status page is reached by
    its secret link. Any answer to a logged-in planner counts (``g.planner`` is set once
    ``current_planner`` found one), so the export page with its list of contact exports too.
    """
    private = (
        request.blueprint in PRIVATE_BLUEPRINTS
        or request.endpoint in PRIVATE_ENDPOINTS
        or g.get("planner") is not None
    )
    # A view may have said so already, and more ("private, no-store" of the exports).
    if private and "no-store" not in response.headers.get("Cache-Control", ""):
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.after_request(keep_private_pages_out_of_caches)
    app.jinja_env.globals["current_planner"] = current_planner
