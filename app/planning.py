"""The planners' area under ``/planung``: login, the moderation queue, the history.

Who is logged in, and how, is ``app/auth.py``; its login and logout pages are served here.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    g,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext

from app import moderation, quartiere
from app.auth import current_planner, has_role, login, login_code, logout, planner_required
from app.db import get_store
from app.map_rendering import render_map
from app.photo_files import remove_files
from app.planning_maps import planning_map
from app.public_url import external_url
from app.residents_map import record_map
from measures.domain.accounts import ACCOUNT_ACTIONS
from measures.domain.editing import PUBLICATION_STATES
from measures.domain.ideas import InvalidSubmission, validate_edit, validate_reason
from measures.domain.moderation import measure_id_for
from measures.domain.vocabulary import CATEGORIES, IDEA_ACTIONS, MODERATION_STATES, STATUSES

bp = Blueprint("planning", __name__, url_prefix="/planung")
bp.add_url_rule("/anmelden", view_func=login, methods=["GET", "POST"])
bp.add_url_rule("/abmelden", view_func=logout, methods=["POST"])
bp.add_url_rule("/anmelden/code", view_func=login_code, methods=["GET", "POST"])


@bp.get("/")
@planner_required
def queue():
    """Ideas waiting for a decision, on a map and in a list; the decided ones below."""
    store = get_store()
    pending = store.ideas.find(("pending",), quartiere.scoped())
    decided = store.ideas.find(("approved", "rejected"), quartiere.scoped())
    return render_template(
        "planning/queue.html",
        pending=pending,
        decided=decided,
        states=MODERATION_STATES,
        categories=CATEGORIES,
        # The ideas that wait, each linking to its moderation page.
        map=render_map(
            planning_map(store.layers.quartier(quartiere.current_quartier().slug), pending)
        ),
    )


def _idea_or_404(idea_id: str):
    # An idea of another Quartier is none of this one's (its planners may have no right).
    idea = get_store().ideas.get(
        idea_id, tuple(MODERATION_STATES), quartiere.current_quartier().slug
    )
    if idea is None:
        abort(404)
    return idea


# How far around an idea the planners are offered ideas it may be a duplicate of.
DUPLICATE_RADIUS_M = 300


def _next_waiting(store, idea_id: str):
    """The oldest idea that still waits, other than this one: where to go on after a decision."""
    waiting = [i for i in store.ideas.find(("pending",), quartiere.scoped()) if i.id != idea_id]
    return waiting[-1] if waiting else None


def _idea_page(idea_id: str, errors: dict[str, str] | None = None, status: int = 200):
    store = get_store()
    idea = _idea_or_404(idea_id)
    nearby = [
        other
        for other in store.ideas.near(
            idea.geometry, DUPLICATE_RADIUS_M, limit=15, query=quartiere.scoped()
        )
        if other.id != idea_id
    ]
    return (
        render_template(
            "planning/idea.html",
            idea=idea,
            map=render_map(record_map(store.layers.quartier(idea.quartier), "ideas", idea)),
            nearby=nearby,
            next_waiting=_next_waiting(store, idea_id),
            original=(
                store.ideas.get(idea.duplicate_of, tuple(MODERATION_STATES))
                if idea.duplicate_of
                else None
            ),
            contact=store.ideas.contact(idea_id),
            events=store.ideas.events(idea_id),
            states=MODERATION_STATES,
            actions=IDEA_ACTIONS,
            categories=CATEGORIES,
            statuses=STATUSES,
            # The measure it is taken up in, public or not (a draft made of it).
            taken_up=(
                store.editing.get("measures", idea.measure_id, idea.quartier)
                if idea.measure_id
                else None
            ),
            publication_states=PUBLICATION_STATES,
            # The measures of the idea's Quartier it can be taken up in, by title.
            measure_titles={
                m.id: m.title for m in store.layers.records("measures", quartiere.scoped())
            },
            errors=errors or {},
        ),
        status,
    )


@bp.get("/ideen/<idea_id>")
@planner_required
def idea(idea_id: str):
    """One idea with its contact data, history and the moderation actions."""
    return _idea_page(idea_id)


def _act(idea_id: str, action, done_url: str | None = None):
    """Run one moderation action; German errors go back to the idea page.

    An action done already (a second click, another planner just before) or on a deleted
    idea changes nothing and is answered 409 with the idea as it is now; an idea withdrawn
    by its author meanwhile is gone (404). Done, the planner is led to ``done_url``
    (the idea by default).
    """
    _idea_or_404(idea_id)
    return moderation.step(
        action,
        InvalidSubmission,
        lambda errors, status: _idea_page(idea_id, errors, status),
        done_url or url_for("planning.idea", idea_id=idea_id),
    )


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
    """Make a draft measure of the idea; a planner who edits measures goes on to its form
    to complete and publish it."""

    def run(store, actor):
        measure_id = store.ideas.convert_to_measure(
            idea_id, actor, external_url("pages.idea", idea_id=idea_id)
        )
        return gettext(
            "Aus der Idee ist der Entwurf der Maßnahme „%(id)s“ geworden. Öffentlich ist er "
            "erst, wenn Sie ihn ergänzt und veröffentlicht haben.",
            id=measure_id,
        )

    done = (
        url_for("editing.edit", kind="massnahmen", record_id=measure_id_for(idea_id))
        if has_role("edit")
        else None
    )
    return _act(idea_id, run, done)


@bp.post("/ideen/<idea_id>/aufgegriffen")
@planner_required
def link_measure(idea_id: str):
    """Note the measure that took the idea up ("aufgegriffen in …"), or none."""

    def run(store, actor):
        measure_id = request.form.get("measure_id", "").strip() or None
        store.ideas.link_to_measure(idea_id, actor, measure_id)
        if measure_id is None:
            return gettext("Die Idee ist mit keiner Maßnahme mehr verknüpft.")
        return gettext("Die Idee ist als aufgegriffen in der Maßnahme verknüpft.")

    return _act(idea_id, run)


@bp.post("/ideen/<idea_id>/loeschen")
@planner_required
def delete(idea_id: str):
    """Delete an idea's text and contact data, once the planner has confirmed it."""
    if request.form.get("bestaetigt") != "ja":
        _idea_or_404(idea_id)
        message = gettext("Bitte bestätigen Sie, dass die Idee endgültig gelöscht werden soll.")
        return _idea_page(idea_id, {"action": message}, 400)

    def run(store, actor):
        photo_keys: list[str] = []
        store.ideas.delete(idea_id, actor, photo_keys)
        remove_files(photo_keys)
        return gettext("Die Idee ist gelöscht; Text, Kontaktdaten und Fotos sind entfernt.")

    return _act(idea_id, run)


