"""Privacy by default: contact data is deleted after the retention period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from measures.storage import schema
from tests.factories import add_idea


def _idea(store, idea_id: str) -> None:
    add_idea(
        store,
        idea_id,
        state="pending",
        title="Bank",
        description="Text",
        category="wohnen",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        name="Name",
        email=f"{idea_id}@example.org",
    )


def _set_decided(store, idea_id: str, days_ago: int) -> None:
    with store.engine.begin() as connection:
        connection.execute(
            schema.ideas.update()
            .where(schema.ideas.c.id == idea_id)
            .values(decided_at=datetime.now(UTC) - timedelta(days=days_ago))
        )


@pytest.mark.both_databases
def test_purge_deletes_contacts_of_ideas_decided_long_ago_only(app, runner):
    store = app.extensions["quartierskarte.store"]
    for idea_id in ("alt", "frisch", "offen"):
        _idea(store, idea_id)
    store.ideas.approve("alt", "lea")
    store.ideas.reject("frisch", "lea", "Privatgrund")
    _set_decided(store, "alt", 91)
    _set_decided(store, "frisch", 5)

    result = runner.invoke(args=["privacy", "purge-contacts"])
    assert result.exit_code == 0, result.output
    assert "Kontaktdaten von 1 Ideen gelöscht" in result.output
    assert store.ideas.contact("alt") is None
    assert store.ideas.contact("frisch").email == "frisch@example.org"
    assert store.ideas.contact("offen").email == "offen@example.org"
    assert store.layers.record("ideas", "alt") is not None, "the idea itself stays"

    app.config["CONTACT_RETENTION_DAYS"] = 3
    runner.invoke(args=["privacy", "purge-contacts"])
    assert store.ideas.contact("frisch") is None
    assert store.ideas.contact("offen") is not None, "undecided ideas keep their contact"
    with store.engine.connect() as connection:
        assert (
            connection.execute(
                sa.select(sa.func.count()).select_from(schema.idea_contacts)
            ).scalar()
            == 1
        )


def test_the_privacy_page_states_what_is_kept_and_how_long(app, client):
    app.config["CONTACT_RETENTION_DAYS"] = 45
    html = client.get("/datenschutz").get_data(as_text=True)
    assert "45 Tage nach der Entscheidung" in html
    assert "E-Mail-Adresse" in html and "IP-Adresse" in html
    assert "PRIVACY_TEXT" in html  # the operator's part, still the placeholder
