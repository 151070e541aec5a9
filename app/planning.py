"""The planners' area under ``/planung``: login, the moderation queue, the history.

Passwords are hashed with werkzeug's scrypt. A session is a signed cookie holding the
planner's id and a nonce that the database changes at every login and logout, so logging
out ends every copy of the session, and deactivating a planner ends their sessions too.
"""

from __future__ import annotations

import functools
import sys

import click
from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from werkzeug.security import check_password_hash, generate_password_hash

from app.db import get_store
from app.errors import Commands
from app.residents_map import build_map, map_config, render_map
from app.responses import json_response
from measures.domain.errors import UserError
from measures.domain.ideas import InvalidSubmission, validate_edit, validate_reason
from measures.domain.model import Planner
from measures.domain.vocabulary import CATEGORIES, IDEA_ACTIONS, MODERATION_STATES, STATUSES
from measures.reading import geojson

bp = Blueprint("planning", __name__, url_prefix="/planung")
planner_cli = Commands("planner", help="Konten der Planerinnen und Planer verwalten.")

MIN_PASSWORD_LENGTH = 12


def current_planner() -> Planner | None:
    """The logged-in planner, or None when the session is missing, old or revoked."""
    if "planner" in g:
        return g.planner
    planner = None
    planner_id, nonce = session.get("planner_id"), session.get("planner_nonce")
    if planner_id is not None and nonce:
        found = get_store().planner(planner_id)
        if found is not None and found.active and found.session_nonce == nonce:
            planner = found
    g.planner = planner
    return planner


def planner_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if current_planner() is None:
            return redirect(url_for("planning.login", weiter=request.path))
        return view(*args, **kwargs)

    return wrapped


def _safe_next(target: str | None) -> str:
    # Only paths inside the planners' area: no redirects to other sites.
    if target and target.startswith("/planung") and not target.startswith("//"):
        return target
    return url_for("planning.queue")


@bp.route("/anmelden", methods=["GET", "POST"])
def login():
    """Log in with name and password."""
    if request.method == "GET":
        return render_template("planning/login.html", weiter=request.args.get("weiter", ""))
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    store = get_store()
    planner = store.planner_by_name(username) if username else None
    if (
        planner is None
        or not planner.active
        or not check_password_hash(planner.password_hash, password)
    ):
        return (
            render_template(
                "planning/login.html",
                weiter=request.form.get("weiter", ""),
                error=gettext("Name oder Passwort ist falsch."),
                username=username,
            ),
            401,
        )
    nonce = store.renew_planner_nonce(planner.id)
    # A new session, so that a session id planted before the login is worthless.
    session.clear()
    session["planner_id"] = planner.id
    session["planner_nonce"] = nonce
    session.permanent = False
    return redirect(_safe_next(request.form.get("weiter")))


@bp.post("/abmelden")
def logout():
    """Log out everywhere: the nonce changes, so every copy of the session is void."""
    planner = current_planner()
    if planner is not None:
        get_store().renew_planner_nonce(planner.id)
    session.clear()
    flash(gettext("Sie sind abgemeldet."), "info")
    return redirect(url_for("planning.login"))


@bp.get("/")
@planner_required
def queue():
    """Ideas waiting for a decision, on a map and in a list; the decided ones below."""
    store = get_store()
    pending = store.ideas(states=("pending",))
    decided = store.ideas(states=("approved", "rejected"))
    quartier = store.quartier()
    fmap = build_map(quartier.geometry.bounds if quartier else None)
    config = map_config("planning")
    # The planners' map shows the ideas that wait, and links to their moderation pages.
    config["api"]["ideas"] = url_for("planning.pending_layer")
    config["detail"]["ideas"] = url_for("planning.idea", idea_id="__ID__")
    return render_template(
        "planning/queue.html",
        pending=pending,
        decided=decided,
        states=MODERATION_STATES,
        categories=CATEGORIES,
        map=render_map(fmap),
        map_config=config,
    )


@bp.get("/ideen.geojson")
@planner_required
def pending_layer():
    """The pending ideas as GeoJSON for the planners' map (not public)."""
    ideas = get_store().ideas(states=("pending",))
    return json_response(
        geojson.feature_collection([geojson.idea_feature(i) for i in ideas], "ideas")
    )


def _idea_or_404(idea_id: str):
    idea = get_store().idea(idea_id, states=tuple(MODERATION_STATES))
    if idea is None:
        abort(404)
    return idea


