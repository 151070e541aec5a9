"""Every planner's own account (``account``, under ``/q/<slug>/planung/konto``): the
password, changed with the current one; the second factor (TOTP,
``measures/domain/accounts.py``), set up with a QR code rendered here as inline SVG with
segno and the secret as text for typing it in, or removed; and the one-time setup link an
admin passes on to an invited planner (``app/accounts.py``).

Every change writes its entry in the accounts' log (``measures/storage/planners.py``).
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

import segno
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from werkzeug.security import generate_password_hash

from app import quartiere
from app.auth import (
    current_planner,
    password_matches,
    planner_required,
    session_planner,
    start_session,
)
from app.db import get_store
from measures.domain.accounts import (
    PasswordRefused,
    check_password,
    grouped,
    hash_token,
    matching_step,
    new_totp_secret,
    password_limits,
    provisioning_uri,
)
from measures.domain.errors import Conflict

bp = Blueprint("account", __name__, url_prefix="/planung/konto")

# Where the secret of a second factor waits between showing its QR code and its first code.
_PENDING_SECRET = "totp_pending_secret"  # noqa: S105 (a key of the session)


def password_error(error: PasswordRefused) -> str:
    return gettext(error.message, **password_limits())


def role_labels() -> dict[str, str]:
    return {
        "moderate": gettext("moderieren: Ideen, Kommentare und Barrieren bearbeiten"),
        "edit": gettext("bearbeiten: Maßnahmen und Orte ändern, GIS-Import"),
        "admin": gettext("admin: alles, auch Konten und Kontaktdaten-Export"),
    }


# -- every planner's own account -----------------------------------------------------------


def _own_page(errors: dict[str, str] | None = None, status: int = 200):
    planner = current_planner()
    return (
        render_template(
            "planning/account.html",
            planner=planner,
            roles=get_store().planners.roles(planner.id, quartiere.current_quartier().slug),
            role_labels=role_labels(),
            required=planner.totp_required or get_store().planners.totp_required_everywhere(),
            errors=errors or {},
            min_length=password_limits()["min"],
        ),
        status,
    )


@bp.get("/")
@planner_required
def own():
    """The planner's own account: password and second factor."""
    return _own_page()


@bp.post("/passwort")
@planner_required
def change_password():
    """A new password, with the current one; the planner's other sessions end."""
    planner = current_planner()
    if not password_matches(planner, request.form.get("current", "")):
        return _own_page({"current": gettext("Das bisherige Passwort ist falsch.")}, 400)
    try:
        password = check_password(
            request.form.get("password", ""),
            request.form.get("confirmation", ""),
            user_inputs=(planner.username,),
        )
    except PasswordRefused as error:
        return _own_page({"password": password_error(error)}, 400)
    nonce = get_store().planners.change_password(planner.id, generate_password_hash(password))
    session["planner_nonce"] = nonce
    flash(gettext("Ihr Passwort ist geändert. Andere Sitzungen sind beendet."), "success")
    return redirect(url_for("account.own"))


@bp.post("/zweiter-faktor/entfernen")
@planner_required
def remove_second_factor():
    """Remove one's own second factor, with the password; not where it is required."""
    planner = current_planner()
    if planner.totp_required or get_store().planners.totp_required_everywhere():
        raise Conflict(gettext("Für Ihr Konto ist der zweite Faktor Pflicht."))
    if not password_matches(planner, request.form.get("current", "")):
        return _own_page({"remove": gettext("Das Passwort ist falsch.")}, 400)
    get_store().planners.remove_totp(planner.id, planner.username)
    flash(gettext("Der zweite Faktor ist entfernt."), "success")
    return redirect(url_for("account.own"))


def _qr_svg(uri: str) -> str:
    """The QR code as inline SVG: no request of its own, no style attribute (CSP)."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(
        out,
        kind="svg",
        xmldecl=False,
        svgns=True,
        nl=False,
        scale=5,
        border=4,
        dark="#000",
        light="#fff",
        title=gettext("QR-Code für die Authenticator-App"),
        svgclass="qr-code",
    )
    return out.getvalue().decode("utf-8").replace("<svg ", '<svg role="img" ', 1)


@bp.route("/zweiter-faktor", methods=["GET", "POST"])
def second_factor():
    """Set up the second factor: scan the QR code (or type the secret), then give a code.

    Also for a planner who must set one up first: they are logged in but nothing else
    accepts them until this is done (``app/auth.py``).
    """
    planner = session_planner()
    if planner is None:
        return redirect(url_for("planning.login", weiter=request.path))
    if planner.totp_secret:
        flash(gettext("Ihr zweiter Faktor ist schon eingerichtet."), "info")
        return redirect(url_for("account.own"))
    secret = session.get(_PENDING_SECRET)
    error = None
    if request.method == "POST" and secret:
        step = matching_step(secret, request.form.get("code", ""))
        if step is not None:
            get_store().planners.enable_totp(planner.id, secret, step)
            session.pop(_PENDING_SECRET, None)
            flash(
                gettext(
                    "Der zweite Faktor ist eingerichtet. Ab jetzt fragt die Anmeldung nach "
                    "einem Code."
                ),
                "success",
            )
            return redirect(url_for("account.own"))
        error = gettext(
            "Der Code stimmt nicht. Bitte geben Sie den Code ein, den Ihre App gerade zeigt."
        )
    if not secret:
        secret = session[_PENDING_SECRET] = new_totp_secret()
    uri = provisioning_uri(secret, planner.username, gettext("Quartierskarte"))
    return (
        render_template(
            "planning/second_factor.html",
            planner=planner,
            qr=_qr_svg(uri),
            secret=grouped(secret),
            error=error,
            must=current_planner() is None,
        ),
        400 if error else 200,
    )


# -- the setup link ------------------------------------------------------------------------


def _link_gone():
    return render_template("planning/account_setup_gone.html"), 404


@bp.route("/einrichten/<token>", methods=["GET", "POST"])
def setup(token: str):
    """An invited planner sets their password through the setup link (once, in time)."""
    store = get_store()
    planner = store.planners.by_setup_link(hash_token(token), datetime.now(UTC))
    if planner is None:
        return _link_gone()
    error = None
    if request.method == "POST":
        try:
            password = check_password(
                request.form.get("password", ""),
                request.form.get("confirmation", ""),
                user_inputs=(planner.username,),
            )
        except PasswordRefused as refused:
            error = password_error(refused)
        else:
            done = store.planners.use_setup_link(
                hash_token(token), generate_password_hash(password)
            )
            if done is None:
                return _link_gone()
            start_session(done)
            flash(gettext("Ihr Passwort ist gesetzt. Sie sind angemeldet."), "success")
            if current_planner() is None:  # a second factor to set up first
                return redirect(url_for("account.second_factor"))
            return redirect(url_for("account.own"))
    return (
        render_template(
            "planning/account_setup.html",
            planner=planner,
            token=token,
            error=error,
            min_length=password_limits()["min"],
        ),
        400 if error else 200,
    )


def init_app(app) -> None:
    quartiere.register(app, bp)
