"""The sender over TLS: STARTTLS and SMTPS against a real aiosmtpd server on loopback with
a self-signed certificate made here (``cryptography``).

With ``MAIL_TLS_CA_FILE`` naming that certificate the message goes over TLS, after a login
the server only takes over TLS; without it the certificate is untrusted and nothing is
sent (the message stays queued for a retry). The server refuses plain text, so a sender
that skipped TLS could not deliver either.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.mail_sender import send_due
from tests.mail_server import Inbox, free_port

# aiosmtpd warns when AUTH is allowed without STARTTLS, not knowing that SMTPS is TLS.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

USER, PASSWORD = "karte", "ein-smtp-passwort"
ADDRESS = "folgt@example.org"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Testserver")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "server.pem", folder / "server.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_file), str(key_file)


class TlsInbox(Inbox):
    """The loopback server's handler, noting for each message whether it came over TLS
    and after which login."""

    def __init__(self):
        super().__init__()
        self.over_tls: list[bool] = []
        self.logins: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        self.over_tls.append(server.transport.get_extra_info("ssl_object") is not None)
        self.logins.append(session.auth_data.login.decode() if session.authenticated else "")
        return await super().handle_DATA(server, session, envelope)


def _authenticate(_server, _session, _envelope, _mechanism, data) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, auth_data=data if ok else None)


@pytest.fixture(params=["starttls", "ssl"])
def tls_server(request, certificate):
    """A server that takes mail only over TLS and after a login: STARTTLS on a plain port,
    or TLS from the first byte (SMTPS)."""
    cert_file, key_file = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    inbox, port = TlsInbox(), free_port()
    common = {
        "auth_required": True,
        "auth_require_tls": True,
        "authenticator": _authenticate,
    }
    if request.param == "starttls":
        controller = Controller(
            inbox,
            hostname="127.0.0.1",
            port=port,
            tls_context=context,
            require_starttls=True,
            **common,
        )
    else:
        # aiosmtpd 1.4 counts only STARTTLS as TLS for AUTH; here every byte is TLS.
        common["auth_require_tls"] = False
        controller = Controller(
            inbox, hostname="127.0.0.1", port=port, ssl_context=context, **common
        )
    controller.start()
    yield request.param, port, inbox
    inbox.release.set()
    controller.stop()


def _app(make_app, store, mode: str, port: int, **settings):
    app = make_app(
        MAIL_HOST="127.0.0.1",
        MAIL_PORT=port,
        MAIL_TLS=mode,
        MAIL_USERNAME=USER,
        MAIL_PASSWORD=PASSWORD,
        MAIL_SENDER="Quartierskarte <karte@dalheim.example>",
        MAIL_TIMEOUT_S=10,
        **settings,
    )
    measure = store.layers.records("measures")[0]
    store.mail.subscribe(ADDRESS, "de", title=measure.title, measure_id=measure.id)
    return app


def test_the_sender_delivers_over_tls_to_a_server_it_is_told_to_trust(
    make_app, store, tls_server, certificate
):
    mode, port, inbox = tls_server
    app = _app(make_app, store, mode, port, MAIL_TLS_CA_FILE=certificate[0])
    report = send_due(app)
    assert (report.sent, report.retried) == (1, 0)
    [message] = inbox.to(ADDRESS)
    assert "bestätigen" in message["Subject"]
    assert inbox.over_tls == [True] and inbox.logins == [USER]


def test_an_untrusted_certificate_is_refused_and_nothing_is_sent(make_app, store, tls_server):
    mode, port, inbox = tls_server
    # The system's CAs do not know the self-signed certificate.
    app = _app(make_app, store, mode, port)
    report = send_due(app)
    assert (report.sent, report.retried) == (0, 1)
    assert inbox.messages == [] and inbox.logins == []
    # Still queued for the next try.
    assert store.mail.pending() == 1


@pytest.mark.parametrize("tls_server", ["starttls"], indirect=True)
def test_a_sender_without_tls_cannot_hand_over_to_such_a_server(make_app, store, tls_server):
    _mode, port, inbox = tls_server
    app = _app(make_app, store, "none", port)
    report = send_due(app)
    assert report.sent == 0 and inbox.messages == []