def _idea_page(idea_id: str, errors: dict[str, str] | None = None, status: int = 200):
    store = get_store()
    return (
        render_template(
            "planning/idea.html",
            idea=_idea_or_404(idea_id),
            contact=store.idea_contact(idea_id),
            events=store.idea_events(idea_id),
            states=MODERATION_STATES,
            actions=IDEA_ACTIONS,
            categories=CATEGORIES,
            statuses=STATUSES,
            errors=errors or {},
        ),
        status,
    )


@bp.get("/ideen/<idea_id>")
@planner_required
def idea(idea_id: str):
    """One idea with its contact data, history and the moderation actions."""
    return _idea_page(idea_id)


def _act(idea_id: str, action):
    """Run one moderation action; German errors go back to the idea page."""
    _idea_or_404(idea_id)
    try:
        message = action(get_store(), current_planner().username)
    except InvalidSubmission as error:
        return _idea_page(idea_id, error.errors, 400)
    flash(message, "success")
    return redirect(url_for("planning.idea", idea_id=idea_id))


@bp.post("/ideen/<idea_id>/freigeben")
@planner_required
def approve(idea_id: str):
    def run(store, actor):
        store.approve_idea(idea_id, actor)
        return gettext("Die Idee ist freigegeben und erscheint auf der Karte.")

    return _act(idea_id, run)


@bp.post("/ideen/<idea_id>/ablehnen")
@planner_required
def reject(idea_id: str):
    def run(store, actor):
        store.reject_idea(idea_id, actor, validate_reason(request.form.get("reason")))
        return gettext("Die Idee ist abgelehnt; die Begründung sieht die Person über ihren Link.")

    return _act(idea_id, run)


@bp.post("/ideen/<idea_id>/bearbeiten")
@planner_required
def edit(idea_id: str):
    def run(store, actor):
        title, description = validate_edit(request.form)
        store.edit_idea(idea_id, actor, title, description)
        return gettext("Der Text ist geändert; das Original bleibt gespeichert.")

    return _act(idea_id, run)


@bp.post("/ideen/<idea_id>/doppelt")
@planner_required
def duplicate(idea_id: str):
    def run(store, actor):
        other = request.form.get("duplicate_of", "").strip()
        if other == idea_id or store.idea(other, states=("approved", "pending")) is None:
            raise InvalidSubmission(
                {"duplicate_of": gettext("Bitte die Kennung einer anderen, offenen Idee angeben.")}
            )
        store.mark_duplicate(idea_id, actor, other)
        return gettext("Die Idee ist als doppelt markiert.")

    return _act(idea_id, run)


@bp.post("/ideen/<idea_id>/massnahme")
@planner_required
def convert(idea_id: str):
    def run(store, actor):
        measure_id = store.convert_to_measure(
            idea_id, actor, url_for("pages.idea", idea_id=idea_id, _external=True)
        )
        return gettext("Aus der Idee ist die Maßnahme „%(id)s“ geworden.", id=measure_id)

    return _act(idea_id, run)


@bp.post("/ideen/<idea_id>/loeschen")
@planner_required
def delete(idea_id: str):
    def run(store, actor):
        store.delete_idea(idea_id, actor)
        return gettext("Die Idee ist gelöscht; Text und Kontaktdaten sind entfernt.")

    return _act(idea_id, run)


@bp.get("/protokoll")
@planner_required
def log():
    """Every moderation action: who did what, when."""
    return render_template(
        "planning/log.html", events=get_store().idea_events(limit=500), actions=IDEA_ACTIONS
    )


@planner_cli.command("create")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Das Passwort von der Standardeingabe lesen.")
def create_planner(name: str, password_stdin: bool) -> None:
    """Legt ein Konto an (nicht interaktiv mit --password-stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Passwort", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"Das Passwort braucht mindestens {MIN_PASSWORD_LENGTH} Zeichen.")
    name = name.strip()
    if not name or len(name) > 80:
        raise UserError("Der Name muss 1 bis 80 Zeichen lang sein.")
    if not get_store().add_planner(name, generate_password_hash(password)):
        raise UserError(f"Ein Konto „{name}“ gibt es schon.")
    click.echo(f"Konto „{name}“ angelegt.")


@planner_cli.command("deactivate")
@click.argument("name")
def deactivate_planner(name: str) -> None:
    """Sperrt ein Konto; seine Sitzungen enden sofort."""
    if not get_store().deactivate_planner(name):
        raise UserError(f"Ein Konto „{name}“ gibt es nicht.")
    click.echo(f"Konto „{name}“ gesperrt.")


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["current_planner"] = current_planner
