"""Protection shared by all views: rate limits, proxy headers, security headers.

Nothing here lives in process memory in production: the rate-limit counters go to the
storage named by ``RATELIMIT_STORAGE_URI`` (Redis when several workers or hosts serve),
and sessions are signed cookies that every worker can check with the shared secret key.
Only while that storage is unreachable does each worker count in its own memory
(``RATELIMIT_IN_MEMORY_FALLBACK_ENABLED``), so that an outage of Redis stops nobody.
"""

from __future__ import annotations

import logging
import re
import secrets
from urllib.parse import urlsplit

from flask import Flask, current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from measures.domain.errors import UserError
from measures.domain.vocabulary import N_

# Every form that changes something carries a CSRF token (Flask-WTF); see init_app.
csrf = CSRFProtect()

# Control characters, the backslash, lone surrogates (no character, cannot be encoded).
_UNSAFE_IN_PATH = re.compile("[\x00-\x1f\x7f-\x9f\\\\\ud800-\udfff]")
REDIRECT_MESSAGE = N_(
    "Dieser Link ist fehlerhaft: Er soll zu einer Seite führen, die nicht zu dieser "
    "Website gehört. Bitte öffnen Sie die Seite direkt."
)


def limit_views(app: Flask, limit, *endpoints: str) -> None:
    """Wrap registered views in a Flask-Limiter decorator.

    The decorator must wrap the function Flask calls, so it is applied to the registered
    view rather than at import time, when the app (and its limiter) does not exist yet.
    """
    for endpoint in endpoints:
        app.view_functions[endpoint] = limit(app.view_functions[endpoint])


def redirect_path(target: str | None, default: str) -> str:
    """Where to go on after the language switch or the login (``weiter``).

    Only a path of this site; anything else is refused with a 400 before anything
    happens. Another site would be an open redirect, and so could a backslash be
    (browsers read ``/\\`` as ``//``) or a tab or line break (browsers drop them from
    URLs; in a header a line break would start another). Nothing given: ``default``.
    """
    if not target:
        return default
    if (
        not target.startswith("/")
        or target.startswith("//")
        or _UNSAFE_IN_PATH.search(target)
        or urlsplit(target).netloc
    ):
        raise UserError(REDIRECT_MESSAGE, parameter="weiter", code="invalid_redirect")
    return target


def csp_nonce() -> str:
    """The nonce of this response: the one inline script (folium's map) carries it."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def content_security_policy() -> str:
    """Only our own scripts, styles and data; images also from the tile server.

    No 'unsafe-inline' for scripts: folium's inline map script gets this response's nonce.
    """
    tiles = _origin(current_app.config["TILE_URL"])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{csp_nonce()}'",
            "style-src 'self'",
            f"img-src 'self' data: {tiles}".strip(),
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            f"frame-ancestors {current_app.config['FRAME_ANCESTORS']}",
        ]
    )


def init_app(app: Flask) -> Limiter:
    trusted_proxies = int(app.config["PROXY_FIX_X_FOR"])
    if trusted_proxies:
        # Behind a reverse proxy the client's address is in X-Forwarded-For; trust only as
        # many hops as there are proxies of ours, or anyone could pick their own address.
        # X-Forwarded-Host is never trusted: links come from PUBLIC_URL (app/public_url.py).
        app.wsgi_app = ProxyFix(
            app.wsgi_app,
            x_for=trusted_proxies,
            x_proto=trusted_proxies,
        )

    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=app.config["RATELIMIT_STORAGE_URI"],
        key_prefix=app.config["RATELIMIT_KEY_PREFIX"],
        # The X-RateLimit-* headers on every answer cost one more read of the counter
        # per request (a Redis round trip); what a refused client needs is Retry-After,
        # set below on 429 answers only.
        headers_enabled=False,
    )
    # Flask-Limiter logs to a logger of its own that nothing shows; its messages belong to
    # the app's log, where the operator reads that the counters fell back to memory. Only
    # warnings: its notes on refused requests name the client's address.
    limiter.logger = app.logger.getChild("ratelimit")
    limiter.logger.setLevel(logging.WARNING)
    app.extensions["quartierskarte.limiter"] = limiter
    csrf.init_app(app)

    @app.after_request
    def retry_after(response):
        limit = limiter.current_limit if response.status_code == 429 else None
        if limit is not None:
            # The length of the limit's window: an upper bound that needs no second read
            # of the counter, which could fail and turn the 429 into a 500.
            response.headers["Retry-After"] = str(limit.limit.get_expiry())
        return response

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", content_security_policy())
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response

    app.jinja_env.globals["csp_nonce"] = csp_nonce

    return limiter
