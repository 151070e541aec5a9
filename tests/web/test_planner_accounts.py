"""Planners' accounts in the browser (``app/accounts.py``): invitations with a one-time
setup link, roles, locking, passwords, the second factor (TOTP) and the accounts' log.

Codes are real ones, made by pyotp from the secret the app stored or showed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import sqlalchemy as sa

from measures.storage import schema
from tests.factories import EXAMPLE_SLUG, PASSWORD, add_example_quartier, create_planner

Q = "/q/dalheim/planung"
NEW_PASSWORD = "Kaffee und Kuchen im KiFaZ"


def _csrf(client, path=f"{Q}/anmelden") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _login(client, name="lea", password=PASSWORD):
    return client.post(
        f"{Q}/anmelden",
        data={"username": name, "password": password, "csrf_token": _csrf(client)},
    )


def _code(client, code: str):
    return client.post(
        f"{Q}/anmelden/code", data={"code": code, "csrf_token": _csrf(client, f"{Q}/anmelden/code")}
    )


def _post(client, path, **form):
    return client.post(path, data={"csrf_token": _csrf(client, f"{Q}/konto/"), **form})


def _invite(client, name="mia", email="mia@example.org", roles=("moderate",)):
    token = _csrf(client, f"{Q}/konten/einladen")
    return client.post(
        f"{Q}/konten/einladen",
        data={"username": name, "email": email, "roles": list(roles), "csrf_token": token},
    )


def _link(answer) -> str:
    html = answer.get_data(as_text=True)
    return re.search(r'id="setup-link" type="text" readonly value="http://localhost([^"]+)"', html)[
        1
    ]


def _set_password(client, link, password=NEW_PASSWORD, confirmation=None):
    token = _csrf(client)  # the session's token; the link's page may be gone
    return client.post(
        link,
        data={
            "password": password,
            "confirmation": password if confirmation is None else confirmation,
            "csrf_token": token,
        },
    )


def _store(app):
    return app.extensions["quartierskarte.store"]


def _events(app) -> list[tuple[str, str, str]]:
    return [(e.actor, e.action, e.planner) for e in reversed(_store(app).planners.events())]


@pytest.mark.both_databases
def test_an_admin_invites_a_planner_whose_link_works_once(app, client, planner):
    _login(client)
    shown = _invite(client)
    assert shown.status_code == 200
    link = _link(shown)
    token = link.rsplit("/", 1)[1]
    store = _store(app)
    mia = store.planners.by_name("mia")
    assert mia.email == "mia@example.org" and not mia.has_password
    assert store.planners.roles(mia.id, "dalheim") == {"moderate"}
    # Only a hash of the token is kept.
    with store.engine.connect() as connection:
        rows = connection.execute(sa.select(schema.planner_setup_links)).all()
    assert len(rows) == 1 and token not in repr(rows) and rows[0].token_hash != token
    # Without a password the account cannot log in, not even with an empty one.
    other = app.test_client()
    assert _login(other, "mia", "").status_code in (400, 401)

    invitee = app.test_client()
    page = invitee.get(link).get_data(as_text=True)
    assert "Willkommen, mia" in page
    refused = _set_password(invitee, link, "passwort1234")
    assert refused.status_code == 400 and "leicht zu erraten" in refused.get_data(as_text=True)
    assert _set_password(invitee, link).status_code == 302
    assert invitee.get(f"{Q}/").status_code == 200  # logged in
    # Once: the link is gone.
    again = app.test_client()
    assert again.get(link).status_code == 404
    assert _set_password(again, link, "Ein ganz anderes Passwort 42").status_code == 404
    assert "gilt nicht" in again.get(link).get_data(as_text=True)
    assert _login(app.test_client(), "mia", NEW_PASSWORD).status_code == 302
    assert ("lea", "invited", "mia") in _events(app)
    assert ("mia", "password_set", "mia") in _events(app)


@pytest.mark.both_databases
def test_an_expired_link_is_refused(app, client, planner):
    _login(client)
    link = _link(_invite(client))
    store = _store(app)
    with store.engine.begin() as connection:
        connection.execute(
            schema.planner_setup_links.update().values(
                expires_at=datetime.now(UTC) - timedelta(seconds=1)
            )
        )
    invitee = app.test_client()
    assert invitee.get(link).status_code == 404
    assert _set_password(app.test_client(), link).status_code in (400, 404)
    assert not store.planners.by_name("mia").has_password
    # A new link from the account's page works, and the old one still does not.
    mia = store.planners.by_name("mia")
    renewed = _post(client, f"{Q}/konten/{mia.id}/link")
    new_link = _link(renewed)
    assert new_link != link and app.test_client().get(link).status_code == 404
    assert _set_password(app.test_client(), new_link).status_code == 302


@pytest.mark.parametrize(
    ("name", "email", "roles", "status", "words"),
    [
        ("", "mia@example.org", ("moderate",), 400, "1 bis 80 Zeichen"),
        ("mia", "keine-adresse", ("moderate",), 400, "gültige E-Mail-Adresse"),
        ("mia", "mia@example.org", (), 400, "mindestens eine Rolle"),
        ("lea", "lea@example.org", ("moderate",), 409, "gibt es schon"),
    ],
)
def test_a_wrong_invitation_is_refused_with_nothing_made(
    app, client, planner, name, email, roles, status, words
):
    _login(client)
    answer = _invite(client, name, email, roles)
    assert answer.status_code == status and words in answer.get_data(as_text=True)
    assert [p.username for p in _store(app).planners.all()] == ["lea"]


@pytest.mark.both_databases
def test_a_locked_planner_is_logged_out_at_the_next_request(app, client, runner, planner):
    create_planner(runner, "tom")
    tom = _store(app).planners.by_name("tom")
    other = app.test_client()
    assert _login(other, "tom").status_code == 302
    assert other.get(f"{Q}/").status_code == 200
    _login(client)
    assert _post(client, f"{Q}/konten/{tom.id}/sperren").status_code == 302
    answer = other.get(f"{Q}/")
    assert answer.status_code == 302 and "/anmelden" in answer.headers["Location"]
    assert _login(app.test_client(), "tom").status_code == 401
    assert _post(client, f"{Q}/konten/{tom.id}/freischalten").status_code == 302
    assert _login(app.test_client(), "tom").status_code == 302
    # Not oneself.
    lea = _store(app).planners.by_name("lea")
    assert _post(client, f"{Q}/konten/{lea.id}/sperren").status_code == 409
    assert _store(app).planners.by_name("lea").active
    actions = [a for _, a, who in _events(app) if who == "tom"]
    assert actions[-2:] == ["deactivated", "reactivated"]


@pytest.mark.both_databases
def test_an_admin_cannot_take_their_own_last_admin_right(app, client, runner, planner):
    store = _store(app)
    lea = store.planners.by_name("lea")
    _login(client)
    refused = _post(client, f"{Q}/konten/{lea.id}/rollen", roles=["moderate"])
    assert refused.status_code == 409 and "nicht selbst nehmen" in refused.get_data(as_text=True)
    assert store.planners.roles(lea.id, "dalheim") == {"admin"}
    create_planner(runner, "tom")  # with one Quartier: admin there
    assert _post(client, f"{Q}/konten/{lea.id}/rollen", roles=["moderate"]).status_code == 302
    assert store.planners.roles(lea.id, "dalheim") == {"moderate"}
    assert client.get(f"{Q}/konten/").status_code == 404  # no admin any more


@pytest.mark.both_databases
def test_roles_set_in_the_browser_take_effect(app, client, runner, planner):
    create_planner(runner, "tom")
    store = _store(app)
    tom = store.planners.by_name("tom")
    _login(client)
    assert _post(client, f"{Q}/konten/{tom.id}/rollen", roles=["edit"]).status_code == 302
    assert store.planners.roles(tom.id, "dalheim") == {"edit"}
    other = app.test_client()
    _login(other, "tom")
    assert other.get(f"{Q}/import/").status_code == 200
    assert other.get(f"{Q}/").status_code == 404  # moderating needs "moderate"
    assert other.get(f"{Q}/konten/").status_code == 404
    assert other.get(f"{Q}/konto/").status_code == 200
    assert ("lea", "roles_changed", "tom") in _events(app)


@pytest.mark.both_databases
def test_an_admin_of_one_quartier_acts_in_no_other(app, client, runner, store, seed):
    add_example_quartier(store, seed)
    create_planner(runner)  # two Quartiere: no role of itself
    create_planner(runner, "tom")
    create_planner(runner, "ada")
    for name, quartier, role in [
        ("lea", "dalheim", "admin"),
        ("tom", EXAMPLE_SLUG, "moderate"),
        ("ada", "dalheim", "moderate"),
        ("ada", EXAMPLE_SLUG, "moderate"),
    ]:
        result = runner.invoke(
            args=["planner", "grant", name, "--quartier", quartier, "--role", role]
        )
        assert result.exit_code == 0, result.output
    tom, ada = store.planners.by_name("tom"), store.planners.by_name("ada")
    _login(client)
    # tom belongs to the other Quartier only: not there for Dalheim's admin.
    assert client.get(f"{Q}/konten/{tom.id}").status_code == 404
    assert _post(client, f"{Q}/konten/{tom.id}/sperren").status_code == 404
    assert _post(client, f"{Q}/konten/{tom.id}/rollen", roles=["admin"]).status_code == 404
    assert "tom" not in client.get(f"{Q}/konten/").get_data(as_text=True)
    # ada has roles in both: her roles in Dalheim yes, her account as a whole no.
    assert _post(client, f"{Q}/konten/{ada.id}/rollen", roles=["edit"]).status_code == 302
    assert store.planners.roles(ada.id, "dalheim") == {"edit"}
    assert store.planners.roles(ada.id, EXAMPLE_SLUG) == {"moderate"}
    assert _post(client, f"{Q}/konten/{ada.id}/sperren").status_code == 403
    assert _post(client, f"{Q}/konten/{ada.id}/link").status_code == 403
    assert store.planners.by_name("ada").active
    everywhere = _post(client, f"{Q}/konten/zweiter-faktor-fuer-alle", verlangt="ja")
    assert everywhere.status_code == 403
    assert not store.planners.totp_required_everywhere()


@pytest.mark.both_databases
def test_a_planner_changes_their_password(app, client, planner):
    _login(client)
    before = _store(app).planners.by_name("lea").password_hash
    # A copy of the session (another tab, or a stolen cookie) ends with the change.
    other_session = app.test_client()
    other_session.set_cookie("session", client.get_cookie("session").value)
    cases = [
        ("falsch-falsch-falsch", NEW_PASSWORD, NEW_PASSWORD, "bisherige Passwort ist falsch"),
        (PASSWORD, "kurz", "kurz", "mindestens 12 Zeichen"),
        (PASSWORD, "123qweasdzxc", "123qweasdzxc", "Liste häufig benutzter"),
        (PASSWORD, "lealealealea", "lealealealea", "leicht zu erraten"),
        (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "!", "stimmen nicht überein"),
    ]
    for current, password, confirmation, words in cases:
        answer = _post(
            client,
            f"{Q}/konto/passwort",
            current=current,
            password=password,
            confirmation=confirmation,
        )
        assert answer.status_code == 400 and words in answer.get_data(as_text=True), words
    assert _store(app).planners.by_name("lea").password_hash == before, "nothing changed"
    changed = _post(
        client,
        f"{Q}/konto/passwort",
        current=PASSWORD,
        password=NEW_PASSWORD,
        confirmation=NEW_PASSWORD,
    )
    assert changed.status_code == 302
    assert client.get(f"{Q}/").status_code == 200  # this session goes on
    assert other_session.get(f"{Q}/").status_code == 302  # the other one ended
    assert _login(app.test_client()).status_code == 401
    assert _login(app.test_client(), password=NEW_PASSWORD).status_code == 302
    assert ("lea", "password_changed", "lea") in _events(app)


def _set_up_second_factor(client) -> str:
    """Set up the second factor through its page; the secret as the page showed it."""
    page = client.get(f"{Q}/konto/zweiter-faktor").get_data(as_text=True)
    assert "<svg" in page and 'role="img"' in page
    secret = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', page)[1].replace(" ", "")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    wrong = client.post(f"{Q}/konto/zweiter-faktor", data={"code": "000000", "csrf_token": token})
    assert wrong.status_code == 400 and secret in wrong.get_data(as_text=True).replace(" ", "")
    code = pyotp.TOTP(secret).now()
    done = client.post(f"{Q}/konto/zweiter-faktor", data={"code": code, "csrf_token": token})
    assert done.status_code == 302
    return secret


@pytest.mark.both_databases
def test_login_with_a_second_factor_takes_each_code_once(app, client, planner):
    app.config["RATELIMIT_LOGIN"] = "100 per minute"
    store = _store(app)
    _login(client)
    secret = _set_up_second_factor(client)
    assert store.planners.by_name("lea").totp_secret == secret
    client.post(f"{Q}/abmelden", data={"csrf_token": _csrf(client, f"{Q}/")})

    first = app.test_client()
    step = _login(first)
    assert step.status_code == 302 and step.headers["Location"].endswith("/anmelden/code")
    assert first.get(f"{Q}/").status_code == 302  # the password alone opens nothing
    assert _code(first, "123456").status_code == 401
    # The code just used to confirm the setup is spent; the next step's is not. Real codes,
    # one time step (30 s) apart, as the app makes them.
    now = datetime.now(UTC).timestamp()
    code = pyotp.TOTP(secret).at(now + 30)
    answer = _code(first, code)
    assert answer.status_code == 302 and first.get(f"{Q}/").status_code == 200
    # The same code a second time: refused, even with the right password.
    second = app.test_client()
    _login(second)
    replayed = _code(second, code)
    assert replayed.status_code == 401 and "schon benutzt" in replayed.get_data(as_text=True)
    assert second.get(f"{Q}/").status_code == 302


def test_too_many_wrong_codes_start_the_login_again(app, client, planner):
    app.config["RATELIMIT_LOGIN"] = "100 per minute"
    _login(client)
    _set_up_second_factor(client)
    other = app.test_client()
    _login(other)
    for _ in range(4):
        assert _code(other, "000001").status_code == 401
    last = _code(other, "000001")
    assert last.status_code == 302 and last.headers["Location"].endswith("/anmelden")
    assert other.get(f"{Q}/anmelden/code").status_code == 302  # nothing pending any more


def test_the_code_step_counts_against_the_login_limit(app, client, planner):
    _login(client)
    _set_up_second_factor(client)
    app.config["RATELIMIT_LOGIN"] = "3 per minute"
    other = app.test_client()
    assert _login(other).status_code == 302
    assert _code(other, "000001").status_code == 401
    assert _code(other, "000001").status_code == 401
    assert _code(other, "000001").status_code == 429


@pytest.mark.both_databases
def test_a_required_second_factor_comes_before_anything_else(app, client, runner, planner):
    create_planner(runner, "tom")
    store = _store(app)
    tom = store.planners.by_name("tom")
    _login(client)
    assert _post(client, f"{Q}/konten/{tom.id}/zweiter-faktor", verlangt="ja").status_code == 302
    other = app.test_client()
    answer = _login(other, "tom")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/zweiter-faktor")
    for path in (f"{Q}/", f"{Q}/konto/", f"{Q}/protokoll", f"{Q}/import/"):
        led = other.get(path)
        assert led.status_code == 302 and led.headers["Location"].endswith("/zweiter-faktor"), path
    assert "Pflicht" in other.get(f"{Q}/konto/zweiter-faktor").get_data(as_text=True)
    _set_up_second_factor(other)
    assert other.get(f"{Q}/").status_code == 200
    # Required: the planner cannot remove it; an admin can reset it (a lost phone).
    removal = _post(other, f"{Q}/konto/zweiter-faktor/entfernen", current=PASSWORD)
    assert removal.status_code == 409 and store.planners.by_name("tom").totp_secret
    reset = _post(client, f"{Q}/konten/{tom.id}/zweiter-faktor/zuruecksetzen")
    assert reset.status_code == 302 and store.planners.by_name("tom").totp_secret is None
    assert other.get(f"{Q}/").headers["Location"].endswith("/zweiter-faktor")
    assert ("lea", "totp_reset", "tom") in _events(app)


def test_the_second_factor_required_for_all(app, client, runner, planner):
    create_planner(runner, "tom")
    _login(client)
    assert _post(client, f"{Q}/konten/zweiter-faktor-fuer-alle", verlangt="ja").status_code == 302
    assert _store(app).planners.totp_required_everywhere()
    # The admin too: led to set it up at the next request.
    assert client.get(f"{Q}/").headers["Location"].endswith("/zweiter-faktor")
    other = app.test_client()
    assert _login(other, "tom").headers["Location"].endswith("/zweiter-faktor")
    assert ("lea", "totp_required_all", "–") in _events(app)


def test_a_planner_removes_their_own_second_factor_with_the_password(app, client, planner):
    _login(client)
    _set_up_second_factor(client)
    wrong = _post(client, f"{Q}/konto/zweiter-faktor/entfernen", current="falsch-falsch")
    assert wrong.status_code == 400 and _store(app).planners.by_name("lea").totp_secret
    right = _post(client, f"{Q}/konto/zweiter-faktor/entfernen", current=PASSWORD)
    assert right.status_code == 302 and _store(app).planners.by_name("lea").totp_secret is None
    assert _login(app.test_client()).headers["Location"].endswith(f"{Q}/")


def test_the_accounts_log_keeps_no_secret(app, client, runner, planner):
    _login(client)
    link = _link(_invite(client))
    invitee = app.test_client()
    _set_password(invitee, link)
    secret = _set_up_second_factor(invitee)
    _post(
        client,
        f"{Q}/konto/passwort",
        current=PASSWORD,
        password=NEW_PASSWORD,
        confirmation=NEW_PASSWORD,
    )
    store = _store(app)
    with store.engine.connect() as connection:
        rows = repr(connection.execute(sa.select(schema.planner_events)).all())
    for secret_text in (PASSWORD, NEW_PASSWORD, link.rsplit("/", 1)[1], secret):
        assert secret_text not in rows
    log = client.get(f"{Q}/protokoll").get_data(as_text=True)
    assert "Protokoll der Konten" in log
    for words in (
        "eingeladen",
        "Passwort über den Einrichtungslink gesetzt",
        "zweiten Faktor eingerichtet",
        "Passwort geändert",
        "Kommandozeile",
    ):
        assert words in log, words


def test_the_command_line_refuses_common_passwords(runner, app):
    result = runner.invoke(
        args=["planner", "create", "max", "--password-stdin"], input="qwerty123456\n"
    )
    assert result.exit_code == 1 and "häufig benutzter" in result.output
    assert _store(app).planners.by_name("max") is None


def test_the_command_line_recovers_an_account(app, client, runner, planner):
    """The last admin who lost their phone or password gets back in by the command line."""
    _login(client)
    _set_up_second_factor(client)
    assert runner.invoke(args=["planner", "reset-second-factor", "lea"]).exit_code == 0
    assert _store(app).planners.by_name("lea").totp_secret is None
    result = runner.invoke(args=["planner", "setup-link", "lea", "--base-url", "http://localhost"])
    assert result.exit_code == 0, result.output
    link = re.search(r"http://localhost(/planung/konto/einrichten/\S+)", result.output)[1]
    assert _set_password(app.test_client(), link).status_code == 302
    assert _login(app.test_client(), password=NEW_PASSWORD).status_code == 302
    assert runner.invoke(args=["planner", "deactivate", "lea"]).exit_code == 0
    assert _login(app.test_client(), password=NEW_PASSWORD).status_code == 401
    assert runner.invoke(args=["planner", "reactivate", "lea"]).exit_code == 0
    assert _login(app.test_client(), password=NEW_PASSWORD).status_code == 302
    unknown = runner.invoke(args=["planner", "reactivate", "niemand"])
    assert unknown.exit_code == 1 and "gibt es nicht" in unknown.output
    actions = [(actor, action) for actor, action, _ in _events(app)]
    assert ("cli", "totp_reset") in actions and ("cli", "link_renewed") in actions
