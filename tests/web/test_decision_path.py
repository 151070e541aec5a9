"""A measure's decision path in the browser's forms: planners add, change and delete steps
with PDF files; the public page, the APIs and the downloads show them; bad input changes
nothing and is answered in German."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from measures.storage import schema
from tests.factories import create_planner
from tests.web.test_export import _store
from tests.web.test_import import _apply, _gpkg_bytes, _measures_gpkg, _move_on, _preview
from tests.web.test_planning import _csrf, _login

MEASURE = "spielhaus-erweiterung"
PATH = f"/planung/massnahmen/{MEASURE}/entscheidungsweg"


def pdf_bytes(text: str = "Beschluss", size: int = 0) -> bytes:
    """A small PDF (one page with ``text``), padded with a comment to ``size`` bytes."""
    body = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n" + f"% {text}\n".encode()
    )
    padding = max(size - len(body) - 20, 0)
    return body + b"%" + b"x" * padding + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _post_file(client, url: str, form: dict, data: bytes, name: str):
    """POST a form with a large file, encoded here in memory (see tests/web/test_photos.py)."""
    boundary, body = encode_multipart(
        {**form, "file": FileStorage(io.BytesIO(data), filename=name)}
    )
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


@pytest.fixture
def planner_client(client, planner):
    _login(client)
    return client


def _form(client, **fields) -> dict:
    return {
        "csrf_token": _csrf(client, PATH),
        "date": "2025-03-13",
        "body": "stadtteilbeirat",
        "status": "im_beirat_vorgestellt",
        "reference": "Vorlage 2025/0042",
        "minutes_url": "https://www.wetzlar.de/beirat/protokoll-2025-03.pdf",
        "note": "Im Beirat vorgestellt.",
        **fields,
    }


def _files(app) -> list[Path]:
    folder = Path(app.instance_path) / "photos"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_a_planner_adds_the_beirat_step_with_a_pdf_and_everyone_sees_it(app, planner_client):
    client, store = planner_client, _store(app)
    assert store.layers.record("measures", MEASURE).status == "idee"
    form = _form(client, file=(io.BytesIO(pdf_bytes()), "Protokoll Beirat März 2025.PDF"))
    response = client.post(PATH, data=form, content_type="multipart/form-data")
    assert response.status_code == 303

    measure = store.layers.record("measures", MEASURE)
    assert measure.status == "im_beirat_vorgestellt", "the status is the last step's"
    [step] = store.decision_path.steps(MEASURE)
    assert (step.date, step.body, step.reference) == (
        "2025-03-13",
        "stadtteilbeirat",
        "Vorlage 2025/0042",
    )
    [file] = step.files
    assert file.filename == "Protokoll-Beirat-Marz-2025.pdf"

    page = client.get(f"/massnahmen/{MEASURE}").get_data(as_text=True)
    assert "Vorlage 2025/0042" in page and "Stadtteilbeirat" in page
    link = re.search(r'href="([^"]+/dokumente/[^"]+)"', page).group(1)
    client.post("/planung/abmelden", data={"csrf_token": _csrf(client, PATH)})
    download = client.get(link)
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/pdf"
    assert (
        download.headers["Content-Disposition"]
        == 'attachment; filename="Protokoll-Beirat-Marz-2025.pdf"'
    )
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.data == pdf_bytes()
    # The same file under another name is none.
    assert client.get(link.replace("2025.pdf", "anders.pdf")).status_code == 404

    api = client.get(f"/api/measures/{MEASURE}").get_json()["properties"]
    assert api["status"] == "im_beirat_vorgestellt" and api["status_date"] == "2025-03-13"
    assert api["timeline"][-1]["body"] == "stadtteilbeirat"
    assert api["timeline"][-1]["reference"] == "Vorlage 2025/0042"
    ogc = client.get(f"/ogc/collections/measures/items/{MEASURE}?f=json").get_json()
    assert ogc["properties"]["status"] == "im_beirat_vorgestellt"
    listed = client.get("/api/layers/measures?status=im_beirat_vorgestellt").get_json()
    assert [f["id"] for f in listed["features"]] == [MEASURE]


def _unchanged(app, before_status: str, files_before: list[Path]) -> None:
    store = _store(app)
    assert store.layers.record("measures", MEASURE).status == before_status
    assert store.decision_path.steps(MEASURE) == []
    assert _files(app) == files_before


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"date": "2025-02-30"}, 400, "Bitte ein Datum wie 2025-03-14 angeben"),
        ({"date": "13.03.2025"}, 400, "Bitte ein Datum wie 2025-03-14 angeben"),
        ({"date": ""}, 400, "Bitte ein Datum wie 2025-03-14 angeben"),
        ({"body": "gemeinderat"}, 400, "Bitte wählen Sie ein Gremium aus der Liste."),
        ({"status": "fertig"}, 400, "Bitte wählen Sie ein Ergebnis aus der Liste."),
        ({"minutes_url": "javascript:alert(1)"}, 400, "Der Link zum Sitzungsprotokoll muss mit"),
        ({"reference": "x" * 201}, 400, "höchstens 200 Zeichen"),
    ],
)
def test_bad_input_changes_nothing_and_says_why_in_german(
    app, planner_client, fields, status, message
):
    files_before = _files(app)
    form = _form(planner_client, **fields, file=(io.BytesIO(pdf_bytes()), "beschluss.pdf"))
    response = planner_client.post(PATH, data=form, content_type="multipart/form-data")
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert message in html and "Nichts ist gespeichert" in html
    assert "Traceback" not in html and "sqlalchemy" not in html.lower()
    _unchanged(app, "idee", files_before)


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"0" * 200, "foto.pdf"),
        (b"<html><script>alert(1)</script></html>", "seite.pdf"),
        (b"%PDF-1.4 but cut off", "kaputt.pdf"),
    ],
)
def test_a_file_that_is_no_pdf_is_refused(app, planner_client, content, name):
    files_before = _files(app)
    form = _form(planner_client, file=(io.BytesIO(content), name))
    response = planner_client.post(PATH, data=form, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Nur PDF-Dateien können angehängt werden" in response.get_data(as_text=True)
    _unchanged(app, "idee", files_before)


def test_a_pdf_over_20_mb_is_refused(app, planner_client):
    files_before = _files(app)
    big = pdf_bytes(size=20 * 1024 * 1024 + 1)
    response = _post_file(planner_client, PATH, _form(planner_client), big, "gross.pdf")
    assert response.status_code in (400, 413)
    assert "größer als 20 MB" in response.get_data(as_text=True)
    _unchanged(app, "idee", files_before)
    # Far beyond the limit: refused before the body is read, with the same sentence.
    huge = pdf_bytes(size=21 * 1024 * 1024)
    response = _post_file(planner_client, PATH, _form(planner_client), huge, "riesig.pdf")
    assert response.status_code == 413
    assert "größer als 20 MB" in response.get_data(as_text=True)
    _unchanged(app, "idee", files_before)


def test_steps_are_changed_and_deleted_and_the_status_follows(app, planner_client):
    client, store = planner_client, _store(app)
    client.post(PATH, data=_form(client))
    client.post(
        PATH,
        data=_form(
            client,
            date="2025-06",
            body="stadtverordnetenversammlung",
            status="vom_parlament_beschlossen",
        ),
    )
    # Entered out of order: the steps stand by date, and the status is the latest one's.
    client.post(PATH, data=_form(client, date="2025-04-02", status="vom_beirat_empfohlen"))
    steps = store.decision_path.steps(MEASURE)
    assert [s.date for s in steps] == ["2025-03-13", "2025-04-02", "2025-06"]
    assert store.layers.record("measures", MEASURE).status == "vom_parlament_beschlossen"

    last = steps[-1]
    edit = f"{PATH}/{last.id}"
    assert client.get(edit).status_code == 200
    changed = client.post(
        edit,
        data=_form(
            client, date="2025-06-19", body="stadtverordnetenversammlung", status="abgelehnt"
        ),
    )
    assert changed.status_code == 303
    assert store.layers.record("measures", MEASURE).status == "abgelehnt"

    unconfirmed = client.post(f"{edit}/loeschen", data={"csrf_token": _csrf(client, PATH)})
    assert unconfirmed.status_code == 400 and len(store.decision_path.steps(MEASURE)) == 3
    deleted = client.post(
        f"{edit}/loeschen", data={"csrf_token": _csrf(client, PATH), "bestaetigt": "ja"}
    )
    assert deleted.status_code == 303
    assert store.layers.record("measures", MEASURE).status == "vom_beirat_empfohlen"
    # Deleted already (a second click): a message, nothing else.
    again = client.post(
        f"{edit}/loeschen", data={"csrf_token": _csrf(client, PATH), "bestaetigt": "ja"}
    )
    assert again.status_code == 404


def test_files_are_added_to_a_step_and_removed_with_it(app, planner_client):
    client, store = planner_client, _store(app)
    client.post(PATH, data=_form(client))
    [step] = store.decision_path.steps(MEASURE)
    upload = client.post(
        f"{PATH}/{step.id}/dateien",
        data={"csrf_token": _csrf(client, PATH), "file": (io.BytesIO(pdf_bytes("2")), "b.pdf")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 303 and len(_files(app)) == 1
    [file] = store.decision_path.steps(MEASURE)[0].files
    removed = client.post(
        f"{PATH}/{step.id}/dateien/{file.id}/loeschen", data={"csrf_token": _csrf(client, PATH)}
    )
    assert removed.status_code == 303 and _files(app) == []
    client.post(
        f"{PATH}/{step.id}/dateien",
        data={"csrf_token": _csrf(client, PATH), "file": (io.BytesIO(pdf_bytes("3")), "c.pdf")},
        content_type="multipart/form-data",
    )
    assert len(_files(app)) == 1
    client.post(
        f"{PATH}/{step.id}/loeschen", data={"csrf_token": _csrf(client, PATH), "bestaetigt": "ja"}
    )
    assert _files(app) == [] and store.decision_path.steps(MEASURE) == []
    assert store.layers.record("measures", MEASURE).status == "idee"


def test_the_path_needs_the_edit_role(app, client, runner):
    create_planner(runner, "mia")
    store = _store(app)
    roles = schema.planner_roles
    with store.engine.begin() as connection:
        connection.execute(roles.delete())
    runner.invoke(args=["planner", "grant", "mia", "--quartier", "dalheim", "--role", "moderate"])
    _login(client, "mia")
    assert client.get("/planung/").status_code == 200
    # Nothing of it is there for a planner without the role (as everywhere: 404).
    assert client.get(PATH).status_code == 404
    token = _csrf(client, "/planung/")
    assert client.post(PATH, data={**_form_without_token(), "csrf_token": token}).status_code == 404
    assert store.decision_path.steps(MEASURE) == []
    runner.invoke(args=["planner", "grant", "mia", "--quartier", "dalheim", "--role", "edit"])
    assert client.get(PATH).status_code == 200


def _form_without_token() -> dict:
    return {"date": "2025-03-13", "body": "stadtteilbeirat", "status": "im_beirat_vorgestellt"}


def test_a_planners_path_survives_reloading_the_seed(app, planner_client, seed):
    client, store = planner_client, _store(app)
    client.post(PATH, data=_form(client))
    store.layers.load_seed(seed)
    assert store.layers.record("measures", MEASURE).status == "im_beirat_vorgestellt"
    assert len(store.decision_path.steps(MEASURE)) == 1


def test_a_step_no_source_dates_shows_without_a_date(client):
    # The Spielplatz Schwalbengraben is completed; no source names the day.
    page = client.get("/massnahmen/spielplatz-schwalbengraben").get_data(as_text=True)
    assert "ohne Datum" in page and "eröffnet; die Quellen nennen kein Datum" in page
    feed = client.get("/massnahmen/spielplatz-schwalbengraben/feed.atom")
    assert feed.status_code == 200 and feed.get_data(as_text=True).count("<entry>") == 2
    api = client.get("/api/measures/spielplatz-schwalbengraben").get_json()["properties"]
    assert api["status"] == "abgeschlossen" and api["status_date"] is None


def test_an_import_leaves_a_planners_path_alone_and_says_so_in_the_dry_run(
    app, planner_client, tmp_path
):
    client, store = planner_client, _store(app)
    frame = _measures_gpkg(client, tmp_path)
    client.post(PATH, data=_form(client))
    # The exported file names the measure as it was, moved on in QGIS another way.
    _move_on(frame, MEASURE, "abgelehnt")
    frame.loc[frame["id"] == MEASURE, "summary"] = "Aus QGIS"
    frame = frame.drop(columns=["updated_at"])
    url, html, dry_run = _preview(client, _gpkg_bytes(frame, tmp_path), "qgis.gpkg")
    assert dry_run["updated"] == {MEASURE: {"summary"}}, "status and timeline stay"
    assert _apply(client, url, html).status_code == 303
    measure = store.layers.record("measures", MEASURE)
    assert (measure.summary, measure.status) == ("Aus QGIS", "im_beirat_vorgestellt")
    assert [s.status for s in store.decision_path.steps(MEASURE)] == ["im_beirat_vorgestellt"]
