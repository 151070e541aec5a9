"""Sending the outbox over SMTP: ``flask --app app mail send``, or a thread of ``make run``.

How a message is claimed, marked and what a crash does to it is explained in
``measures/storage/mail.py``: each message is handed to the mail server at most once;
one whose sender dies in the middle of handing it over is not sent again. While the
server cannot be reached (or answers 4xx) a message is tried again later, each time
twice as late (``MAIL_RETRY_BASE_S`` doubling up to ``MAIL_RETRY_MAX_S``), at most
``MAIL_MAX_ATTEMPTS`` times; a 5xx answer (the address does not exist) gives it up.

Several senders may run at once on PostgreSQL (the claim skips locked rows). On SQLite
one sender is meant to run (the claim still never hands a row to two of them, but they
wait for each other's writes).

The log names messages by their number in the outbox and failures by their kind, never
an address: a mail server's error text may quote it, so that text is not logged at all.
"""

from __future__ import annotations

import logging
import signal
import smtplib
import ssl
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import parseaddr

import click
from flask import Flask, current_app

from app.errors import Commands
from app.log_redaction import add_filter
from app.mail_messages import build
from measures.domain.errors import UserError
from measures.domain.notifications import retry_delay_s
from measures.storage import Store
from measures.storage.outbox import Claimed

log = logging.getLogger("quartierskarte.mail")
add_filter(log)

TLS_MODES = ("none", "starttls", "ssl")
# CRLF line ends; header lines up to RFC 5322's limit, so that the long link of
# List-Unsubscribe stays one plain "<https://…>" (folded at 78, the email package would
# write it as an encoded word, which mail programs do not read as a link).
_WIRE = SMTP.clone(max_line_length=998)
_BACKGROUND = "quartierskarte.mail_background"


@dataclass
class Report:
    sent: int = 0
    retried: int = 0
    dropped: int = 0
    lost: int = 0


def _store(app: Flask) -> Store:
    return app.extensions["quartierskarte.store"]


def _connect(config) -> smtplib.SMTP:
    tls = config["MAIL_TLS"]
    if tls not in TLS_MODES:
        raise UserError(f"MAIL_TLS muss none, starttls oder ssl sein, nicht „{tls}“.")
    host, port, timeout = config["MAIL_HOST"], config["MAIL_PORT"], config["MAIL_TIMEOUT_S"]
    # The server's certificate is checked, name included: against the system's CAs, or
    # only against MAIL_TLS_CA_FILE (a server with a certificate of its own CA). An
    # untrusted certificate ends the connection before anything is sent (retried later).
    context = ssl.create_default_context(cafile=config.get("MAIL_TLS_CA_FILE") or None)
    if tls == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if tls == "starttls":
            smtp.starttls(context=context)
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    except BaseException:
        # A refused certificate or login: the connection is closed, not left to the GC.
        smtp.close()
        raise
    return smtp


def _check(code: int, expected: tuple[int, ...]) -> None:
    if code not in expected:
        raise smtplib.SMTPResponseException(code, b"")


def _permanent(error: BaseException) -> bool:
    """A refusal for good (5xx; an address the server cannot take): no retry helps."""
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return True
    return isinstance(error, smtplib.SMTPResponseException) and 500 <= error.smtp_code < 600


def _hand_over(app: Flask, smtp: smtplib.SMTP, message: Claimed, email: EmailMessage) -> bool:
    """One message to the server; False if its claim was lost before DATA."""
    sender = parseaddr(app.config["MAIL_SENDER"])[1]
    recipient = message.subscription.email
    options = []
    smtp.ehlo_or_helo_if_needed()
    if not recipient.isascii():
        if not smtp.has_extn("smtputf8"):
            raise smtplib.SMTPNotSupportedError("SMTPUTF8")
        options = ["SMTPUTF8", "BODY=8BITMIME"]
    _check(smtp.mail(sender, options)[0], (250,))
    _check(smtp.rcpt(recipient)[0], (250, 251))
    # From here on the server may keep a copy: marked first, never handed over twice.
    if not _store(app).mail.begin_sending(message):
        smtp.rset()
        return False
    _check(smtp.data(email.as_bytes(policy=_WIRE))[0], (250,))
    return True


def _failed(app: Flask, message: Claimed, error: BaseException, report: Report) -> None:
    config = app.config
    kind = type(error).__name__
    if isinstance(error, smtplib.SMTPResponseException):
        kind = f"{kind} {error.smtp_code}"
    attempts = message.attempts + 1
    mail = _store(app).mail
    if _permanent(error) or attempts >= config["MAIL_MAX_ATTEMPTS"]:
        mail.drop(message)
        report.dropped += 1
        log.warning("Nachricht %s aufgegeben nach %s Versuchen (%s)", message.id, attempts, kind)
        return
    delay = retry_delay_s(attempts, config["MAIL_RETRY_BASE_S"], config["MAIL_RETRY_MAX_S"])
    mail.release(message, datetime.now(UTC) + timedelta(seconds=delay), kind)
    report.retried += 1
    log.info("Nachricht %s: %s; neuer Versuch in %.0f s", message.id, kind, delay)


