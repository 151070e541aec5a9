"""Accounts in the browser: an admin invites a planner, the invitee sets a password through
the setup link and a second factor by its secret, and logs in with a code of it; axe
(WCAG 2.2 A/AA and best practice) finds nothing on any page of the accounts, error
states included."""

from __future__ import annotations

import time

import pyotp
import pytest
from playwright.sync_api import expect

from tests.e2e.axe import violations
from tests.e2e.navigation import click_through
from tests.factories import PASSWORD, create_planner

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Kaffee und Kuchen im KiFaZ"


@pytest.fixture
def app(store, make_app):
    return make_app(RATELIMIT_LOGIN="1000 per minute")


def _new_page(browser):
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 800})
    return context, context.new_page()


def _submit(page, button: str) -> None:
    click_through(page.get_by_role("button", name=button, exact=True))


def _follow(page, link: str) -> None:
    click_through(page.get_by_role("link", name=link, exact=True))


def _log_in(page, live_server, name: str, password: str) -> None:
    page.goto(live_server + "/planung/anmelden")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Passwort").fill(password)
    _submit(page, "Anmelden")


def test_an_invited_planner_sets_a_password_and_a_second_factor(browser, live_server, app):
    create_planner(app.test_cli_runner())
    admin_context, admin = _new_page(browser)
    _log_in(admin, live_server, "lea", PASSWORD)

    # The admin invites mia; the setup link is shown once.
    _follow(admin, "Konten")
    assert admin.get_by_role("heading", name="Konten in diesem Quartier").is_visible()
    assert violations(admin) == []
    _follow(admin, "Eine Person einladen")
    assert violations(admin) == []
    admin.get_by_label("Name (zum Anmelden)").fill("mia")
    admin.get_by_label("E-Mail-Adresse").fill("keine-adresse")
    admin.locator("#email").evaluate("node => node.type = 'text'")  # past the browser's check
    _submit(admin, "Einladen")
    expect(admin.locator("body")).to_contain_text("gültige E-Mail-Adresse")
    assert violations(admin) == []
    admin.get_by_label("E-Mail-Adresse").fill("mia@example.org")
    admin.get_by_label("moderieren", exact=False).check()
    _submit(admin, "Einladen")
    link = admin.get_by_label("Einrichtungslink").input_value()
    assert "/planung/konto/einrichten/" in link
    assert violations(admin) == []

    # mia sets her password; a guessable one is refused first.
    context, mia = _new_page(browser)
    mia.goto(link)
    assert violations(mia) == []
    mia.get_by_label("Neues Passwort", exact=True).fill("passwort1234")
    mia.get_by_label("Passwort wiederholen", exact=True).fill("passwort1234")
    _submit(mia, "Passwort festlegen")
    expect(mia.locator("body")).to_contain_text("leicht zu erraten")
    assert violations(mia) == []
    mia.get_by_label("Neues Passwort", exact=True).fill(NEW_PASSWORD)
    mia.get_by_label("Passwort wiederholen", exact=True).fill(NEW_PASSWORD)
    _submit(mia, "Passwort festlegen")
    expect(mia.locator("body")).to_contain_text("Ihr Passwort ist gesetzt")
    assert violations(mia) == []  # her account's page
    mia.get_by_label("Bisheriges Passwort").fill("falsch-falsch-falsch")
    mia.get_by_label("Neues Passwort", exact=True).fill("Ein neues langes Passwort")
    mia.get_by_label("Neues Passwort wiederholen").fill("Ein neues langes Passwort")
    _submit(mia, "Passwort ändern")
    expect(mia.locator("body")).to_contain_text("Das bisherige Passwort ist falsch")
    assert violations(mia) == []

    # Her second factor, by the secret as text (the QR code holds the same).
    _follow(mia, "Zweiten Faktor einrichten")
    assert mia.locator("svg.qr-code").is_visible()
    assert violations(mia) == []
    secret = mia.locator("#totp-secret").inner_text().replace(" ", "")
    mia.get_by_label("Code aus der App (6 Ziffern)").fill("000000")
    _submit(mia, "Bestätigen")
    expect(mia.locator("body")).to_contain_text("Der Code stimmt nicht")
    assert violations(mia) == []
    mia.get_by_label("Code aus der App (6 Ziffern)").fill(pyotp.TOTP(secret).now())
    _submit(mia, "Bestätigen")
    expect(mia.locator("body")).to_contain_text("Der zweite Faktor ist eingerichtet")
    _submit(mia, "Abmelden (mia)")

    # The login asks for a code after the password. The setup took this time step's code;
    # the next step's is accepted (one step either side) and not yet taken.
    _log_in(mia, live_server, "mia", NEW_PASSWORD)
    assert mia.get_by_role("heading", name="Anmeldung: Code aus Ihrer App").is_visible()
    assert violations(mia) == []
    mia.get_by_label("Code (6 Ziffern)").fill("123456")
    _submit(mia, "Anmelden")
    expect(mia.locator("body")).to_contain_text("Der Code ist falsch")
    assert violations(mia) == []
    mia.get_by_label("Code (6 Ziffern)").fill(pyotp.TOTP(secret).at(time.time() + 30))
    _submit(mia, "Anmelden")
    assert mia.get_by_role("link", name="Mein Konto").is_visible()
    assert mia.url.endswith("/planung/")

    # The admin sees her account and the log; the used link is gone.
    admin.goto(live_server + "/planung/konten/")
    _follow(admin, "mia")
    expect(admin.locator("body")).to_contain_text("eingerichtet")
    assert violations(admin) == []
    admin.goto(live_server + "/planung/protokoll")
    expect(admin.locator("body")).to_contain_text("Passwort über den Einrichtungslink gesetzt")
    assert violations(admin) == []
    admin.goto(link)
    expect(admin.locator("body")).to_contain_text("Dieser Einrichtungslink gilt nicht")
    assert violations(admin) == []
    context.close()
    admin_context.close()
