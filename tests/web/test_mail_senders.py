"""Sender processes against a real SMTP server: several at once on PostgreSQL, and one
killed (SIGKILL) in the middle of handing a message over."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.mail_sender import send_due
from measures.storage import schema


def _queue(store, count: int) -> list[str]:
    """``count`` confirmed subscriptions of a measure, each with one message waiting."""
    now = datetime.now(UTC)
    addresses = [f"leser{n:04d}@example.org" for n in range(count)]
    measure_id = sa.select(schema.measures.c.id).limit(1)
    with store.engine.begin() as connection:
        measure = connection.execute(measure_id).scalar_one()
        connection.execute(
            schema.mail_addresses.insert(),
            [{"id": n + 1, "email": a} for n, a in enumerate(addresses)],
        )
        connection.execute(
            schema.subscriptions.insert(),
            [
                {
                    "id": n + 1,
                    "address_id": n + 1,
                    "measure_id": measure,
                    "author": False,
                    "language": "de",
                    "nonce": f"{n:032d}",
                    "created_at": now,
                    "confirmed_at": now,
                }
                for n in range(count)
            ],
        )
        payload = {
            "measure_id": measure,
            "title": "Spielplatz",
            "old_status": "idee",
            "status": "in_umsetzung",
            "note": "",
        }
        connection.execute(
            schema.mail_outbox.insert(),
            [
                {
                    "subscription_id": n + 1,
                    "kind": "measure_status",
                    "payload": payload,
                    "created_at": now,
                    "state": "queued",
                    "attempts": 0,
                    "next_attempt_at": now,
                }
                for n in range(count)
            ],
        )
    return addresses


def _sender(database_url: str, mail_server, **settings) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test",
        **{f"FLASK_{k}": str(v) for k, v in {**mail_server.settings(), **settings}.items()},
    }
    env["FLASK_MAIL_SENDER"] = '"karte@dalheim.example"'
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "mail", "send", "--once"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
@pytest.mark.both_databases
def test_two_senders_on_postgresql_deliver_500_messages_once_each(store, database_url, mail_server):
    addresses = _queue(store, 500)
    # Each message takes the server 10 ms, so that both senders are busy at once.
    mail_server.inbox.delay = 0.01
    senders = [_sender(database_url, mail_server, MAIL_BATCH=10) for _ in range(2)]
    outputs = [sender.communicate(timeout=300) for sender in senders]
    for sender, (_out, err) in zip(senders, outputs, strict=True):
        assert sender.returncode == 0, err
    received = Counter(m["To"] for m in mail_server.inbox.messages)
    assert set(received) == set(addresses)
    assert max(received.values()) == 1, "no message twice"
    sent = [int(out.split()[0]) for out, _ in outputs]
    assert sum(sent) == 500 and all(sent), sent
    assert store.mail.counts()["outbox"] == 0


@pytest.mark.parametrize("stage", ["rcpt", "data"])
def test_a_sender_killed_mid_send_redelivers_nothing_twice(
    make_app, store, database_url, mail_server, stage
):
    addresses = _queue(store, 5)
    mail_server.inbox.hold_at = stage
    sender = _sender(database_url, mail_server, MAIL_LEASE_S=1, MAIL_BATCH=5)
    assert mail_server.inbox.held.wait(60), "the sender reached the server"
    sender.send_signal(signal.SIGKILL)
    sender.communicate(timeout=30)
    assert sender.returncode == -signal.SIGKILL
    mail_server.inbox.release.set()

    app = make_app(**mail_server.settings(), MAIL_LEASE_S=1)
    time.sleep(1.2)  # the killed sender's lease runs out
    send_due(app)
    received = Counter(m["To"] for m in mail_server.inbox.messages)
    assert max(received.values()) == 1, "no message twice"
    mail = app.extensions["quartierskarte.store"].mail
    if stage == "rcpt":
        # Killed before the text went over: the server has no copy; sent again, once.
        assert set(received) == set(addresses)
        assert mail.in_doubt() == []
    else:
        # Killed while the server took the text (it has it): not sent again, and noted.
        assert set(received) == set(addresses)
        assert len(mail.in_doubt()) == 1
    assert mail.pending() == 0
