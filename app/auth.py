"""Planners' accounts and sessions: login, logout, ``current_planner``, ``planner_required``.

Passwords are hashed with werkzeug's scrypt. A session is a signed cookie holding the
planner's id and a nonce that the database changes at every login and logout, so logging
out ends every copy of the session, and deactivating a planner ends their sessions too.
The login and logout pages belong to the planners' area: ``app/planning.py`` serves them
under ``/planung``. Accounts are made on the command line (``flask --app app planner``) or
by an admin in the browser (``app/accounts.py``).

A planner with a second factor logs in in two steps: the password, then a code of their
authenticator app (``login_code``); between them the session holds only a pending login
that no page accepts. A planner who must have a second factor and has none yet is led to
set it up before anything else: until then ``current_planner`` is None for them, and every
planners' page leads to the setup page.
"""

from __future__ import annotations

import functools
import secrets
import sys
import time
from datetime import UTC, datetime

import click
from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext
from werkzeug.security import check_password_hash, generate_password_hash

from app.db import get_store
from app.errors import Commands
from app.quartiere import current_quartier
from app.security import redirect_path
from measures.domain.accounts import (
    MAX_CODE_ATTEMPTS,
    SETUP_LINK_DAYS,
    SETUP_LINK_LIFETIME,
    PasswordRefused,
    check_password,
    matching_step,
    new_setup_link,
    password_limits,
)
from measures.domain.errors import UserError
from measures.domain.model import Planner
from measures.domain.quartiere import check_slug
from measures.domain.roles import ROLES, allows
from measures.storage.planners import CLI_ACTOR

planner_cli = Commands("planner", help="Konten der Planerinnen und Planer verwalten.")

MIN_PASSWORD_LENGTH = password_limits()["min"]
# How long the second step of a login waits for its code.
CODE_STEP_SECONDS = 300


def session_planner() -> Planner | None:
    """The planner of this session (active, its nonce current), second factor or not."""
    if "session_planner" in g:
        return g.session_planner
    planner = None
    planner_id, nonce = session.get("planner_id"), session.get("planner_nonce")
    if planner_id is not None and nonce:
        found = get_store().planners.get(planner_id)
        if found is not None and found.active and found.session_nonce == nonce:
            planner = found
    g.session_planner = planner
    return planner


def needs_second_factor(planner: Planner) -> bool:
    """The planner must set up a second factor before anything else."""
    if planner.totp_secret:
        return False
    return planner.totp_required or get_store().planners.totp_required_everywhere()


def current_planner() -> Planner | None:
    """The logged-in planner, or None when the session is missing, old or revoked, or the
    planner must first set up their second factor."""
    if "planner" in g:
        return g.planner
    planner = session_planner()
    if planner is not None and needs_second_factor(planner):
        planner = None
    g.planner = planner
    return planner


# The role a planner needs in the Quartier for the routes of each blueprint: "any" is
# any role there (a planner's own account); a blueprint not named needs "admin".
ROLE_FOR = {
    "planning": "moderate",
    "comments": "moderate",
    "barriers": "moderate",
    "gis_import": "edit",
    "editing": "edit",
    "history": "edit",
    "decision_path": "edit",
    "reports": "edit",
    "beirat_planning": "edit",
    "export": "moderate",
    "statistics": "moderate",
    "account": "any",
}


def has_role(role: str) -> bool:
    """The logged-in planner holds ``role`` (or "admin") in the current Quartier."""
    planner = current_planner()
    if planner is None:
        return False
    held = get_store().planners.roles(planner.id, current_quartier().slug)
    return bool(held) if role == "any" else allows(held, role)


def planner_required(view):
    """Log in first; then the planner needs a role in the Quartier of the request, else
    nothing of it is there for them (404)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if current_planner() is None:
            if session_planner() is not None:  # a second factor to set up first
                return redirect(url_for("account.second_factor"))
            return redirect(url_for("planning.login", weiter=request.path))
        if not has_role(ROLE_FOR.get(request.blueprint or "", "admin")):
            abort(404)
        return view(*args, **kwargs)

    # Marks the route as the planners' (the tests walk every such route).
    wrapped.planners_only = True
    return wrapped


@functools.cache
def _unknown_name_hash() -> str:
    """The hash an unknown name is checked against: a random password's, made once."""
    return generate_password_hash(secrets.token_urlsafe(32))


