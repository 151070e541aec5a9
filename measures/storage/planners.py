"""Planners' accounts: names, password hashes, the nonce that keeps sessions valid, roles
per Quartier, setup links, the second factor, and the accounts' log.

Each use case that changes an account is one transaction and writes its entry of the log
(``planner_events``) in it: no change without its entry, no entry without its change.
Nothing secret goes into the log: no password, hash, token or TOTP secret.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from measures.domain.accounts import AccountEvent
from measures.domain.errors import Conflict
from measures.domain.messages import Message
from measures.domain.model import Planner
from measures.domain.roles import ROLES
from measures.domain.vocabulary import N_
from measures.storage import schema
from measures.storage.transaction import Transaction, transaction

# What the command line writes into the log as its actor.
CLI_ACTOR = "cli"
_TOTP_REQUIRED = "totp_required"

LAST_ADMIN = (
    "Sie können sich die Rolle admin in diesem Quartier nicht selbst nehmen: Es gäbe "
    "dann keine aktive Person mehr, die hier Konten verwaltet. Geben Sie zuerst einer "
    "anderen Person die Rolle admin."
)


def _new_nonce() -> str:
    return secrets.token_hex(16)


def _log(
    tx: Transaction,
    actor: str,
    action: str,
    planner: str,
    quartier: str | None = None,
    detail: str = "",
) -> None:
    tx.connection.execute(
        schema.planner_events.insert().values(
            at=tx.at, actor=actor, action=action, planner=planner, quartier=quartier, detail=detail
        )
    )


def _roles_text(roles: Iterable[str]) -> str:
    return ", ".join(r for r in ROLES if r in set(roles))


class PlannerRepository:
    def __init__(self, engine: Engine):
        self.engine = engine

    # -- reading ---------------------------------------------------------------------------

    def get(self, planner_id: int) -> Planner | None:
        return self._first(schema.planners.c.id == planner_id)

    def by_name(self, username: str) -> Planner | None:
        return self._first(schema.planners.c.username == username)

    def all(self) -> list[Planner]:
        t = schema.planners
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(t).order_by(t.c.username)).all()
        return [_planner_from(row) for row in rows]

    def roles(self, planner_id: int, quartier: str) -> frozenset[str]:
        """The roles of a planner in the Quartier ``quartier``."""
        t = schema.planner_roles
        with self.engine.connect() as connection:
            found = connection.execute(
                sa.select(t.c.role).where(t.c.planner_id == planner_id, t.c.quartier == quartier)
            ).scalars()
            return frozenset(found)

    def all_roles(self) -> dict[int, dict[str, frozenset[str]]]:
        """Every planner's roles: planner id → Quartier → roles."""
        t = schema.planner_roles
        found: dict[int, dict[str, set[str]]] = {}
        with self.engine.connect() as connection:
            for row in connection.execute(sa.select(t)):
                found.setdefault(row.planner_id, {}).setdefault(row.quartier, set()).add(row.role)
        return {
            planner: {q: frozenset(roles) for q, roles in by_quartier.items()}
            for planner, by_quartier in found.items()
        }

    def totp_required_everywhere(self) -> bool:
        """Whether every account must have a second factor (a setting of the installation)."""
        t = schema.planner_settings
        with self.engine.connect() as connection:
            value = connection.execute(
                sa.select(t.c.value).where(t.c.name == _TOTP_REQUIRED)
            ).scalar()
        return value == "1"

    def events(self, quartier: str | None = None, limit: int = 500) -> list[AccountEvent]:
        """The accounts' log, newest first: with ``quartier``, that Quartier's entries and
        those of no Quartier about accounts with a role there."""
        t, roles, planners = schema.planner_events, schema.planner_roles, schema.planners
        statement = sa.select(t).order_by(t.c.at.desc(), t.c.id.desc()).limit(limit)
        if quartier is not None:
            members = (
                sa.select(planners.c.username)
                .join(roles, roles.c.planner_id == planners.c.id)
                .where(roles.c.quartier == quartier)
            )
            statement = statement.where(
                sa.or_(
                    t.c.quartier == quartier,
                    sa.and_(t.c.quartier.is_(None), t.c.planner.in_(members)),
                )
            )
        with self.engine.connect() as connection:
            return [
                AccountEvent(r.at, r.actor, r.action, r.planner, r.quartier, r.detail)
                for r in connection.execute(statement)
            ]

    # -- the command line ------------------------------------------------------------------

    def add(self, username: str, password_hash: str, actor: str = CLI_ACTOR) -> bool:
        """Create a planner's account; False when the name is taken."""
        t = schema.planners
        with transaction(self.engine) as tx:
            if tx.connection.execute(sa.select(t.c.id).where(t.c.username == username)).first():
                return False
            tx.connection.execute(
                t.insert().values(
                    username=username,
                    password_hash=password_hash,
                    session_nonce=_new_nonce(),
                    active=True,
                    created_at=tx.at,
                    email="",
                    totp_required=False,
                )
            )
            _log(tx, actor, "created", username)
        return True

    def deactivate(self, username: str, actor: str = CLI_ACTOR) -> bool:
        t = schema.planners
        with transaction(self.engine) as tx:
            changed = tx.connection.execute(
                t.update()
                .where(t.c.username == username)
                .values(active=False, session_nonce=_new_nonce())
            ).rowcount
            if changed:
                _log(tx, actor, "deactivated", username)
            return bool(changed)

    def grant(self, username: str, quartier: str, role: str, actor: str = CLI_ACTOR) -> bool:
        """Give a planner a role in a Quartier (again: no change); False when there is no
        such planner or Quartier."""
        planners, roles, quartiere = schema.planners, schema.planner_roles, schema.quartier
        with transaction(self.engine) as tx:
            planner_id = tx.connection.execute(
                sa.select(planners.c.id).where(planners.c.username == username)
            ).scalar()
            known = tx.connection.execute(
                sa.select(quartiere.c.id).where(quartiere.c.id == quartier)
            ).first()
            if planner_id is None or known is None:
                return False
            held = self._roles_in(tx, planner_id, quartier)
            if role not in held:
                tx.connection.execute(
                    roles.insert().values(planner_id=planner_id, quartier=quartier, role=role)
                )
                _log(tx, actor, "roles_changed", username, quartier, _roles_text(held | {role}))
        return True

    # -- sessions and passwords ------------------------------------------------------------

    def renew_nonce(self, planner_id: int) -> str:
        """A new session nonce: sessions that carry the old one are void from now on."""
        nonce = _new_nonce()
        t = schema.planners
        with transaction(self.engine) as tx:
            tx.connection.execute(
                t.update().where(t.c.id == planner_id).values(session_nonce=nonce)
            )
        return nonce

    def change_password(self, planner_id: int, password_hash: str) -> str:
        """A planner's new password; every other session of theirs ends. The new nonce."""
        nonce = _new_nonce()
        with transaction(self.engine) as tx:
            username = self._update(
                tx, planner_id, password_hash=password_hash, session_nonce=nonce
            )
            _log(tx, username, "password_changed", username)
        return nonce

    # -- invitations and setup links -------------------------------------------------------

    def invite(
        self,
        username: str,
        email: str,
        quartier: str,
        roles: Iterable[str],
        token_hash: str,
        expires_at: datetime,
        actor: str,
    ) -> int:
        """A new account without a password, its roles in ``quartier`` and its setup link.
        Conflict when the name is taken."""
        t = schema.planners
        roles = frozenset(roles)
        with transaction(self.engine) as tx:
            if tx.connection.execute(sa.select(t.c.id).where(t.c.username == username)).first():
                raise Conflict(
                    Message(
                        N_(
                            "Ein Konto „%(name)s“ gibt es schon. "
                            "Bitte wählen Sie einen anderen Namen."
                        ),
                        name=username,
                    )
                )
            planner_id = tx.connection.execute(
                t.insert().values(
                    username=username,
                    password_hash="",
                    session_nonce=_new_nonce(),
                    active=True,
                    created_at=tx.at,
                    email=email,
                    totp_required=False,
                )
            ).inserted_primary_key[0]
            for role in sorted(roles):
                tx.connection.execute(
                    schema.planner_roles.insert().values(
                        planner_id=planner_id, quartier=quartier, role=role
                    )
                )
            tx.connection.execute(
                schema.planner_setup_links.insert().values(
                    planner_id=planner_id, token_hash=token_hash, expires_at=expires_at
                )
            )
            _log(tx, actor, "invited", username, quartier, _roles_text(roles))
        return planner_id

    def renew_setup_link(
        self,
        planner_id: int,
        token_hash: str,
        expires_at: datetime,
        actor: str,
        quartier: str | None,
    ) -> None:
        """A new setup link for an account (the old one stops working): for an invitee
        whose link expired, or a planner who forgot their password."""
        links = schema.planner_setup_links
        with transaction(self.engine) as tx:
            username = self._update(tx, planner_id)
            tx.connection.execute(links.delete().where(links.c.planner_id == planner_id))
            tx.connection.execute(
                links.insert().values(
                    planner_id=planner_id, token_hash=token_hash, expires_at=expires_at
                )
            )
            _log(tx, actor, "link_renewed", username, quartier)

    def by_setup_link(self, token_hash: str, at: datetime) -> Planner | None:
        """The active account whose setup link this is, while it works."""
        links, t = schema.planner_setup_links, schema.planners
        statement = (
            sa.select(t)
            .join(links, links.c.planner_id == t.c.id)
            .where(links.c.token_hash == token_hash, links.c.expires_at > at, t.c.active)
        )
        with self.engine.connect() as connection:
            row = connection.execute(statement).first()
        return None if row is None else _planner_from(row)

    def use_setup_link(self, token_hash: str, password_hash: str) -> Planner | None:
        """Set the password through a working setup link, which is deleted: it works once.
        None when the link is unknown, used, expired or its account locked."""
        links, t = schema.planner_setup_links, schema.planners
        with transaction(self.engine) as tx:
            found = tx.connection.execute(
                sa.select(links.c.planner_id)
                .join(t, links.c.planner_id == t.c.id)
                .where(links.c.token_hash == token_hash, links.c.expires_at > tx.at, t.c.active)
            ).scalar()
            if found is None:
                return None
            # Deleted first: of two requests with the same link, one deletes the row and
            # the other deletes none and gives up.
            if not tx.connection.execute(
                links.delete().where(links.c.token_hash == token_hash)
            ).rowcount:
                return None
            username = self._update(
                tx, found, password_hash=password_hash, session_nonce=_new_nonce()
            )
            _log(tx, username, "password_set", username)
        return self.get(found)

    # -- an admin's changes ----------------------------------------------------------------

    def set_roles(
        self, planner_id: int, quartier: str, roles: Iterable[str], actor_id: int
    ) -> None:
        """The roles of a planner in ``quartier``, set by the admin ``actor_id``. An admin
        cannot take their own admin role when no other active admin of ``quartier`` is left."""
        table = schema.planner_roles
        roles = frozenset(roles)
        with transaction(self.engine) as tx:
            actor = self._update(tx, actor_id)
            username = self._update(tx, planner_id)
            held = self._roles_in(tx, planner_id, quartier)
            if held == roles:
                return
            if planner_id == actor_id and "admin" in held and "admin" not in roles:
                if not self._other_admins(tx, planner_id, quartier):
                    raise Conflict(LAST_ADMIN)
            tx.connection.execute(
                table.delete().where(table.c.planner_id == planner_id, table.c.quartier == quartier)
            )
            for role in sorted(roles):
                tx.connection.execute(
                    table.insert().values(planner_id=planner_id, quartier=quartier, role=role)
                )
            _log(tx, actor, "roles_changed", username, quartier, _roles_text(roles) or "–")

    def set_active(self, planner_id: int, active: bool, actor: str, quartier: str | None) -> None:
        """Lock an account (its sessions end at their next request) or unlock it."""
        values: dict = {"active": active}
        if not active:
            values["session_nonce"] = _new_nonce()
        with transaction(self.engine) as tx:
            username = self._update(tx, planner_id, **values)
            _log(tx, actor, "reactivated" if active else "deactivated", username, quartier)

    def set_totp_required(self, planner_id: int, required: bool, actor: str, quartier: str) -> None:
        with transaction(self.engine) as tx:
            username = self._update(tx, planner_id, totp_required=required)
            action = "totp_required" if required else "totp_optional"
            _log(tx, actor, action, username, quartier)

    def set_totp_required_everywhere(self, required: bool, actor: str) -> None:
        t = schema.planner_settings
        with transaction(self.engine) as tx:
            tx.connection.execute(t.delete().where(t.c.name == _TOTP_REQUIRED))
            tx.connection.execute(
                t.insert().values(name=_TOTP_REQUIRED, value="1" if required else "0")
            )
            action = "totp_required_all" if required else "totp_optional_all"
            _log(tx, actor, action, "–")

    # -- the second factor -----------------------------------------------------------------

    def enable_totp(self, planner_id: int, secret: str, step: int) -> None:
        """The planner's second factor, confirmed with the code of time step ``step``
        (taken: it does not work a second time)."""
        with transaction(self.engine) as tx:
            username = self._update(tx, planner_id, totp_secret=secret, totp_last_step=step)
            _log(tx, username, "totp_enabled", username)

    def accept_code(self, planner_id: int, step: int) -> bool:
        """Take the code of time step ``step``: only when it is later than the last one
        taken. One statement, so that of two logins with the same code one wins."""
        t = schema.planners
        with transaction(self.engine) as tx:
            return bool(
                tx.connection.execute(
                    t.update()
                    .where(
                        t.c.id == planner_id,
                        t.c.totp_secret.is_not(None),
                        sa.or_(t.c.totp_last_step.is_(None), t.c.totp_last_step < step),
                    )
                    .values(totp_last_step=step)
                ).rowcount
            )

    def remove_totp(self, planner_id: int, actor: str, quartier: str | None = None) -> None:
        """Remove the second factor: by the planner themselves ("totp_removed"), or reset
        by an admin ("totp_reset") when the phone is lost; then it is set up anew."""
        with transaction(self.engine) as tx:
            username = self._update(tx, planner_id, totp_secret=None, totp_last_step=None)
            action = "totp_removed" if actor == username else "totp_reset"
            _log(tx, actor, action, username, quartier)

    # -- helpers ---------------------------------------------------------------------------

    def _update(self, tx: Transaction, planner_id: int, **values) -> str:
        """Change the account (when values are given); its name. LookupError when gone."""
        t = schema.planners
        username = tx.connection.execute(
            sa.select(t.c.username).where(t.c.id == planner_id)
        ).scalar()
        if username is None:
            raise LookupError(planner_id)
        if values:
            tx.connection.execute(t.update().where(t.c.id == planner_id).values(**values))
        return username

    def _roles_in(self, tx: Transaction, planner_id: int, quartier: str) -> frozenset[str]:
        t = schema.planner_roles
        return frozenset(
            tx.connection.execute(
                sa.select(t.c.role).where(t.c.planner_id == planner_id, t.c.quartier == quartier)
            ).scalars()
        )

    def _other_admins(self, tx: Transaction, planner_id: int, quartier: str) -> int:
        roles, t = schema.planner_roles, schema.planners
        return tx.connection.execute(
            sa.select(sa.func.count())
            .select_from(roles.join(t, roles.c.planner_id == t.c.id))
            .where(
                roles.c.quartier == quartier,
                roles.c.role == "admin",
                roles.c.planner_id != planner_id,
                t.c.active,
            )
        ).scalar()

    def _first(self, *where) -> Planner | None:
        t = schema.planners
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(t).where(*where)).first()
        return None if row is None else _planner_from(row)


def _planner_from(row) -> Planner:
    return Planner(
        row.id,
        row.username,
        row.password_hash,
        row.session_nonce,
        row.active,
        email=row.email,
        totp_secret=row.totp_secret,
        totp_required=row.totp_required,
    )
