"""Logs without secrets: what the servers write about requests passes through here.

The token of a status link lets anyone read and delete an idea, and a planner's upload
token names their upload; e-mail addresses, names and client addresses are personal data.
No log line may carry any of them. So a request is logged with its method, its path with
the secret segments replaced, status, size and time — never its query string (a form sent
by GET puts names and e-mail addresses there), its referrer or the client's address.

Both servers use it: gunicorn through ``GunicornLogger`` (named in ``gunicorn.conf.py``)
for its access and error logs, and the development server of ``make run`` (``flask run``,
werkzeug) through the filter that ``init_app`` puts on werkzeug's and the app's loggers.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from urllib.parse import unquote

from flask import Flask
from gunicorn import glogging

# Paths whose next segment is a secret: the private status link of an idea (and the
# withdrawal behind it) and of a reported barrier, a planner's waiting upload, the links
# of e-mail news, an invited planner's setup link. A test checks that every route with a
# <token> is covered.
SECRET_SEGMENT_AFTER = (
    "/ideen/status/",
    "/planung/import/",
    "/benachrichtigungen/bestaetigen/",
    "/benachrichtigungen/abmelden/",
    "/benachrichtigungen/stand/",
    "/barrierefreiheit/meldung/",
    "/planung/konto/einrichten/",
)
REDACTED_SEGMENT = "<geheim>"
REDACTED_EMAIL = "<e-mail>"
REDACTED_ADDRESS = "-"

_SECRET_SEGMENT = re.compile(
    "|".join(f"(?<={re.escape(prefix)})[^/]+" for prefix in SECRET_SEGMENT_AFTER), re.IGNORECASE
)
# Wide on purpose: a false positive costs a readable log line, a miss costs privacy.
_EMAIL = re.compile(r"[\w.+-]+(?:@|%40)[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\s]")
# A request target inside a log text: a path or an absolute URL, starting the text or
# after a space, quote, bracket or "=" (so the slashes of a date are left alone).
_TARGET = re.compile(r"(?<![^\s\"'(=])(?:[a-z][a-z0-9+.-]*://[^\s\"'/]+)?/[^\s\"']*", re.I)
# Candidates for IPv4 and IPv6 addresses; each is checked with ipaddress before it goes.
# Not after "/" or "[": the server's own address in "Running on http://127.0.0.1:5000".
_ADDRESS = re.compile(
    r"(?<![\w./:\[])(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f]*:[0-9a-f:.]*[0-9a-f.])(?![\w.])",
    re.IGNORECASE,
)
_ORIGIN = re.compile(r"[a-z][a-z0-9+.-]*://[^/?#]*", re.IGNORECASE)


def redact_path(target: str) -> str:
    """A request target as a log may hold it: no query string, no secret segment."""
    origin = _ORIGIN.match(target)
    origin = origin.group() if origin else ""
    path = re.split("[?#]", target[len(origin) :], maxsplit=1)[0]
    # Decoded first, so that an encoded "@" or "status" is no way around the rules.
    path = _SECRET_SEGMENT.sub(REDACTED_SEGMENT, re.sub("/{2,}", "/", unquote(path)))
    redacted = _EMAIL.sub(REDACTED_EMAIL, origin + path)  # user info of a URL included
    # A newline in a path would start a forged log line.
    return _CONTROL.sub(lambda match: f"%{ord(match.group()):02X}", redacted)


def _drop_address(match: re.Match) -> str:
    try:
        ipaddress.ip_address(match.group())
    except ValueError:
        return match.group()  # a time such as 19:04:11, not an address
    return REDACTED_ADDRESS


def redact_text(text: str) -> str:
    """A log message with every request target redacted, e-mail and IP addresses out."""
    text = _TARGET.sub(lambda match: redact_path(match.group()), text)
    return _ADDRESS.sub(_drop_address, _EMAIL.sub(REDACTED_EMAIL, text))


class RedactingFilter(logging.Filter):
    """Rewrites each record of the logger it is put on through ``redact_text``."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact_text(record.getMessage())
        record.args = ()
        if record.exc_info and not record.exc_text:
            # The formatter prints this text instead of formatting the traceback itself.
            record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))
        return True


def add_filter(logger: logging.Logger) -> None:
    if not any(isinstance(existing, RedactingFilter) for existing in logger.filters):
        logger.addFilter(RedactingFilter())


# gunicorn's access-log fields that hold nothing personal: time, method, protocol, status,
# sizes, durations, worker. The request line and path are rebuilt below; any other field
# (address, query, referrer, user agent, headers, environment) is written as "-".
SAFE_ACCESS_FIELDS = ("t", "m", "H", "s", "b", "B", "T", "D", "M", "L", "p")


class GunicornLogger(glogging.Logger):
    """gunicorn's logger, writing only ``SAFE_ACCESS_FIELDS`` and redacted paths."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        # "Invalid request from ip=…" quotes the client's address and request line.
        add_filter(self.error_log)

    def atoms(self, resp, req, environ, request_time) -> dict:
        every = super().atoms(resp, req, environ, request_time)
        atoms = {name: every[name] for name in SAFE_ACCESS_FIELDS if name in every}
        atoms["U"] = redact_path(environ.get("PATH_INFO") or "/")
        atoms["r"] = f"{every['m']} {atoms['U']} {every['H']}"
        return atoms


def init_app(app: Flask) -> None:
    """Redact what the development server (werkzeug) and the app's own logger write."""
    for logger in (logging.getLogger("werkzeug"), app.logger):
        add_filter(logger)