def _reset(smtp: smtplib.SMTP) -> smtplib.SMTP | None:
    """After a refused message, RSET for the next one; None if the session is broken."""
    try:
        smtp.rset()
    except (smtplib.SMTPException, OSError):
        smtp.close()
        return None
    return smtp


def send_due(app: Flask, stop: threading.Event | None = None) -> Report:
    """Send every message that is due now, batch by batch; the pass of ``--once``.

    With ``stop`` set (SIGTERM) the pass ends after the batch in hand.
    """
    config, mail = app.config, _store(app).mail
    report = Report()
    while stop is None or not stop.is_set():
        # Authors who asked for news with a new idea: their requests to confirm first.
        mail.subscribe_authors(config["MAIL_BATCH"])
        batch = mail.claim(config["MAIL_BATCH"], config["MAIL_LEASE_S"])
        if not batch:
            return report
        smtp = None
        try:
            for index, message in enumerate(batch):
                try:
                    email = build(app, message)
                except Exception:  # noqa: BLE001 - one broken message must not stop the rest
                    # Trying again would fail the same way; the traceback names no address.
                    log.exception("Nachricht %s lässt sich nicht schreiben; aufgegeben", message.id)
                    mail.drop(message)
                    report.dropped += 1
                    continue
                try:
                    if smtp is None:
                        smtp = _connect(config)
                    if _hand_over(app, smtp, message, email):
                        mail.mark_sent(message)
                        report.sent += 1
                    else:
                        report.lost += 1
                except (smtplib.SMTPException, OSError) as error:
                    _failed(app, message, error, report)
                    # An answer about this message leaves the session usable; anything
                    # else (refused connection, timeout, hang-up; smtplib's errors are
                    # OSErrors too) means the server is not there.
                    answered = isinstance(
                        error, smtplib.SMTPResponseException | smtplib.SMTPNotSupportedError
                    )
                    if smtp is None or not answered:
                        # The server is not there: the rest of the batch waits as well.
                        for rest in batch[index + 1 :]:
                            _failed(app, rest, error, report)
                        return report
                    smtp = _reset(smtp)
        finally:
            if smtp is not None:
                try:
                    smtp.quit()
                except (smtplib.SMTPException, OSError):
                    smtp.close()
    return report


def run(app: Flask, stop: threading.Event) -> None:
    """Send until ``stop`` is set: a pass, then a pause until the next message is due."""
    mail = _store(app).mail
    doubtful = mail.in_doubt()
    if doubtful:
        log.warning(
            "%s Nachrichten wurden beim letzten Mal während der Übergabe abgebrochen und "
            "werden nicht erneut gesendet (Nummern %s)",
            len(doubtful),
            ", ".join(map(str, doubtful[:20])),
        )
    poll = app.config["MAIL_POLL_S"]
    while not stop.is_set():
        try:
            send_due(app, stop)
            due = mail.next_due()
        except Exception:  # noqa: BLE001 - the sender must outlive a database hiccup
            log.exception("Fehler beim Senden; neuer Versuch in %s s", poll)
            due = None
        wait = poll
        if due is not None:
            wait = min(poll, max((due - datetime.now(UTC)).total_seconds(), 0.05))
        stop.wait(wait)


def start_in_background(app: Flask) -> None:
    """The development server's sender: a thread in the process that serves requests.

    Started by its first request, so never in the reloader's watching parent (which
    serves none) nor in a command of the command line.
    """
    if not app.config["MAIL_BACKGROUND"] or _BACKGROUND in app.extensions:
        return
    lock = app.extensions.setdefault(_BACKGROUND + ".lock", threading.Lock())
    with lock:
        if _BACKGROUND in app.extensions:
            return
        stop = threading.Event()
        thread = threading.Thread(target=run, args=(app, stop), name="mail-sender", daemon=True)
        app.extensions[_BACKGROUND] = (thread, stop)
        thread.start()


mail_cli = Commands("mail", help="E-Mail-Benachrichtigungen versenden.")


@mail_cli.command("send")
@click.option("--once", is_flag=True, help="Nur die fälligen Nachrichten senden, dann enden.")
def send_command(once: bool) -> None:
    """Sendet die Nachrichten der Warteschlange per SMTP (läuft ohne --once dauerhaft)."""
    app = current_app._get_current_object()  # noqa: SLF001 - the app itself, for the loop
    if once:
        report = send_due(app)
        click.echo(
            f"{report.sent} gesendet, {report.retried} später erneut, {report.dropped} aufgegeben."
        )
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    click.echo("Sende E-Mails; beenden mit Strg+C oder SIGTERM.")
    try:
        run(app, stop)
    except KeyboardInterrupt:
        stop.set()
