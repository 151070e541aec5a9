"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives.

It can be stopped and started again on the same port (a mail server that is down), and
made to hold a message at RCPT or DATA until the test lets it go (a sender killed in the
middle of handing one over).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """The handler: every message the server accepted, parsed."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        # The same messages as the server got them.
        self.raw: list[bytes] = []
        self.lock = threading.Lock()
        # Set to "rcpt" or "data": the next message waits there until ``release`` is set.
        self.hold_at: str | None = None
        self.held = threading.Event()
        self.release = threading.Event()
        # Addresses the server refuses for good (550).
        self.refuse: set[str] = set()
        # Seconds each message takes to accept (other connections go on meanwhile).
        self.delay = 0.0

    def _hold(self, stage: str) -> None:
        if self.hold_at == stage:
            self.hold_at = None
            self.held.set()
            self.release.wait(30)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self._hold("rcpt")
        if address in self.refuse:
            return "550 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            # Received: the server has the message, whatever happens to its sender now.
            self.messages.append(parsed)
            self.raw.append(envelope.original_content or envelope.content)
        self._hold("data")
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


class MailServer:
    def __init__(self):
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def settings(self) -> dict:
        return {
            "MAIL_HOST": "127.0.0.1",
            "MAIL_PORT": self.port,
            "MAIL_TLS": "none",
            "MAIL_SENDER": "Quartierskarte Dalheim <karte@dalheim.example>",
            "MAIL_RETRY_BASE_S": 0.05,
            "MAIL_RETRY_MAX_S": 0.2,
            "MAIL_TIMEOUT_S": 10,
        }