@bp.get("/protokoll")
@planner_required
def log():
    """Every moderation action: who did what, when."""
    store = get_store()
    events = store.ideas.events(limit=500, quartier=quartiere.current_quartier().slug)
    # Ideas by their titles (a deleted one keeps its placeholder title), not by their ids.
    # Only the logged ideas' titles are read: the Quartier may hold 100,000 ideas.
    titles = store.ideas.titles(e.idea_id for e in events)
    # The accounts' log (app/accounts.py) is the admins'.
    account_events = (
        store.planners.events(quartiere.current_quartier().slug) if has_role("admin") else None
    )
    return render_template(
        "planning/log.html",
        events=events,
        actions=IDEA_ACTIONS,
        titles=titles,
        account_events=account_events,
        account_actions=ACCOUNT_ACTIONS,
    )


# Pages for one reader only: the planners' area and imports, and a resident's status page.
PRIVATE_BLUEPRINTS = (
    "planning",
    "gis_import",
    "editing",
    "history",
    "decision_path",
    "reports",
    "beirat_planning",
    "account",
    "accounts",
    "statistics",
)
PRIVATE_ENDPOINTS = (
    "participation.status",
    "participation.withdraw",
    "notifications.confirm",
    "notifications.unsubscribe",
    "notifications.status",
    "barriers.status",
)


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
    quartiere.register(app, bp)
    app.after_request(keep_private_pages_out_of_caches)
    app.jinja_env.globals["current_planner"] = current_planner
