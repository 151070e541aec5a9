"""Protection shared by all views: rate limits, proxy headers, security headers.

Nothing here lives in process memory in production: the rate-limit counters go to the
storage named by ``RATELIMIT_STORAGE_URI`` (Redis when several workers or hosts serve),
and sessions are signed cookies that every worker can check with the shared secret key.
"""

from __future__ import annotations

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

# Every form that changes something carries a CSRF token (Flask-WTF); see init_app.
csrf = CSRFProtect()


def limit_views(app: Flask, limit, *endpoints: str) -> None:
    """Wrap registered views in a Flask-Limiter decorator.

    The decorator must wrap the function Flask calls, so it is applied to the registered
    view rather than at import time, when the app (and its limiter) does not exist yet.
    """
    for endpoint in endpoints:
        app.view_functions[endpoint] = limit(app.view_functions[endpoint])


def init_app(app: Flask) -> Limiter:
    trusted_proxies = int(app.config["PROXY_FIX_X_FOR"])
    if trusted_proxies:
        # Behind a reverse proxy the client's address is in X-Forwarded-For; trust only as
        # many hops as there are proxies of ours, or anyone could pick their own address.
        app.wsgi_app = ProxyFix(
            app.wsgi_app,
            x_for=trusted_proxies,
            x_proto=trusted_proxies,
            x_host=trusted_proxies,
        )

    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=app.config["RATELIMIT_STORAGE_URI"],
        key_prefix=app.config["RATELIMIT_KEY_PREFIX"],
        headers_enabled=True,
    )
    app.extensions["quartierskarte.limiter"] = limiter
    csrf.init_app(app)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            f"frame-ancestors {current_app.config['FRAME_ANCESTORS']}",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    return limiter
