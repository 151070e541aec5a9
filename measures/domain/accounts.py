"""Planners' accounts: the password rules, the second factor (TOTP), setup links, and the
words of the accounts' log.

**Passwords.** At least ``MIN_PASSWORD_LENGTH`` characters (NIST SP 800-63B asks for a
minimum length and a check against known passwords, not for rules of character classes).
Refused too: a password on the list of the 30,000 most common passwords that zxcvbn ships
(``zxcvbn.frequency_lists.FREQUENCY_LISTS["passwords"]``, PyPI package ``zxcvbn``, a port
of Dropbox's zxcvbn), and one that zxcvbn's estimate finds easy to guess (fewer than 10^8
guesses: repetitions, keyboard rows, dates, a common word with digits, the account's name).

**Second factor.** Time-based one-time codes (RFC 6238: 6 digits, 30 seconds, SHA-1, as
every authenticator app reads them) with ``pyotp``. A code is accepted for the current
time step and one step either side (clocks drift), and only for a step later than the
last one accepted: a code seen once is refused the second time.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from measures.domain.errors import UserError
from measures.domain.vocabulary import N_

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
# zxcvbn's score 3 and up: 10^8 guesses or more.
MIN_PASSWORD_SCORE = 3
# zxcvbn's time grows with the length; what lies beyond this adds nothing to its estimate.
_ESTIMATE_CHARACTERS = 100

# How long an invited planner's setup link works.
SETUP_LINK_DAYS = 7
SETUP_LINK_LIFETIME = timedelta(days=SETUP_LINK_DAYS)

# How many codes may be wrong before the login starts again with the password.
MAX_CODE_ATTEMPTS = 5

USERNAME_MAX = 80


class PasswordRefused(UserError):
    """A new password that the rules refuse; ``message`` is German and says what to do
    (a template of the catalogue: see ``check_password``)."""

    def __init__(self, message: str):
        super().__init__(message, code="password_refused", parameter="password")


TOO_SHORT = N_(
    "Das Passwort ist zu kurz: Es braucht mindestens %(min)d Zeichen. Leicht zu merken "
    "ist ein Satz aus mehreren Wörtern."
)
TOO_LONG = N_("Das Passwort ist zu lang: Es darf höchstens %(max)d Zeichen haben.")
COMMON = N_(
    "Dieses Passwort steht auf einer Liste häufig benutzter Passwörter. Bitte wählen Sie "
    "ein anderes."
)
GUESSABLE = N_(
    "Dieses Passwort ist leicht zu erraten (zum Beispiel Wiederholungen, Tastaturfolgen, "
    "ein Datum, ein bekanntes Wort mit Zahlen oder Ihr Name). Bitte wählen Sie ein "
    "anderes, etwa einen Satz aus mehreren Wörtern."
)
MISMATCH = N_("Die beiden Passwörter stimmen nicht überein. Bitte geben Sie es zweimal gleich ein.")


@functools.cache
def _common_passwords() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])


def check_password(password: str, confirmation: str, *, user_inputs: tuple[str, ...] = ()) -> str:
    """The new password, if the rules take it; else ``PasswordRefused`` with the reason.

    The message is a template of the catalogue (``%(min)d``, ``%(max)d``): the web layer
    translates it and fills in ``password_limits()``. ``user_inputs`` are words of this
    account and site (its name) that make a password easy to guess.
    """
    if password != confirmation:
        raise PasswordRefused(MISMATCH)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordRefused(TOO_SHORT)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordRefused(TOO_LONG)
    if password.lower() in _common_passwords():
        raise PasswordRefused(COMMON)
    words = [w for w in user_inputs if w]
    if zxcvbn(password[:_ESTIMATE_CHARACTERS], user_inputs=words)["score"] < MIN_PASSWORD_SCORE:
        raise PasswordRefused(GUESSABLE)
    return password


def password_limits() -> dict[str, int]:
    """The numbers the messages of ``check_password`` name."""
    return {"min": MIN_PASSWORD_LENGTH, "max": MAX_PASSWORD_LENGTH}


def check_username(name: str) -> str:
    """A new account's name: 1 to 80 characters, no line breaks; stripped."""
    name = name.strip()
    if not name or len(name) > USERNAME_MAX or any(c in name for c in "\r\n\t"):
        raise ValueError("Der Name muss 1 bis 80 Zeichen lang sein, ohne Zeilenumbruch.")
    return name


# --- the setup link ------------------------------------------------------------------


@dataclass(frozen=True)
class SetupLink:
    """A new link's token (shown once, never stored) and the hash that is stored."""

    token: str
    token_hash: str


def new_setup_link() -> SetupLink:
    token = secrets.token_urlsafe(32)
    return SetupLink(token, hash_token(token))


def hash_token(token: str) -> str:
    """SHA-256 of the token: 256 random bits need no slow hash, and a copy of the
    database gives nobody a working link."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


# --- the second factor ----------------------------------------------------------------


def new_totp_secret() -> str:
    """A new secret: 32 base32 characters, 160 bits (RFC 4226 recommends 160)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def matching_step(secret: str, code: str, at: float | None = None) -> int | None:
    """The time step whose code ``code`` is (the current one or one either side), or None.

    The caller accepts it only when it is later than the last step accepted, atomically
    (``PlannerRepository.accept_code``), so that a code works once.
    """
    code = "".join(code.split())
    if len(code) != 6 or not (code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(time.time() if at is None else at)
    for step in (now, now - 1, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


# --- the accounts' log ----------------------------------------------------------------

ACCOUNT_ACTIONS: dict[str, str] = {
    "created": N_("Konto angelegt (Kommandozeile)"),
    "invited": N_("eingeladen"),
    "link_renewed": N_("neuer Einrichtungslink"),
    "password_set": N_("Passwort über den Einrichtungslink gesetzt"),
    "password_changed": N_("Passwort geändert"),
    "roles_changed": N_("Rollen geändert"),
    "deactivated": N_("gesperrt"),
    "reactivated": N_("wieder freigeschaltet"),
    "totp_enabled": N_("zweiten Faktor eingerichtet"),
    "totp_removed": N_("zweiten Faktor entfernt"),
    "totp_reset": N_("zweiten Faktor zurückgesetzt"),
    "totp_required": N_("zweiten Faktor verlangt"),
    "totp_optional": N_("zweiten Faktor freigestellt"),
    "totp_required_all": N_("zweiten Faktor für alle Konten verlangt"),
    "totp_optional_all": N_("zweiten Faktor für alle Konten freigestellt"),
}


@dataclass(frozen=True)
class AccountEvent:
    """One entry of the accounts' log: who (``actor``; "cli" for the command line) did
    what to which account (``planner``), where (a Quartier's slug, or None)."""

    at: datetime
    actor: str
    action: str
    planner: str
    quartier: str | None = None
    detail: str = ""
