"""Photos end to end through the web layer, once with the photos in a folder and once in a
bucket of a real S3-compatible server (``photo_settings``); the moderation and removal
tests also on both databases."""

from __future__ import annotations

import io
import re

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.photo_files import photo_files
from measures.storage.photo_files import PhotoStorageError
from tests import photo_images as images
from tests.factories import PASSWORD, idea_feature

ALT = "Kaputte Bank am Spielplatz"


@pytest.fixture
def app(store, make_app, photo_settings):
    return make_app(**photo_settings)


def _store(app):
    return app.extensions["quartierskarte.store"]


def _stored_keys(app) -> list[str]:
    with app.app_context():
        return sorted(key for key, _ in photo_files().keys())


def _csrf(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _submit(client) -> tuple[str, str]:
    body = client.post("/api/ideas", json=idea_feature(email="eltern@example.org")).get_json()
    return body["id"], body["status_url"].split("localhost", 1)[1]


def _post_photo(client, url: str, form: dict, data: bytes, name: str, **options):
    """POST a form with a file. The body is encoded here, in memory: the test client
    spools a large one to a temporary file it never closes (a ResourceWarning)."""
    boundary, body = encode_multipart(
        {**form, "photo": FileStorage(io.BytesIO(data), filename=name)}
    )
    return client.post(
        url, data=body, content_type=f"multipart/form-data; boundary={boundary}", **options
    )


def _upload(client, path: str, data: bytes, alt: str = ALT, name: str = "IMG_0001.jpg"):
    form = {"csrf_token": _csrf(client, path), "alt_text": alt}
    return _post_photo(client, path + "/fotos", form, data, name)


def _login(client):
    client.post(
        "/planung/anmelden",
        data={
            "username": "lea",
            "password": PASSWORD,
            "csrf_token": _csrf(client, "/planung/anmelden"),
        },
    )


def _image_urls(html: str) -> list[str]:
    return re.findall(r'<img src="(/[^"]*fotos/[^"]+)" alt="([^"]*)"', html)


@pytest.mark.both_databases
def test_a_photo_on_a_waiting_idea_appears_with_the_idea_without_any_metadata(app, client):
    idea_id, status_path = _submit(client)
    response = _upload(client, status_path, images.jpeg_with_gps())
    assert response.status_code == 303
    [photo] = _store(app).photos.of_idea(idea_id)
    assert photo.state == "released"  # moderated with its idea
    assert len(_stored_keys(app)) == 2
    assert not any("IMG_0001" in key for key in _stored_keys(app))

    status_html = client.get(status_path).get_data(as_text=True)
    assert "erscheint mit Ihrer Idee" in status_html
    [(own_url, alt)] = _image_urls(status_html)
    assert alt == ALT
    own = client.get(own_url)
    assert own.status_code == 200 and own.headers["Cache-Control"] == "private, no-store"
    # Nobody else sees it while the idea waits.
    public_url = f"/fotos/{photo.id}/gross.webp"
    assert client.get(public_url).status_code == 404
    assert client.get(f"/ideen/{idea_id}").status_code == 404

    _store(app).ideas.approve(idea_id, "lea")
    [(small_url, alt)] = _image_urls(client.get(f"/ideen/{idea_id}").get_data(as_text=True))
    assert alt == ALT and small_url == f"/q/dalheim/fotos/{photo.id}/klein.webp"
    served = client.get(public_url)
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "image/webp"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Cache-Control"] == "public, max-age=3600"
    assert images.metadata_of(served.data) == {"info": [], "exif": {}, "gps": {}}
    assert b"Telefon" not in served.data


@pytest.mark.both_databases
def test_a_new_photo_on_an_approved_idea_waits_for_a_planner(app, client, planner):
    idea_id, status_path = _submit(client)
    _store(app).ideas.approve(idea_id, "lea")
    response = _upload(client, status_path, images.encoded((800, 600), "PNG"))
    assert response.status_code == 303
    flashed = client.get(status_path).get_data(as_text=True)
    assert "sobald das Quartiersmanagement es freigibt" in flashed
    [photo] = _store(app).photos.of_idea(idea_id)
    assert photo.state == "pending"
    assert _image_urls(client.get(f"/ideen/{idea_id}").get_data(as_text=True)) == []
    assert client.get(f"/fotos/{photo.id}/klein.webp").status_code == 404

    _login(client)
    queue = client.get("/planung/").get_data(as_text=True)
    assert "Fotos warten auf Freigabe (1)" in queue
    seen = client.get(f"/fotos/{photo.id}/klein.webp")
    assert seen.status_code == 200 and seen.headers["Cache-Control"] == "private, no-store"
    response = client.post(
        f"/planung/fotos/{photo.id}/freigeben",
        data={"csrf_token": _csrf(client, "/planung/"), "weiter": "/planung/"},
    )
    assert response.status_code == 303
    assert "Fotos warten auf Freigabe (0)" in client.get("/planung/").get_data(as_text=True)
    client.post("/planung/abmelden", data={"csrf_token": _csrf(client, "/planung/")})
    assert _image_urls(client.get(f"/ideen/{idea_id}").get_data(as_text=True))
    assert client.get(f"/fotos/{photo.id}/klein.webp").status_code == 200


REFUSED = [
    (b"Das ist ein Text.\n", ALT, "Diese Datei ist kein Foto"),
    (images.truncated_jpeg(), ALT, "Diese Datei ist kein Foto"),
    (images.decompression_bomb(), ALT, "Das Foto hat zu viele Bildpunkte"),
    (images.oversized_jpeg(), ALT, "Das Foto ist größer als 10 MB"),
    (images.jpeg_with_gps(), "  ", "Bitte beschreiben Sie kurz"),
]


@pytest.mark.both_databases
@pytest.mark.parametrize(
    ("data", "alt", "message"),
    REFUSED,
    ids=["text-named-jpg", "truncated-jpeg", "bomb", "over-10-mb", "no-alt-text"],
)
def test_refused_uploads_say_why_in_german_and_store_nothing(app, client, data, alt, message):
    idea_id, status_path = _submit(client)
    response = _upload(client, status_path, data, alt=alt)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert 'aria-invalid="true"' in html
    assert _store(app).photos.count() == 0
    assert _stored_keys(app) == []


def test_a_body_far_over_the_limit_gets_413_and_stores_nothing(app, client):
    _, status_path = _submit(client)
    response = _upload(client, status_path, images.jpeg_with_gps() + b"\0" * (11 * 2**20))
    assert response.status_code == 413
    assert "Die gesendeten Daten sind zu groß." in response.get_data(as_text=True)
    assert _store(app).photos.count() == 0 and _stored_keys(app) == []


def test_other_pages_keep_the_small_body_limit(app, client):
    response = client.post("/ideen/neu", data={"description": "x" * (2 * 2**20)})
    assert response.status_code == 413


@pytest.mark.both_databases
def test_withdrawal_and_deletion_remove_the_files(app, client, planner):
    idea_id, status_path = _submit(client)
    _upload(client, status_path, images.jpeg_with_gps())
    assert len(_stored_keys(app)) == 2
    client.post(
        status_path + "/zurueckziehen",
        data={"csrf_token": _csrf(client, status_path), "bestaetigt": "ja"},
    )
    assert _stored_keys(app) == [] and _store(app).photos.count() == 0

    other_id, other_path = _submit(client)
    _upload(client, other_path, images.jpeg_with_gps())
    _login(client)
    client.post(
        f"/planung/ideen/{other_id}/loeschen",
        data={"csrf_token": _csrf(client, f"/planung/ideen/{other_id}"), "bestaetigt": "ja"},
    )
    assert _stored_keys(app) == [] and _store(app).photos.count() == 0


def test_a_failed_file_removal_leaves_an_orphan_that_purge_removes(
    app, client, runner, monkeypatch
):
    _, status_path = _submit(client)
    _upload(client, status_path, images.jpeg_with_gps())
    with app.app_context():
        storage = photo_files()

    def fail(key):
        raise PhotoStorageError("down")

    with monkeypatch.context() as patched:
        patched.setattr(storage, "delete", fail)
        response = client.post(
            status_path + "/zurueckziehen",
            data={"csrf_token": _csrf(client, status_path), "bestaetigt": "ja"},
        )
    assert response.status_code == 200  # the idea is gone all the same
    assert _store(app).photos.count() == 0
    orphans = _stored_keys(app)
    assert len(orphans) == 2

    # Young files may belong to an upload in progress: they stay.
    assert (
        "0 Fotodateien ohne Eintrag gelöscht"
        in runner.invoke(args=["photos", "purge-orphans"]).output
    )
    monkeypatch.setattr("app.photos.ORPHAN_MIN_AGE", __import__("datetime").timedelta(0))
    listed = runner.invoke(args=["photos", "purge-orphans", "--dry-run"]).output
    assert all(key in listed for key in orphans) and "2 Fotodateien ohne Eintrag gefunden" in listed
    assert len(_stored_keys(app)) == 2
    result = runner.invoke(args=["photos", "purge-orphans"])
    assert "2 Fotodateien ohne Eintrag gelöscht" in result.output
    assert _stored_keys(app) == []


def test_planners_add_and_remove_photos_of_a_measure(app, client, planner, seed):
    measure_id = seed.measures[0].id
    _login(client)
    page = f"/planung/massnahmen/{measure_id}/fotos"
    form = {"csrf_token": _csrf(client, page), "alt_text": "Neuer Spielplatz"}
    response = _post_photo(client, page, form, images.encoded((2000, 1000), "WEBP"), "a.webp")
    assert response.status_code == 303
    [photo] = _store(app).photos.of_measure(measure_id)
    assert (photo.state, photo.added_by, photo.width, photo.height) == (
        "released",
        "lea",
        1600,
        800,
    )
    public = client.get(f"/massnahmen/{measure_id}").get_data(as_text=True)
    assert (f"/q/dalheim/fotos/{photo.id}/klein.webp", "Neuer Spielplatz") in _image_urls(public)
    assert "Fotos verwalten" in public
    client.post(
        f"/planung/fotos/{photo.id}/entfernen",
        data={"csrf_token": _csrf(client, page), "weiter": page},
    )
    assert _store(app).photos.count() == 0 and _stored_keys(app) == []
    assert client.get(f"/fotos/{photo.id}/klein.webp").status_code == 404


def test_a_planners_refused_upload_is_explained(app, client, planner, seed):
    measure_id = seed.measures[0].id
    _login(client)
    page = f"/planung/massnahmen/{measure_id}/fotos"
    form = {"csrf_token": _csrf(client, page), "alt_text": "Plan"}
    response = _post_photo(client, page, form, b"%PDF-1.7", "plan.jpg", follow_redirects=True)
    assert "Diese Datei ist kein Foto" in response.get_data(as_text=True)
    assert _store(app).photos.count() == 0 and _stored_keys(app) == []


def test_a_status_link_shows_only_its_own_ideas_photos(app, client):
    _, first_path = _submit(client)
    _upload(client, first_path, images.jpeg_with_gps())
    [(url, _)] = _image_urls(client.get(first_path).get_data(as_text=True))
    _, second_path = _submit(client)
    foreign = url.replace(first_path, second_path)
    assert foreign != url and client.get(foreign).status_code == 404
    assert client.get(url).status_code == 200


def test_a_rejected_idea_takes_no_photos(app, client):
    idea_id, status_path = _submit(client)
    _store(app).ideas.reject(idea_id, "lea", "Gibt es schon.")
    assert 'name="alt_text"' not in client.get(status_path).get_data(as_text=True)
    response = _upload(client, status_path, images.jpeg_with_gps())
    assert response.status_code == 409
    assert "Zu dieser Idee können keine Fotos mehr hinzukommen." in response.get_data(as_text=True)
    assert _store(app).photos.count() == 0 and _stored_keys(app) == []


def test_a_resident_upload_is_never_a_planners(app, client, planner):
    """A planner logged in in the same browser does not release an author's photo."""
    idea_id, status_path = _submit(client)
    _store(app).ideas.approve(idea_id, "lea")
    _login(client)
    _upload(client, status_path, images.jpeg_with_gps())
    [photo] = _store(app).photos.of_idea(idea_id)
    assert (photo.state, photo.added_by) == ("pending", "resident")


def test_a_storage_failure_while_saving_leaves_nothing_and_says_so(app, client, monkeypatch):
    _, status_path = _submit(client)
    with app.app_context():
        storage = photo_files()
    put = storage.put
    calls = []

    def second_fails(key, data, content_type):
        calls.append(key)
        if len(calls) == 2:
            raise PhotoStorageError("S3 put_object: ServiceUnavailable")
        put(key, data, content_type)

    monkeypatch.setattr(storage, "put", second_fails)
    response = _upload(client, status_path, images.jpeg_with_gps())
    assert response.status_code == 503
    assert "Wir konnten das Foto gerade nicht speichern." in response.get_data(as_text=True)
    assert _store(app).photos.count() == 0 and _stored_keys(app) == []


def test_planners_add_a_photo_to_an_idea_on_its_planning_page(app, client, planner):
    idea_id, _ = _submit(client)
    _login(client)
    page = f"/planung/ideen/{idea_id}"
    form = {"csrf_token": _csrf(client, page), "alt_text": "Ort der Idee"}
    response = _post_photo(client, page + "/fotos", form, images.encoded((900, 600), "HEIF"), "x")
    assert response.status_code == 303 and response.headers["Location"].endswith(page + "#fotos")
    [photo] = _store(app).photos.of_idea(idea_id)
    assert (photo.state, photo.added_by) == ("released", "lea")
    assert (f"/q/dalheim/fotos/{photo.id}/klein.webp", "Ort der Idee") in _image_urls(
        client.get(page).get_data(as_text=True)
    )


def test_a_release_with_a_foreign_target_is_refused_before_it_happens(app, client, planner):
    idea_id, status_path = _submit(client)
    _store(app).ideas.approve(idea_id, "lea")
    _upload(client, status_path, images.jpeg_with_gps())
    [photo] = _store(app).photos.of_idea(idea_id)
    _login(client)
    response = client.post(
        f"/planung/fotos/{photo.id}/freigeben",
        data={"csrf_token": _csrf(client, "/planung/"), "weiter": "https://example.org/"},
    )
    assert response.status_code == 400
    assert _store(app).photos.get(photo.id).state == "pending"
