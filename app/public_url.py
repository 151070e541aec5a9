"""The site's public address: absolute links come from the settings, never from a request.

A request's ``Host`` header (or an ``X-Forwarded-Host`` a client slipped past the proxy)
is whatever the client sends. Built into the private status link, the OGC API's links or
a measure's source, another host would send people — with their secret token — to
someone else's server. So ``PUBLIC_URL`` names the address, absolute links are made from
it, and requests for any host but its own and the ``TRUSTED_HOSTS`` are refused (400).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, url_for


def external_url(endpoint: str, **values) -> str:
    """An absolute URL under ``PUBLIC_URL``.

    Without one (the test client; ``flask run`` started by hand) the request's own host
    is used; ``make run`` sets it and the production entry point requires it.
    """
    base = current_app.config["PUBLIC_URL"]
    if not base:
        return url_for(endpoint, _external=True, **values)
    return base + url_for(endpoint, **values)


def init_app(app: Flask) -> None:
    """Check ``PUBLIC_URL`` and trust requests for its host (and the ``TRUSTED_HOSTS``)."""
    url = app.config["PUBLIC_URL"]
    if not url:
        return
    parts = urlsplit(url)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path.strip("/")
        or parts.query
        or parts.fragment
    ):
        raise ValueError(
            f"PUBLIC_URL „{url}“ ist keine Adresse der Form https://karte.example.org "
            "(Schema und Host, ohne Pfad)."
        )
    app.config["PUBLIC_URL"] = f"{parts.scheme}://{parts.netloc}"
    trusted = list(app.config.get("TRUSTED_HOSTS") or [])
    # Flask (werkzeug) answers a request for any other host with 400 Bad Request.
    app.config["TRUSTED_HOSTS"] = [*trusted, parts.hostname]
