"""The site's public address: absolute links come from the settings, never from a request.

A request's ``Host`` header (or an ``X-Forwarded-Host`` a client slipped past the proxy)
is whatever the client sends. Built into the private status link, the OGC API's links or
a measure's source, another host would send people — with their secret token — to
someone else's server. So ``PUBLIC_URL`` names the address, absolute links are made from
it, and requests for a host other than its own and the ``ALLOWED_HOSTS`` get 400.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request, url_for


def external_url(endpoint: str, **values) -> str:
    """An absolute URL under ``PUBLIC_URL``.

    Without one (the test client; ``flask run`` started by hand) the request's own host
    is used; ``make run`` sets it and the production entry point requires it.
    """
    base = current_app.config["PUBLIC_URL"]
    if not base:
        return url_for(endpoint, _external=True, **values)
    return base + url_for(endpoint, **values)


def refuse_other_hosts() -> None:
    """400 for a request that names a host we do not serve, before any view runs.

    Not Flask's TRUSTED_HOSTS: Flask 3.1 then has no URL adapter for the error page.
    """
    hosts = current_app.config["SERVED_HOSTS"]
    if hosts and _host_name(request.host) not in hosts:
        abort(400)


def _host_name(host: str) -> str:
    """The host name in lower case, without port: "[::1]:5000" → "::1"."""
    if "@" in host or "/" in host:
        return ""  # user info or a path: no host name of ours
    try:
        return (urlsplit("//" + host).hostname or "").rstrip(".")
    except ValueError:  # an unclosed bracket
        return ""


def init_app(app: Flask) -> None:
    """Check ``PUBLIC_URL``; serve its host and the ``ALLOWED_HOSTS`` only."""
    url = app.config["PUBLIC_URL"]
    app.config["SERVED_HOSTS"] = set()
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
    app.config["SERVED_HOSTS"] = {
        _host_name(host) for host in (parts.netloc, *app.config["ALLOWED_HOSTS"])
    }
    # Registered before every other hook, so nothing else runs for a foreign host.
    app.before_request(refuse_other_hosts)
