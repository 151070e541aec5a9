"""Photo rows on SQLite and PostgreSQL, and the two photo storages (a folder, a real S3
server on loopback) behind one interface."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from measures.domain.errors import Conflict
from measures.domain.photos import Photo, new_photo_id
from measures.storage.photo_files import FilePhotoStorage, PhotoStorageError, S3PhotoStorage
from tests.factories import add_idea

pytestmark = pytest.mark.both_databases


def _photo(idea_id=None, measure_id=None) -> Photo:
    return Photo(
        id=new_photo_id(),
        alt_text="Bank",
        state="",
        created_at=datetime(2026, 12, 5, tzinfo=UTC),
        added_by="resident",
        width=1600,
        height=1200,
        idea_id=idea_id,
        measure_id=measure_id,
    )


def test_a_photo_waits_only_when_a_resident_adds_it_to_a_public_idea(store):
    add_idea(store, "wartet", state="pending")
    add_idea(store, "offen", state="approved")
    assert store.photos.add(_photo("wartet"), by_planner=False).state == "released"
    assert store.photos.add(_photo("offen"), by_planner=True).state == "released"
    waiting = store.photos.add(_photo("offen"), by_planner=False)
    assert waiting.state == "pending"
    assert [p.id for p in store.photos.pending()] == [waiting.id]
    # The released photo of the waiting idea is not public until the idea is.
    assert store.photos.public_of_idea("wartet") == []
    assert len(store.photos.public_of_idea("offen")) == 1
    assert store.photos.release(waiting.id)
    assert len(store.photos.public_of_idea("offen")) == 2
    store.ideas.approve("wartet", "lea")
    assert len(store.photos.public_of_idea("wartet")) == 1


def test_ten_photos_at_most_and_none_on_what_is_not_there(store, seed):
    add_idea(store, "voll")
    for _ in range(10):
        store.photos.add(_photo("voll"), by_planner=False)
    with pytest.raises(Conflict):
        store.photos.add(_photo("voll"), by_planner=False)
    assert store.photos.count() == 10
    with pytest.raises(LookupError):
        store.photos.add(_photo("gibt-es-nicht"), by_planner=False)
    with pytest.raises(LookupError):
        store.photos.add(_photo(measure_id="gibt-es-nicht"), by_planner=True)
    assert store.photos.add(_photo(measure_id=seed.measures[0].id), by_planner=True)
    assert store.photos.count() == 11


def test_withdrawal_and_deletion_take_the_rows_and_hand_over_the_keys(store):
    add_idea(store, "weg", state="pending")
    add_idea(store, "geloescht")
    first = store.photos.add(_photo("weg"), by_planner=False)
    second = store.photos.add(_photo("geloescht"), by_planner=False)
    keys: list[str] = []
    assert store.ideas.withdraw("weg", keys)
    assert sorted(keys) == sorted(first.keys)
    keys.clear()
    store.ideas.delete("geloescht", "lea", keys)
    assert sorted(keys) == sorted(second.keys)
    assert store.photos.count() == 0
    # A withdrawal of nothing hands over nothing.
    assert not store.ideas.withdraw("weg", keys) and sorted(keys) == sorted(second.keys)


def test_remove_returns_the_photo_once(store):
    add_idea(store, "eins")
    photo = store.photos.add(_photo("eins"), by_planner=False)
    assert store.photos.remove(photo.id).id == photo.id
    assert store.photos.remove(photo.id) is None
    assert store.photos.keys() == set()


@pytest.fixture(params=["filesystem", "s3"])
def files(request, tmp_path):
    if request.param == "s3":
        server = request.getfixturevalue("s3_server")
        settings = server.settings(server.new_bucket())
        return S3PhotoStorage(
            settings["S3_BUCKET"],
            settings["S3_ENDPOINT_URL"],
            settings["S3_ACCESS_KEY"],
            settings["S3_SECRET_KEY"],
            settings["S3_REGION"],
        )
    return FilePhotoStorage(tmp_path / "fotos")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_both_storages_put_get_list_and_delete(files, backend):
    key = "AbCdEfGh12345678/klein.webp"
    assert files.get(key) is None
    files.put(key, b"RIFF-data", "image/webp")
    stored = files.get(key)
    assert (stored.data, stored.content_type) == (b"RIFF-data", "image/webp")
    [(listed, written)] = list(files.keys())
    assert listed == key and written.tzinfo is not None
    files.delete(key)
    files.delete(key)  # deleting what is gone is no error
    assert files.get(key) is None and list(files.keys()) == []


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("key", ["../../etc/passwd", "a/b", "AbCdEfGh1234/../x.webp", ""])
def test_keys_that_could_name_another_place_are_refused(files, key, backend):
    with pytest.raises(ValueError):
        files.put(key, b"x", "image/webp")
    with pytest.raises(ValueError):
        files.get(key)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_folder_that_cannot_be_written_is_a_storage_error(tmp_path, backend):
    blocked = tmp_path / "keine-ablage"
    blocked.write_text("eine Datei, wo der Ordner sein sollte")
    with pytest.raises(PhotoStorageError) as failed:
        FilePhotoStorage(blocked).put("AbCdEfGh12345678/klein.webp", b"x", "image/webp")
    assert failed.value.status == 503
    assert failed.value.message.startswith("Wir konnten das Foto gerade nicht speichern.")
    assert "keine-ablage" not in failed.value.detail