def password_matches(planner: Planner | None, password: str) -> bool:
    """Check the password; for an unknown name against a hash of the same kind.

    Without a check an unknown name is answered at once (5 ms against 99 ms), which tells
    anyone which names have an account. Every login costs one check, whoever asks.
    """
    known = planner is not None and planner.has_password
    stored = planner.password_hash if known else _unknown_name_hash()
    return check_password_hash(stored, password) and known


def start_session(planner: Planner) -> None:
    """Log the planner in: a new nonce, and a new session, so that a session id planted
    before the login is worthless."""
    nonce = get_store().planners.renew_nonce(planner.id)
    session.clear()
    g.pop("planner", None)
    g.pop("session_planner", None)
    session["planner_id"] = planner.id
    session["planner_nonce"] = nonce
    session.permanent = False


def _after_login(target: str):
    if needs_second_factor(session_planner()):
        return redirect(url_for("account.second_factor"))
    return redirect(target)


def login():
    """Log in with name and password."""
    if request.method == "GET":
        weiter = request.args.get("weiter", "")
        redirect_path(weiter, "")  # a wrong target is refused before anyone types a password
        return render_template("planning/login.html", weiter=weiter)
    # Refused before the password is checked: a refused login changes nothing.
    target = redirect_path(request.form.get("weiter"), url_for("planning.queue"))
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    store = get_store()
    planner = store.planners.by_name(username) if username else None
    if not password_matches(planner, password) or not planner.active:
        return (
            render_template(
                "planning/login.html",
                weiter=request.form.get("weiter", ""),
                error=gettext("Name oder Passwort ist falsch."),
                username=username,
            ),
            401,
        )
    if planner.totp_secret:
        # The second step: the session holds a pending login, which no page accepts.
        session.clear()
        session["pending_id"] = planner.id
        session["pending_nonce"] = planner.session_nonce
        session["pending_since"] = int(time.time())
        session["pending_tries"] = 0
        session["pending_target"] = target
        return redirect(url_for("planning.login_code"))
    start_session(planner)
    return _after_login(target)


def _pending_planner() -> Planner | None:
    """The planner whose password was right and whose code is awaited, while it may come."""
    planner_id = session.get("pending_id")
    if planner_id is None or time.time() - session.get("pending_since", 0) > CODE_STEP_SECONDS:
        return None
    planner = get_store().planners.get(planner_id)
    if planner is None or not planner.active or not planner.totp_secret:
        return None
    # A login or logout meanwhile (or a lock and unlock) voids the pending one.
    return planner if planner.session_nonce == session.get("pending_nonce") else None


def _drop_pending() -> None:
    for key in ("pending_id", "pending_nonce", "pending_since", "pending_tries", "pending_target"):
        session.pop(key, None)


def login_code():
    """The second step of a login: the code of the authenticator app."""
    planner = _pending_planner()
    if planner is None:
        _drop_pending()
        if request.method == "POST":
            flash(
                gettext("Die Anmeldung hat zu lange gedauert. Bitte melden Sie sich neu an."),
                "info",
            )
        return redirect(url_for("planning.login"))
    if request.method == "GET":
        return render_template("planning/login_code.html")
    step = matching_step(planner.totp_secret, request.form.get("code", ""))
    if step is not None and get_store().planners.accept_code(planner.id, step):
        target = session.get("pending_target") or url_for("planning.queue")
        start_session(planner)
        return _after_login(target)
    session["pending_tries"] = session.get("pending_tries", 0) + 1
    if session["pending_tries"] >= MAX_CODE_ATTEMPTS:
        _drop_pending()
        flash(gettext("Der Code war zu oft falsch. Bitte melden Sie sich neu an."), "info")
        return redirect(url_for("planning.login"))
    error = gettext(
        "Der Code ist falsch oder schon benutzt. Bitte geben Sie den aktuellen Code aus "
        "Ihrer App ein."
    )
    return render_template("planning/login_code.html", error=error), 401


def logout():
    """Log out everywhere: the nonce changes, so every copy of the session is void."""
    planner = session_planner()
    if planner is not None:
        get_store().planners.renew_nonce(planner.id)
    session.clear()
    flash(gettext("Sie sind abgemeldet."), "info")
    return redirect(url_for("planning.login"))


