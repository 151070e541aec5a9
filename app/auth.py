"""Planners' accounts and sessions: login, logout, ``current_planner``, ``planner_required``.

Passwords are hashed with werkzeug's scrypt. A session is a signed cookie holding the
planner's id and a nonce that the database changes at every login and logout, so logging
out ends every copy of the session, and deactivating a planner ends their sessions too.
The login and logout pages belong to the planners' area: ``app/planning.py`` serves them
under ``/planung``. Accounts are made on the command line (``flask --app app planner``).
"""

from __future__ import annotations

import functools
import secrets
import sys

import click
from flask import flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext
from werkzeug.security import check_password_hash, generate_password_hash

from app.db import get_store
from app.errors import Commands
from app.security import redirect_path
from measures.domain.errors import UserError
from measures.domain.model import Planner

planner_cli = Commands("planner", help="Konten der Planerinnen und Planer verwalten.")

MIN_PASSWORD_LENGTH = 12


def current_planner() -> Planner | None:
    """The logged-in planner, or None when the session is missing, old or revoked."""
    if "planner" in g:
        return g.planner
    planner = None
    planner_id, nonce = session.get("planner_id"), session.get("planner_nonce")
    if planner_id is not None and nonce:
        found = get_store().planners.get(planner_id)
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


@functools.cache
def _unknown_name_hash() -> str:
    """The hash an unknown name is checked against: a random password's, made once."""
    return generate_password_hash(secrets.token_urlsafe(32))


def _password_matches(planner: Planner | None, password: str) -> bool:
    """Check the password; for an unknown name against a hash of the same kind.

    Without a check an unknown name is answered at once (5 ms against 99 ms), which tells
    anyone which names have an account. Every login costs one check, whoever asks.
    """
    stored = planner.password_hash if planner is not None else _unknown_name_hash()
    return check_password_hash(stored, password) and planner is not None


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
    if not _password_matches(planner, password) or not planner.active:
        return (
            render_template(
                "planning/login.html",
                weiter=request.form.get("weiter", ""),
                error=gettext("Name oder Passwort ist falsch."),
                username=username,
            ),
            401,
        )
    nonce = store.planners.renew_nonce(planner.id)
    # A new session, so that a session id planted before the login is worthless.
    session.clear()
    session["planner_id"] = planner.id
    session["planner_nonce"] = nonce
    session.permanent = False
    return redirect(target)


def logout():
    """Log out everywhere: the nonce changes, so every copy of the session is void."""
    planner = current_planner()
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
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"Das Passwort braucht mindestens {MIN_PASSWORD_LENGTH} Zeichen.")
    name = name.strip()
    if not name or len(name) > 80:
        raise UserError("Der Name muss 1 bis 80 Zeichen lang sein.")
    if not get_store().planners.add(name, generate_password_hash(password)):
        raise UserError(f"Ein Konto „{name}“ gibt es schon.")
    click.echo(f"Konto „{name}“ angelegt.")


@planner_cli.command("deactivate")
@click.argument("name")
def deactivate_planner(name: str) -> None:
    """Sperrt ein Konto; seine Sitzungen enden sofort."""
    if not get_store().planners.deactivate(name):
        raise UserError(f"Ein Konto „{name}“ gibt es nicht.")
    click.echo(f"Konto „{name}“ gesperrt.")
