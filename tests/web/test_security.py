"""Security headers and cookies on every kind of response."""

from __future__ import annotations

import re

import pytest


@pytest.mark.parametrize("path", ["/", "/api/layers", "/ogc", "/gibt-es-nicht", "/ideen/neu"])
def test_security_headers_everywhere(client, path):
    response = client.get(path)
    policy = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert "'unsafe-inline'" not in directives["script-src"]
    assert directives["frame-ancestors"] == "'self'"
    assert "sgx.geodatenzentrum.de" in directives["img-src"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers


def test_the_inline_map_script_carries_this_responses_nonce(client):
    first = client.get("/")
    nonce = re.search(r"'nonce-([^']+)'", first.headers["Content-Security-Policy"]).group(1)
    html = first.get_data(as_text=True)
    assert f'<script nonce="{nonce}">' in html
    # Every executable inline script has the nonce; data blocks are not scripts.
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline and all(
        f'nonce="{nonce}"' in attrs or "application/json" in attrs for attrs in inline
    )
    second = client.get("/").headers["Content-Security-Policy"]
    assert nonce not in second, "a fresh nonce per response"


def test_frame_ancestors_and_hsts_follow_configuration(app, client):
    app.config["FRAME_ANCESTORS"] = "'self' https://www.wetzlar.de"
    response = client.get("/", base_url="https://quartierskarte.example")
    assert (
        "frame-ancestors 'self' https://www.wetzlar.de"
        in response.headers["Content-Security-Policy"]
    )
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_cookies_are_secure_behind_https_when_configured(app, client):
    app.config["SESSION_COOKIE_SECURE"] = True
    cookie = client.get("/ideen/neu", base_url="https://quartierskarte.example").headers[
        "Set-Cookie"
    ]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    language = client.get(
        "/sprache/en?weiter=/", base_url="https://quartierskarte.example"
    ).headers["Set-Cookie"]
    assert "Secure" in language and "HttpOnly" in language