@planner_cli.command("create")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Das Passwort von der Standardeingabe lesen.")
def create_planner(name: str, password_stdin: bool) -> None:
    """Legt ein Konto an (nicht interaktiv mit --password-stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Passwort", hide_input=True, confirmation_prompt=True)
    try:
        check_password(password, password, user_inputs=(name,))
    except PasswordRefused as error:
        raise UserError(error.message % password_limits()) from None
    name = name.strip()
    if not name or len(name) > 80:
        raise UserError("Der Name muss 1 bis 80 Zeichen lang sein.")
    store = get_store()
    if not store.planners.add(name, generate_password_hash(password)):
        raise UserError(f"Ein Konto „{name}“ gibt es schon.")
    click.echo(f"Konto „{name}“ angelegt.")
    quartiere = store.quartiere.all()
    # With one Quartier, as before: the account may do everything there.
    if len(quartiere) == 1:
        store.planners.grant(name, quartiere[0].slug, "admin")
        click.echo(f"Rolle admin im Quartier {quartiere[0].slug}.")


@planner_cli.command("grant")
@click.argument("name")
@click.option("--quartier", "slug", required=True, help="Kennung des Quartiers.")
@click.option(
    "--role",
    required=True,
    type=click.Choice(list(ROLES)),
    help="moderate: Ideen entscheiden; edit: Maßnahmen und Orte ändern; admin: alles.",
)
def grant_role(name: str, slug: str, role: str) -> None:
    """Gibt einem Konto eine Rolle in einem Quartier."""
    if not get_store().planners.grant(name, check_slug(slug), role):
        raise UserError(f"Ein Konto „{name}“ oder ein Quartier „{slug}“ gibt es nicht.")
    click.echo(f"Konto „{name}“: Rolle {role} im Quartier {slug}.")


@planner_cli.command("deactivate")
@click.argument("name")
def deactivate_planner(name: str) -> None:
    """Sperrt ein Konto; seine Sitzungen enden sofort."""
    if not get_store().planners.deactivate(name):
        raise UserError(f"Ein Konto „{name}“ gibt es nicht.")
    click.echo(f"Konto „{name}“ gesperrt.")


@planner_cli.command("reactivate")
@click.argument("name")
def reactivate_planner(name: str) -> None:
    """Schaltet ein gesperrtes Konto wieder frei."""
    store = get_store()
    planner = store.planners.by_name(name)
    if planner is None:
        raise UserError(f"Ein Konto „{name}“ gibt es nicht.")
    store.planners.set_active(planner.id, True, CLI_ACTOR, None)
    click.echo(f"Konto „{name}“ wieder freigeschaltet.")


@planner_cli.command("reset-second-factor")
@click.argument("name")
def reset_second_factor(name: str) -> None:
    """Löscht den zweiten Faktor eines Kontos (Telefon verloren); es richtet ihn neu ein."""
    store = get_store()
    planner = store.planners.by_name(name)
    if planner is None:
        raise UserError(f"Ein Konto „{name}“ gibt es nicht.")
    store.planners.remove_totp(planner.id, CLI_ACTOR)
    click.echo(f"Zweiter Faktor von „{name}“ zurückgesetzt.")


@planner_cli.command("setup-link")
@click.argument("name")
@click.option("--base-url", default="", help="Adresse der Website, sonst PUBLIC_URL.")
def setup_link(name: str, base_url: str) -> None:
    """Gibt einen neuen Einrichtungslink aus (Passwort vergessen); er gilt einmal."""
    store = get_store()
    planner = store.planners.by_name(name)
    if planner is None:
        raise UserError(f"Ein Konto „{name}“ gibt es nicht.")
    base = (base_url or current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    if not base:
        raise UserError("Bitte --base-url angeben (oder PUBLIC_URL einstellen).")
    link = new_setup_link()
    store.planners.renew_setup_link(
        planner.id, link.token_hash, datetime.now(UTC) + SETUP_LINK_LIFETIME, CLI_ACTOR, None
    )
    click.echo(f"{base}/planung/konto/einrichten/{link.token}")
    click.echo(f"Der Link gilt {SETUP_LINK_DAYS} Tage und nur einmal.")
