"""Comments, photos, barrier reports, e-mail subscriptions and the search belong to one
Quartier: its planners see and moderate only its own (another Quartier's is 404 and stays
as it was), its search finds only its own streets, places and measures, and an e-mail
links under the Quartier of what it tells of.

The second Quartier is invented for the tests (``tests/factories.py``).
"""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.mail_sender import send_due
from measures.domain.comments import Comment
from measures.domain.photos import Photo
from measures.storage import schema
from tests.factories import (
    EXAMPLE_LAT,
    EXAMPLE_LON,
    EXAMPLE_SLUG,
    PASSWORD,
    add_example_quartier,
    add_idea,
    create_planner,
    example_quartier,
)

THEIRS = f"/q/{EXAMPLE_SLUG}"
OURS = "/q/dalheim"
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _csrf(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _comment(store, comment_id: str, **target) -> None:
    ((kind, target_id),) = target.items()
    store.comments.add(
        Comment(comment_id, kind, target_id, NOW, f"Kommentar {comment_id}", state="pending")
    )


def _photo(store, photo_id: str, idea_id: str) -> None:
    photo = Photo(photo_id, f"Foto {photo_id}", "", NOW, "resident", 400, 300, idea_id=idea_id)
    store.photos.add(photo, by_planner=False)


@pytest.fixture
def two(app, store, seed, runner):
    """Dalheim and the invented Quartier, each with a pending idea, a comment on a
    measure and a photo waiting for release; lea is admin of Dalheim only."""
    add_example_quartier(store, seed)
    add_idea(store, "hier", state="pending")
    add_idea(
        store, "dort", state="pending", quartier=EXAMPLE_SLUG, lon=EXAMPLE_LON, lat=EXAMPLE_LAT
    )
    _comment(store, "kom-hier", measures=seed.measures[0].id)
    _comment(store, "kom-dort", measures="beispiel-platz")
    # A resident's photo waits for release on a public idea.
    add_idea(store, "bild-hier")
    add_idea(store, "bild-dort", quartier=EXAMPLE_SLUG, lon=EXAMPLE_LON, lat=EXAMPLE_LAT)
    _photo(store, "foto-hier", "bild-hier")
    _photo(store, "foto-dort", "bild-dort")
    create_planner(runner)
    result = runner.invoke(
        args=["planner", "grant", "lea", "--quartier", "dalheim", "--role", "admin"]
    )
    assert result.exit_code == 0, result.output
    return store


def _login(client) -> str:
    path = f"{OURS}/planung/anmelden"
    client.post(
        path, data={"username": "lea", "password": PASSWORD, "csrf_token": _csrf(client, path)}
    )
    return _csrf(client, f"{OURS}/planung/")


def _snapshot(store) -> dict:
    with store.engine.connect() as connection:
        return {
            name: sorted(map(tuple, connection.execute(sa.select(schema.metadata.tables[name]))))
            for name in ("comments", "comment_events", "photos", "barrier_reports")
        }


def _report(client, prefix: str, text: str) -> str:
    path = f"{prefix}/barrierefreiheit/melden"
    sent = client.post(path, data={"csrf_token": _csrf(client, path), "description": text})
    assert sent.status_code == 302, sent.get_data(as_text=True)
    with_quartier = sent.headers["Location"]
    assert with_quartier.startswith(f"{prefix or THEIRS}/barrierefreiheit/meldung/")
    return with_quartier


def _report_ids(store) -> dict[str, str]:
    with store.engine.connect() as connection:
        found = connection.execute(sa.text("SELECT description, id, quartier FROM barrier_reports"))
        return {r.description: (r.id, r.quartier) for r in found}


@pytest.mark.both_databases
def test_a_planner_sees_and_moderates_only_the_comments_photos_and_reports_of_the_quartier(
    app, client, two
):
    resident = app.test_client()
    _report(resident, THEIRS, "Barriere dort")
    _report(resident, OURS, "Barriere hier")
    _report(resident, "", "Barriere ohne Quartier in der Adresse")
    reports = _report_ids(two)
    assert reports["Barriere dort"][1] == EXAMPLE_SLUG
    assert reports["Barriere hier"][1] == "dalheim"
    # The old URL is the default Quartier's: the first by slug, here the invented one.
    assert reports["Barriere ohne Quartier in der Adresse"][1] == EXAMPLE_SLUG
    theirs_report = reports["Barriere dort"][0]

    token = _login(client)
    comments = client.get(f"{OURS}/planung/kommentare").get_data(as_text=True)
    assert 'data-comment="kom-hier"' in comments and "kom-dort" not in comments
    queue = client.get(f"{OURS}/planung/").get_data(as_text=True)
    assert "/fotos/foto-hier/" in queue and "foto-dort" not in queue
    barriers = client.get(f"{OURS}/planung/barrieren").get_data(as_text=True)
    assert "Barriere hier" in barriers and theirs_report not in barriers
    assert "Barriere ohne Quartier" not in barriers
    # The old URL of the queue is the default Quartier's (the invented one): no role there.
    assert client.get("/planung/kommentare").status_code == 404

    before = _snapshot(two)
    form = {"csrf_token": token, "reason": "Nein.", "text": "Antwort", "answer": "Erledigt."}
    for path in (
        f"{OURS}/planung/kommentare/kom-dort/freigeben",
        f"{OURS}/planung/kommentare/kom-dort/ablehnen",
        f"{OURS}/planung/kommentare/kom-dort/antworten",
        f"{OURS}/planung/fotos/foto-dort/freigeben",
        f"{OURS}/planung/fotos/foto-dort/entfernen",
        f"{OURS}/planung/barrieren/{theirs_report}/antworten",
        f"{OURS}/planung/ideen/dort/fotos",
        f"{OURS}/planung/massnahmen/beispiel-platz/fotos",
        f"{OURS}/kommentare/kom-dort/melden",
    ):
        assert client.post(path, data=form).status_code == 404, path
    for path in (
        f"{OURS}/planung/barrieren/{theirs_report}",
        f"{OURS}/planung/massnahmen/beispiel-platz/fotos",
        f"{OURS}/fotos/foto-dort/klein.webp",
        # The other Quartier's own queues: lea has no role there.
        f"{THEIRS}/planung/kommentare",
        f"{THEIRS}/planung/barrieren",
        f"{THEIRS}/planung/barrieren/{theirs_report}",
    ):
        assert client.get(path).status_code == 404, path
    assert _snapshot(two) == before

    # In Dalheim the same steps work.
    done = client.post(f"{OURS}/planung/kommentare/kom-hier/freigeben", data=form)
    assert done.status_code == 302 and done.headers["Location"] == f"{OURS}/planung/kommentare"
    weiter = {**form, "weiter": f"{OURS}/planung/"}
    assert client.post(f"{OURS}/planung/fotos/foto-hier/freigeben", data=weiter).status_code == 303
    assert two.comments.get("kom-hier").state == "approved"
    assert two.photos.get("foto-hier").state == "released"
    assert two.comments.get("kom-dort").state == "pending"
    assert two.photos.get("foto-dort").state == "pending"


@pytest.mark.both_databases
def test_a_planner_of_the_other_quartier_moderates_its_own(app, client, two, runner):
    result = runner.invoke(
        args=["planner", "grant", "lea", "--quartier", EXAMPLE_SLUG, "--role", "moderate"]
    )
    assert result.exit_code == 0
    token = _login(client)
    comments = client.get(f"{THEIRS}/planung/kommentare").get_data(as_text=True)
    assert 'data-comment="kom-dort"' in comments and "kom-hier" not in comments
    rejected = client.post(
        f"{THEIRS}/planung/kommentare/kom-dort/ablehnen",
        data={"csrf_token": token, "reason": "Beleidigend."},
    )
    assert rejected.status_code == 302
    assert two.comments.get("kom-dort").state == "rejected"
    # A step on Dalheim's comment from the other Quartier's queue is none.
    wrong = client.post(
        f"{THEIRS}/planung/kommentare/kom-hier/ablehnen",
        data={"csrf_token": token, "reason": "Falsch."},
    )
    assert wrong.status_code == 404 and two.comments.get("kom-hier").state == "pending"


@pytest.mark.both_databases
def test_residents_comment_and_subscribe_only_on_the_quartiers_own_records(app, client, two):
    before = _snapshot(two)
    other = f"{OURS}/massnahmen/beispiel-platz"
    page = f"{THEIRS}/massnahmen/beispiel-platz"
    token = _csrf(client, page)
    for path, data in (
        (f"{other}/kommentare", {"text": "Hallo"}),
        (f"{other}/benachrichtigen", {"email": "x@example.org"}),
        (f"{OURS}/ideen/dort/kommentare", {"text": "Hallo"}),
    ):
        assert client.post(path, data={"csrf_token": token, **data}).status_code == 404, path
    assert _snapshot(two) == before
    # Under its own Quartier the comment is taken.
    sent = client.post(f"{page}/kommentare", data={"csrf_token": token, "text": "Schön hier."})
    assert sent.status_code == 302 and sent.headers["Location"].startswith(page)


@pytest.mark.both_databases
def test_an_email_links_under_the_quartier_of_what_it_tells_of(make_app, two, mail_server):
    app = make_app(**mail_server.settings())
    client = app.test_client()
    page = f"{THEIRS}/massnahmen/beispiel-platz"
    answer = client.post(
        f"{page}/benachrichtigen",
        data={"csrf_token": _csrf(client, page), "email": "folgt@example.org"},
    )
    assert answer.status_code == 200
    assert send_due(app).sent == 1
    [message] = mail_server.inbox.to("folgt@example.org")
    text = message.get_body(("plain",)).get_content()
    assert f"http://localhost{THEIRS}/benachrichtigungen/bestaetigen/" in text
    assert f"<http://localhost{THEIRS}/benachrichtigungen/abmelden/" in message["List-Unsubscribe"]


def _search(client, prefix: str, q: str):
    return client.get(f"{prefix}/api/search", query_string={"q": q})


def _names(response) -> list[str]:
    assert response.status_code == 200
    return [hit["name"] for hit in response.get_json()["results"]]


@pytest.mark.both_databases
def test_the_search_finds_only_the_quartiers_own_streets_places_and_measures(client, two):
    assert _names(_search(client, OURS, "Beispiel")) == []
    found = _names(_search(client, THEIRS, "Beispiel"))
    assert sorted(found) == ["Platz im Beispielquartier", "Treff im Beispielquartier"]
    # Dalheim's streets are Dalheim's; the invented Quartier has no street file.
    assert "Berliner Ring" in _names(_search(client, OURS, "Berliner Ring"))
    assert _names(_search(client, THEIRS, "Berliner Ring")) == []
    # The old URL is the default Quartier's, the first by slug: here the invented one.
    assert sorted(_names(_search(client, "", "Beispiel"))) == sorted(found)


def test_bad_search_input_keeps_the_json_shape(client, two):
    empty = _search(client, THEIRS, "")
    assert empty.status_code == 400
    error = empty.get_json()["error"]
    assert error["parameter"] == "q" and "1 bis 100 Zeichen" in error["message"]
    unknown = _search(client, "/q/nirgends", "Platz")
    assert unknown.status_code == 404 and "nirgends" in unknown.get_json()["error"]["message"]
    for response in (empty, unknown):
        body = response.get_data(as_text=True)
        assert "Traceback" not in body and "SELECT" not in body


def test_the_openapi_document_lists_the_paths_under_each_quartier(client, two):
    document = client.get(f"{THEIRS}/api/openapi.json").get_json()
    first, old = document["servers"]
    assert first["url"] == "/q/{quartier}"
    variable = first["variables"]["quartier"]
    assert sorted(variable["enum"]) == sorted(["dalheim", EXAMPLE_SLUG])
    # The addresses without /q/… serve the default Quartier (the first by slug) and are
    # kept for old links only.
    assert variable["default"] == EXAMPLE_SLUG
    assert old["url"] == "/" and "Veraltet" in old["description"]
    # Each path answers under both servers as described.
    for path in ("/api/layers", "/api/layers/measures", "/api/search?q=Platz"):
        for prefix in (OURS, THEIRS, ""):
            assert client.get(prefix + path).status_code == 200, prefix + path
    assert set(document["paths"]) >= {"/api/layers", "/api/search", "/api/ideas"}
    assert not any(p.startswith("/q/") for p in document["paths"])


def _csv_ids(response) -> set[str]:
    text = response.get_data(as_text=True)
    response.close()  # a download streams from a file
    assert response.status_code == 200, text[:300]
    return {line.split(",")[0] for line in text.lstrip("\ufeff").splitlines()[1:]}


@pytest.mark.both_databases
def test_a_city_wide_planners_export_takes_the_chosen_quartier_never_silently_the_first(
    client, runner, two
):
    token = _login(client)
    # Two Quartiere and none chosen: a German 400, not the first one's ideas.
    unchosen = client.get("/export/ideas-all.csv")
    assert unchosen.status_code == 400 and "Bitte wählen Sie" in unchosen.get_data(as_text=True)
    ours = _csv_ids(client.get("/export/ideas-all.csv?quartier=dalheim"))
    assert {"hier", "bild-hier"} <= ours and not ours & {"dort", "bild-dort"}
    # lea has no role in the other Quartier: neither it nor "alle" is there for her.
    assert client.get(f"/export/ideas-all.csv?quartier={EXAMPLE_SLUG}").status_code == 404
    assert client.get("/export/ideas-all.csv?quartier=alle").status_code == 404
    wrong = client.get("/export/ideas-all.csv?quartier=nirgends")
    assert wrong.status_code == 400 and "nirgends" in wrong.get_data(as_text=True)
    form = {"csrf_token": token, "format": "csv", "quartier": "dalheim"}
    assert _csv_ids(client.post("/export/ideas-all", data=form)) == ours

    result = runner.invoke(
        args=["planner", "grant", "lea", "--quartier", EXAMPLE_SLUG, "--role", "moderate"]
    )
    assert result.exit_code == 0
    theirs = _csv_ids(client.get(f"/export/ideas-all.csv?quartier={EXAMPLE_SLUG}"))
    assert theirs == {"dort", "bild-dort"}
    assert _csv_ids(client.get("/export/ideas-all.csv?quartier=alle")) == ours | theirs
    # Contact data only for one Quartier at a time, and only for its admin.
    both = {**form, "quartier": "alle", "contact": "1"}
    assert client.post("/export/ideas-all", data=both).status_code == 400
    assert two.contact_exports.latest() == []


def test_site_name_footer_and_about_page_come_from_the_quartiers_record(app, store, seed, client):
    record, profile = example_quartier()
    store.quartiere.add(
        record,
        dataclasses.replace(
            profile,
            short_name="Beispielstadt",
            about_text="Erster Absatz über das Beispiel.\n\nZweiter Absatz.",
            contact="Beispielbüro, Musterweg 1",
        ),
    )
    page = client.get(f"{THEIRS}/").get_data(as_text=True)
    assert "Quartierskarte Beispielstadt" in page
    assert "Quartiersmanagement: Beispielstadt" in page and "Beispielbüro, Musterweg 1" in page
    assert "Dalheim" not in page.split('<footer class="site-footer">')[1]
    about = client.get(f"{THEIRS}/ueber").get_data(as_text=True)
    assert "<p>Erster Absatz über das Beispiel.</p><p>Zweiter Absatz.</p>" in about
    # Nothing of Dalheim's text in it (the site's footer links every Quartier's
    # Stadtteilbeirat pages, so the word itself is there).
    about_text = about.split('<main id="inhalt"')[1].split("</main>")[0]
    assert "Stadtteilbeirat" not in about_text and "Berliner Ring 39" not in about
    # Dalheim keeps its pages as they were.
    ours = client.get(f"{OURS}/ueber").get_data(as_text=True)
    assert "<title>Über das Projekt – Quartierskarte Dalheim</title>" in ours
    assert "Stadtteilbeirat" in ours
    footer = ours.split('<footer class="site-footer">')[1]
    assert (
        "Quartiersmanagement: Dalheim · " in footer and "Berliner Ring 39, 35576 Wetzlar" in footer
    )


def test_a_quartier_without_texts_of_its_own_shows_its_name_not_dalheims(client, two):
    about = client.get(f"{THEIRS}/ueber").get_data(as_text=True)
    assert "Beispielquartier (erfunden, nur für Tests)" in about and "Beispielprogramm" in about
    assert "Dalheim" not in about.split("<main", 1)[1].split("<footer")[0]


def test_the_map_of_another_quartier_names_it_when_a_pin_lies_outside(client, two):
    page = client.get(f"{THEIRS}/").get_data(as_text=True)
    config = page.split('id="map-config"', 1)[1].split("</script>", 1)[0]
    assert "außerhalb des Quartiers Beispielquartier" in config
    assert "Dalheim" not in config
