"""The password rules and the second factor's codes (``measures/domain/accounts.py``)."""

from __future__ import annotations

import time

import pyotp
import pytest

from measures.domain.accounts import (
    COMMON,
    GUESSABLE,
    MISMATCH,
    TOO_LONG,
    TOO_SHORT,
    PasswordRefused,
    check_password,
    grouped,
    hash_token,
    matching_step,
    new_setup_link,
    new_totp_secret,
    provisioning_uri,
)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("kurz", TOO_SHORT),
        ("elf Zeichen", TOO_SHORT),  # 11
        ("x" * 257, TOO_LONG),
        # On zxcvbn's list of common passwords, 12 characters and more, any case.
        ("1qaz2wsx3edc", COMMON),
        ("QWERTY123456", COMMON),
        # Not on the list, but easy to guess: repetitions, sequences, a word with digits,
        # the account's own name.
        ("aaaaaaaaaaaa", GUESSABLE),
        ("123456789012", GUESSABLE),
        ("passwort1234", GUESSABLE),
        ("lea-lea-lea-lea", GUESSABLE),
    ],
)
def test_weak_passwords_are_refused_with_their_reason(password, reason):
    with pytest.raises(PasswordRefused) as refused:
        check_password(password, password, user_inputs=("lea",))
    assert refused.value.message == reason


@pytest.mark.parametrize(
    "password", ["ein-langes-geheimes-wort", "Kaffee und Kuchen im KiFaZ", "Zwölf Zeichen"]
)
def test_long_unusual_passwords_are_taken(password):
    assert check_password(password, password, user_inputs=("lea",)) == password


def test_the_two_entries_must_agree():
    with pytest.raises(PasswordRefused) as refused:
        check_password("Kaffee und Kuchen", "Kaffee und Kuchen ")
    assert refused.value.message == MISMATCH


def test_a_code_matches_its_time_step_and_one_either_side():
    secret = new_totp_secret()
    assert len(secret) == 32
    totp = pyotp.TOTP(secret)
    now = time.time()
    step = totp.timecode(now)
    assert matching_step(secret, totp.at(now), now) == step
    assert matching_step(secret, totp.at(now - 30), now) == step - 1
    assert matching_step(secret, totp.at(now + 30), now) == step + 1
    assert matching_step(secret, totp.at(now - 90), now) is None
    assert matching_step(secret, " ".join(totp.at(now)[i : i + 3] for i in (0, 3)), now) == step
    for wrong in ("", "12345", "1234567", "abcdef", "１２３４５６"):
        assert matching_step(secret, wrong, now) is None


def test_the_qr_code_names_the_account_and_the_secret_is_grouped():
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    uri = provisioning_uri(secret, "lea", "Quartierskarte")
    assert uri.startswith(f"otpauth://totp/Quartierskarte:lea?secret={secret}")
    assert grouped(secret) == "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"


def test_a_setup_link_keeps_only_a_hash():
    link = new_setup_link()
    assert len(link.token) >= 43 and link.token_hash == hash_token(link.token)
    assert link.token not in link.token_hash and len(link.token_hash) == 64
