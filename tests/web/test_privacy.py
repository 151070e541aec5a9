"""Privacy by default: contact data is deleted after the retention period, private pages
are kept out of caches, and a name is shown only where its author gave it for that."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from measures.domain.ideas import hash_token
from measures.storage import schema
from tests.factories import PASSWORD, add_idea, create_planner, idea_feature


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
    assert "Ergebnis des Stadtteilbeirats" in html
    assert "zu einer Meldung einer Barriere höchstens 45 Tage nach der Antwort" in html
    assert "E-Mail-Adresse" in html and "IP-Adresse" in html
    assert "PRIVACY_TEXT" in html  # the operator's part, still the placeholder


def test_day_counts_take_the_plural_form_of_their_number(app, client):
    """ngettext, not a fixed "Tage": Russian and Ukrainian need three forms."""
    app.config["CONTACT_RETENTION_DAYS"] = 1
    app.config["MAIL_CONFIRM_DAYS"] = 1
    html = client.get("/datenschutz").get_data(as_text=True)
    assert "1 Tag nach der Entscheidung" in html and "unbestätigt 1 Tag;" in html
    assert "1 Tage" not in html


def _logged_in(app, client) -> None:
    create_planner(app.test_cli_runner())
    html = client.get("/planung/anmelden").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    answer = client.post(
        "/planung/anmelden", data={"username": "lea", "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 302


def test_private_pages_are_not_stored_by_any_cache(app, client):
    store = app.extensions["quartierskarte.store"]
    _idea(store, "wartet")
    created = client.post("/api/ideas", json=idea_feature(email="mia@example.org"))
    status_path = created.get_json()["status_url"].split("localhost", 1)[1]
    public = ["/", "/ideen", "/massnahmen", "/api/layers", "/ogc?f=json", "/export"]
    for path in [*public, "/planung/anmelden", status_path]:
        response = client.get(path)
        assert response.status_code == 200, path
        private = path in ("/planung/anmelden", status_path)
        assert ("no-store" in response.headers.get("Cache-Control", "")) is private, path

    _logged_in(app, client)
    idea_page = client.get("/planung/ideen/wartet")
    assert "wartet@example.org" in idea_page.get_data(as_text=True)
    planner_pages = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.rule.startswith("/planung") and not rule.arguments
    ]
    assert len(planner_pages) >= 4  # queue, log, import, login
    for path in [*planner_pages, "/planung/ideen/wartet", "/export", "/export/ideas-all.csv"]:
        response = client.get(path)
        response.close()  # the download streams from an open file
        assert response.status_code in (200, 302), path
        assert "no-store" in response.headers["Cache-Control"], path


def test_a_name_is_public_only_where_its_author_gave_it_for_that(app, client):
    store = app.extensions["quartierskarte.store"]
    add_idea(store, "mitname", name="Mia Beispiel", email="mia@example.org")
    add_idea(store, "ohnename", email="ohne@example.org")
    with_name = client.get("/ideen/mitname").get_data(as_text=True)
    assert "Eingetragen von" in with_name and "Mia Beispiel" in with_name
    assert "mia@example.org" not in with_name
    without = client.get("/ideen/ohnename").get_data(as_text=True)
    assert "Eingetragen von" not in without and "ohne@example.org" not in without
    # The form says that the name will be shown, the privacy page where.
    form = client.get("/ideen/neu").get_data(as_text=True)
    assert "öffentlich angezeigt" in form
    assert "auf der öffentlichen Seite Ihrer Idee" in client.get("/datenschutz").get_data(
        as_text=True
    )
    # Nowhere else: not in the API, the lists or the open-data export.
    for path in ("/api/layers/ideas", "/api/ideas/mitname", "/ideen", "/export/ideas.geojson"):
        response = client.get(path)
        text = response.get_data(as_text=True)
        response.close()  # the export streams from an open file
        assert response.status_code == 200 and "Mia Beispiel" not in text, path


@pytest.mark.both_databases
def test_status_tokens_and_passwords_are_stored_only_as_hashes(app, client):
    create_planner(app.test_cli_runner())
    created = client.post("/api/ideas", json=idea_feature()).get_json()
    token = created["status_url"].rsplit("/", 1)[1]
    engine = app.extensions["quartierskarte.store"].engine
    with engine.connect() as connection:
        stored = "\n".join(
            str(row)
            for table in schema.metadata.sorted_tables
            for row in connection.execute(table.select())
        )
    assert hash_token(token) in stored and token not in stored
    assert "scrypt:" in stored and PASSWORD not in stored
