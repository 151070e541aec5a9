"""Planners' accounts in the browser: an admin's pages (``accounts``), under
``/q/<slug>/planung/konten``; every planner's own account is ``app/own_account.py``.

**Admins** (role "admin" in the Quartier of the URL) invite planners with roles there; the
one-time setup link is shown to them, to pass on. They set the roles of the Quartier,
lock and unlock accounts, make the second factor mandatory for one account (or, when
admin in every Quartier, for all) and reset a lost one. An account that also holds roles
in another Quartier is locked or reset only by someone who is admin there too: an admin of
one Quartier acts in no other.

Every change writes its entry in the accounts' log (``measures/storage/planners.py``),
shown with the moderation log (``/planung/protokoll``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from app import quartiere
from app.auth import (
    current_planner,
    has_role,
    planner_required,
)
from app.db import get_store
from app.own_account import role_labels
from app.public_url import external_url
from measures.domain.accounts import (
    SETUP_LINK_DAYS,
    SETUP_LINK_LIFETIME,
    check_username,
    new_setup_link,
)
from measures.domain.errors import Conflict, UserError
from measures.domain.ideas import valid_email
from measures.domain.model import Planner
from measures.domain.roles import ROLES

admin_bp = Blueprint("accounts", __name__, url_prefix="/planung/konten")


def _roles_from_form() -> set[str]:
    return {r for r in request.form.getlist("roles") if r in ROLES}


# -- what an admin may do ------------------------------------------------------------------


def _admin_everywhere(planner: Planner) -> bool:
    """The planner is admin in every Quartier of the installation."""
    held = get_store().planners.all_roles().get(planner.id, {})
    return all("admin" in held.get(q.slug, ()) for q in get_store().quartiere.all())


def _target_or_404(planner_id: int) -> tuple[Planner, dict[str, frozenset[str]]]:
    """An account of this Quartier (a role here, or none anywhere yet), with its roles."""
    planner = get_store().planners.get(planner_id)
    if planner is None:
        abort(404)
    held = get_store().planners.all_roles().get(planner.id, {})
    if held and quartiere.current_quartier().slug not in held:
        abort(404)
    return planner, held


def _may_manage(held: dict[str, frozenset[str]]) -> bool:
    """The admin may change the account itself (lock it, its second factor, its link):
    they are admin in every Quartier where it holds a role."""
    mine = get_store().planners.all_roles().get(current_planner().id, {})
    return all("admin" in mine.get(q, ()) for q in held)


def _manageable_or_403(planner_id: int) -> Planner:
    planner, held = _target_or_404(planner_id)
    if not _may_manage(held):
        raise UserError(
            gettext(
                "Dieses Konto hat auch Rollen in einem anderen Quartier. Das kann nur ändern, "
                "wer auch dort die Rolle admin hat."
            ),
            status=403,
            code="forbidden",
        )
    return planner


def _actor() -> str:
    return current_planner().username


def _here() -> str:
    return quartiere.current_quartier().slug


# -- an admin's pages ----------------------------------------------------------------------


@admin_bp.get("/")
@planner_required
def overview():
    """The accounts of this Quartier: roles here, state, second factor; the invitation."""
    store = get_store()
    roles = store.planners.all_roles()
    here = _here()
    planners = [
        p for p in store.planners.all() if here in roles.get(p.id, {}) or not roles.get(p.id)
    ]
    return render_template(
        "planning/accounts.html",
        planners=planners,
        roles={p.id: roles.get(p.id, {}).get(here, frozenset()) for p in planners},
        role_labels=role_labels(),
        required_everywhere=store.planners.totp_required_everywhere(),
        admin_everywhere=_admin_everywhere(current_planner()),
    )


def _invite_page(errors: dict[str, str] | None = None, status: int = 200, **values):
    return (
        render_template(
            "planning/account_invite.html",
            role_labels=role_labels(),
            errors=errors or {},
            values=values,
            days=SETUP_LINK_DAYS,
        ),
        status,
    )


@admin_bp.route("/einladen", methods=["GET", "POST"])
@planner_required
def invite():
    """Invite a planner: name, e-mail, roles here; the setup link is shown once."""
    if request.method == "GET":
        return _invite_page(roles={"moderate"})
    username = request.form.get("username", "")
    email = request.form.get("email", "").strip()
    roles = _roles_from_form()
    errors = {}
    try:
        username = check_username(username)
    except ValueError:
        errors["username"] = gettext("Der Name muss 1 bis 80 Zeichen lang sein.")
    if not valid_email(email):
        errors["email"] = gettext("Bitte geben Sie eine gültige E-Mail-Adresse an.")
    if not roles:
        errors["roles"] = gettext("Bitte wählen Sie mindestens eine Rolle.")
    if errors:
        return _invite_page(errors, 400, username=username, email=email, roles=roles)
    link = new_setup_link()
    try:
        planner_id = get_store().planners.invite(
            username,
            email,
            _here(),
            roles,
            link.token_hash,
            datetime.now(UTC) + SETUP_LINK_LIFETIME,
            _actor(),
        )
    except Conflict:
        errors["username"] = gettext(
            "Ein Konto „%(name)s“ gibt es schon. Bitte wählen Sie einen anderen Namen.",
            name=username,
        )
        return _invite_page(errors, 409, username=username, email=email, roles=roles)
    return _link_page(planner_id, link.token)


def _link_page(planner_id: int, token: str):
    """The setup link, shown once: only its hash is kept."""
    planner = get_store().planners.get(planner_id)
    return render_template(
        "planning/account_link.html",
        planner=planner,
        link=external_url("account.setup", token=token),
        days=SETUP_LINK_DAYS,
    )


@admin_bp.post("/hinzufuegen")
@planner_required
def add_existing():
    """Give an account of another Quartier roles in this one."""
    store = get_store()
    planner = store.planners.by_name(request.form.get("username", "").strip())
    roles = _roles_from_form()
    if planner is None or not roles:
        flash(
            gettext("Bitte geben Sie den Namen eines vorhandenen Kontos und eine Rolle an."),
            "error",
        )
        return redirect(url_for("accounts.overview"))
    store.planners.set_roles(planner.id, _here(), roles, current_planner().id)
    flash(
        gettext("Das Konto „%(name)s“ hat jetzt Rollen in diesem Quartier.", name=planner.username),
        "success",
    )
    return redirect(url_for("accounts.detail", planner_id=planner.id))


@admin_bp.get("/<int:planner_id>")
@planner_required
def detail(planner_id: int):
    """One account: its roles here, its state and second factor, what an admin can do."""
    planner, held = _target_or_404(planner_id)
    return render_template(
        "planning/account_detail.html",
        planner=planner,
        roles=held.get(_here(), frozenset()),
        elsewhere=sorted(q for q in held if q != _here()),
        may_manage=_may_manage(held),
        is_self=planner.id == current_planner().id,
        role_labels=role_labels(),
        days=SETUP_LINK_DAYS,
    )


@admin_bp.post("/<int:planner_id>/rollen")
@planner_required
def set_roles(planner_id: int):
    planner, _held = _target_or_404(planner_id)
    get_store().planners.set_roles(planner.id, _here(), _roles_from_form(), current_planner().id)
    flash(gettext("Die Rollen sind gespeichert."), "success")
    return redirect(url_for("accounts.detail", planner_id=planner.id))


@admin_bp.post("/<int:planner_id>/sperren")
@planner_required
def deactivate(planner_id: int):
    planner = _manageable_or_403(planner_id)
    if planner.id == current_planner().id:
        raise Conflict(gettext("Ihr eigenes Konto können Sie nicht sperren."))
    get_store().planners.set_active(planner.id, False, _actor(), _here())
    flash(gettext("Das Konto ist gesperrt; seine Sitzungen enden sofort."), "success")
    return redirect(url_for("accounts.detail", planner_id=planner.id))


@admin_bp.post("/<int:planner_id>/freischalten")
@planner_required
def reactivate(planner_id: int):
    planner = _manageable_or_403(planner_id)
    get_store().planners.set_active(planner.id, True, _actor(), _here())
    flash(gettext("Das Konto ist wieder freigeschaltet."), "success")
    return redirect(url_for("accounts.detail", planner_id=planner.id))


@admin_bp.post("/<int:planner_id>/link")
@planner_required
def renew_link(planner_id: int):
    """A new setup link: for an expired invitation or a forgotten password."""
    planner = _manageable_or_403(planner_id)
    link = new_setup_link()
    get_store().planners.renew_setup_link(
        planner.id, link.token_hash, datetime.now(UTC) + SETUP_LINK_LIFETIME, _actor(), _here()
    )
    return _link_page(planner.id, link.token)


@admin_bp.post("/<int:planner_id>/zweiter-faktor")
@planner_required
def require_second_factor(planner_id: int):
    planner = _manageable_or_403(planner_id)
    required = request.form.get("verlangt") == "ja"
    get_store().planners.set_totp_required(planner.id, required, _actor(), _here())
    flash(
        gettext("Der zweite Faktor ist für dieses Konto jetzt Pflicht.")
        if required
        else gettext("Der zweite Faktor ist für dieses Konto jetzt freiwillig."),
        "success",
    )
    return redirect(url_for("accounts.detail", planner_id=planner.id))


@admin_bp.post("/<int:planner_id>/zweiter-faktor/zuruecksetzen")
@planner_required
def reset_second_factor(planner_id: int):
    """The planner lost their phone: the second factor goes; they set up a new one."""
    planner = _manageable_or_403(planner_id)
    get_store().planners.remove_totp(planner.id, _actor(), _here())
    flash(gettext("Der zweite Faktor ist zurückgesetzt."), "success")
    return redirect(url_for("accounts.detail", planner_id=planner.id))


@admin_bp.post("/zweiter-faktor-fuer-alle")
@planner_required
def require_second_factor_everywhere():
    """The second factor for every account of the installation: only for an admin of
    every Quartier."""
    if not _admin_everywhere(current_planner()):
        raise UserError(
            gettext("Das kann nur ändern, wer in jedem Quartier die Rolle admin hat."),
            status=403,
            code="forbidden",
        )
    required = request.form.get("verlangt") == "ja"
    get_store().planners.set_totp_required_everywhere(required, _actor())
    flash(
        gettext("Der zweite Faktor ist jetzt für alle Konten Pflicht.")
        if required
        else gettext("Der zweite Faktor ist jetzt für alle Konten freiwillig."),
        "success",
    )
    return redirect(url_for("accounts.overview"))


def init_app(app) -> None:
    quartiere.register(app, admin_bp)
    # The planners' navigation links to the accounts for the admins of the Quartier.
    app.jinja_env.globals["may_manage_accounts"] = lambda: has_role("admin")
