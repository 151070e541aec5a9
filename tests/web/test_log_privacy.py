"""No log line carries a status token, an e-mail address, a name or a client address.

The tests read the real logs: gunicorn's access and error log as ``make serve`` writes
them, and the development server's output as ``make run`` starts it (``flask run``). A
resident from 127.0.0.2 (another loopback address than the server's own) fills in the
idea form with name and e-mail, opens and withdraws the idea by its private link, sends
the e-mail address in a query string, and sends a broken request line with the token.
"""

from __future__ import annotations

import http.client
import logging
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest

from app.log_redaction import RedactingFilter, redact_path, redact_text
from tests.factories import LAT, LON
from tests.web.gunicorn_server import ROOT, GunicornServer, free_port

RESIDENT_ADDRESS = "127.0.0.2"
NAME = "Erika Musterfrau"
EMAIL = "erika.musterfrau@example.de"


class Resident:
    """A browser on 127.0.0.2 that keeps its cookies (session, CSRF)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies = SimpleCookie()

    def send(self, method: str, path: str, form: dict | None = None):
        """(status, Location, text) of one request."""
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=30, source_address=(RESIDENT_ADDRESS, 0)
        )
        headers = {"Cookie": "; ".join(f"{k}={m.value}" for k, m in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            for cookie in response.headers.get_all("Set-Cookie") or []:
                self.cookies.load(cookie)
            return response.status, response.headers.get("Location", ""), response.read().decode()
        finally:
            connection.close()

    def wait_until_served(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.send("GET", "/ueber")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("Der Server antwortet nicht.")


def _csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def take_part(port: int) -> str:
    """Everything a resident does whose traces must stay out of the log; the token."""
    resident = Resident(port)
    resident.wait_until_served()
    query = f"author_name={NAME.replace(' ', '+')}&email={EMAIL.replace('@', '%40')}"
    status, _, form = resident.send("GET", "/ideen/neu?" + query)
    assert status == 200 and NAME in form  # the form took both from the query string
    status, location, _ = resident.send(
        "POST",
        "/ideen/neu",
        {
            "csrf_token": _csrf_token(form),
            "title": "Bank am Spielplatz",
            "description": "Eine Bank im Schatten für Eltern.",
            "category": "spiel_freizeit",
            "author_name": NAME,
            "email": EMAIL,
            "consent": "on",
            "lon": str(LON),
            "lat": str(LAT),
        },
    )
    assert status == 302, location
    path = location.split("?")[0]
    token = path.rsplit("/", 1)[1]
    status, _, page = resident.send("GET", f"{path}?neu=1&email={EMAIL}")
    assert status == 200 and token in page
    # A request line no server can parse, with the token and the address in it.
    with socket.create_connection(
        ("127.0.0.1", port), timeout=30, source_address=(RESIDENT_ADDRESS, 0)
    ) as raw:
        raw.sendall(f"GET {path}?email={EMAIL} x HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert raw.recv(100).startswith(b"HTTP/1.")
    status, _, _ = resident.send(
        "POST", path + "/zurueckziehen", {"csrf_token": _csrf_token(page), "bestaetigt": "ja"}
    )
    assert status == 200
    return token


def assert_private(log: str, token: str) -> None:
    for secret in (token, EMAIL, EMAIL.replace("@", "%40"), "Erika", "Musterfrau"):
        assert secret not in log, secret
    assert RESIDENT_ADDRESS not in log
    assert "?" not in log.replace("(?)", "")  # no query string at all


def test_gunicorn_logs_hold_no_token_email_name_or_address(store, database_url, tmp_path):
    server = GunicornServer(database_url, tmp_path, workers=1)
    try:
        token = take_part(server.port)
    finally:
        errors = server.stop()
    access = server.access_log.read_text()
    assert_private(access + errors, token)
    # What the operators need is still there: status and the path without its secret.
    assert re.search(r" 302 /ideen/neu ", access)
    assert re.search(r" 200 /q/dalheim/ideen/status/<geheim> ", access)
    assert re.search(r" 200 /q/dalheim/ideen/status/<geheim>/zurueckziehen ", access)
    assert "Invalid request from ip=-" in errors


def test_development_server_logs_hold_no_token_email_name_or_address(store, database_url, tmp_path):
    port = free_port()
    output = tmp_path / "flask-run.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": uuid.uuid4().hex,
        # As `make run` sets it (Makefile).
        "FLASK_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    command = ["flask", "--app", "app", "run", "--host", "127.0.0.1", "--port", str(port)]
    with output.open("w") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", *command], cwd=ROOT, env=env, stdout=sink, stderr=sink
        )
        try:
            token = take_part(port)
        finally:
            server.terminate()
            server.wait(timeout=30)
    log = output.read_text()
    assert_private(log, token)
    assert re.search(r'"GET /q/dalheim/ideen/status/<geheim> HTTP/1.1.*" 200 ', log), log
    assert re.search(r'"POST /q/dalheim/ideen/status/<geheim>/zurueckziehen HTTP/1.1.*" 200 ', log)
    assert re.search(r"^- - - \[", log, re.MULTILINE)  # the address's place, emptied


def test_make_run_starts_the_development_server_the_test_starts():
    recipe = re.search(r"^run:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), re.M)
    assert "flask --app app run --host $(HOST) --port $(PORT)" in recipe.group(1)
    assert "FLASK_PUBLIC_URL=$(PUBLIC_URL)" in recipe.group(1)


def test_every_route_with_a_token_is_redacted(app):
    secret_routes = [rule for rule in app.url_map.iter_rules() if "token" in rule.arguments]
    assert len(secret_routes) >= 4  # status, withdraw, the upload's preview and apply
    with app.test_request_context():
        for rule in secret_routes:
            # The token is the secret; other parts (a photo's id and size, the Quartier's
            # slug) are not.
            values = {
                name: "Geheimnis123"
                if name == "token"
                else "dalheim"
                if name == "quartier"
                else "klein"
                for name in rule.arguments
            }
            path = app.url_map.bind("localhost").build(rule.endpoint, values)
            assert "Geheimnis123" not in redact_path(path), rule.rule
            assert "Geheimnis123" not in redact_path("//" + path.upper()), rule.rule


@pytest.mark.parametrize(
    ("text", "kept", "gone"),
    [
        ("GET /ideen/st%61tus/tok%2Fen HTTP/1.1", "/ideen/status/<geheim>", "tok"),
        ("GET /suche/max%40example.de HTTP/1.1", "/suche/<e-mail>", "max"),
        ("GET http://x/ideen?name=Erika HTTP/1.1", "http://x/ideen HTTP", "Erika"),
        ("GET /a%0A127.0.0.2 - - [x] HTTP/1.1", "/a%0A", "\n"),
        ("Invalid request from ip=2001:db8::7: bad", "ip=-:", "2001"),
        ("::ffff:10.1.2.3 - - [02/Dec/2026 19:04:11]", "19:04:11", "10.1.2.3"),
        (" * Running on http://127.0.0.1:5000", "http://127.0.0.1:5000", "-"),
    ],
)
def test_redacted_text(text, kept, gone):
    redacted = redact_text(text)
    assert kept in redacted and gone not in redacted, redacted


def test_redacted_traceback_and_arguments():
    try:
        raise ValueError("no contact for erika@example.de")
    except ValueError:
        record = logging.LogRecord(
            "app", logging.ERROR, __file__, 1, "Fehler bei %s", ("/ideen/status/abc?x=1",), None
        )
        record.exc_info = sys.exc_info()
    RedactingFilter().filter(record)
    text = logging.Formatter().format(record)
    assert "abc" not in text and "erika@" not in text
    assert "Fehler bei /ideen/status/<geheim>" in text and "ValueError" in text
