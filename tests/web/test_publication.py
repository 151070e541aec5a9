"""Drafts and archived measures and places appear nowhere public.

Every public surface is asked with a draft measure, an archived measure and a draft
place in the database: the pages, the residents' map, the read API and its counts, the
search, the OGC API (every collection, JSON and HTML), every export format and the feeds.
None of them may name the hidden records; the published one beside them is the control
that shows the walk reaches them.
"""

from __future__ import annotations

import dataclasses
import io
import zipfile
from datetime import UTC, datetime

import pytest
from shapely.geometry import Point, box

from app.photo_files import photo_files
from measures.domain.decision_path import StepInput
from measures.domain.photos import Photo, new_photo_id
from measures.gis.formats import FORMATS
from tests.factories import measure
from tests.photo_images import encoded
from tests.web.test_decision_path import pdf_bytes
from tests.web.test_planning import _login

HIDDEN = ("zaunkoenig-entwurf", "zaunkoenig-archiv", "zaunkoenig-ort")
SHOWN = "zaunkoenig-oeffentlich"


@pytest.fixture
def hidden(store, seed):
    """A draft and an archived measure, a draft place, and a published measure."""
    area = box(8.472, 50.564, 8.474, 50.565)
    for measure_id, state in (
        ("zaunkoenig-entwurf", "draft"),
        ("zaunkoenig-archiv", "archived"),
        (SHOWN, "published"),
    ):
        record = measure(
            seed, measure_id, title=f"Zaunkönig {state}", geometry=area, quartier="dalheim"
        )
        store.editing.create("measures", record, author="lea")
        if state != "draft":
            found = store.editing.get("measures", measure_id, "dalheim")
            store.editing.set_publication(
                "measures", measure_id, "dalheim", state, found.record.updated_at, author="lea"
            )
    place = dataclasses.replace(
        seed.locations[0],
        id="zaunkoenig-ort",
        name="Zaunkönig Ort",
        geometry=Point(8.4735, 50.5645),
        quartier="dalheim",
    )
    store.editing.create("locations", place, author="lea")
    return store


def _texts(content: bytes) -> list[bytes]:
    """The content, and each file of a ZIP archive (Shapefiles, spreadsheets)."""
    if content[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return [archive.read(name) for name in archive.namelist()]
    return [content]


def _names(content: bytes, key: str) -> bool:
    return any(
        key.encode(encoding) in text
        for text in _texts(content)
        for encoding in ("utf-8", "utf-16-le")
    )


def _public_urls(client) -> list[str]:
    urls = [
        "/",
        "/massnahmen",
        "/orte",
        "/ideen",
        "/massnahmen/feed.atom",
        "/api/layers",
        "/api/layers/measures",
        "/api/layers/locations",
        "/api/search?q=Zaunk",
        "/export/quartierskarte.gpkg",
    ]
    urls += [f"/export/{layer}.{fmt}" for layer in ("measures", "locations") for fmt in FORMATS]
    collections = client.get("/ogc/collections?f=json").get_json()["collections"]
    for collection in collections:
        items = f"/ogc/collections/{collection['id']}/items"
        urls += [f"{items}?f=json&limit=10000", f"{items}?f=html&limit=10000"]
    return urls


def _get(client, url: str) -> bytes:
    # Closed, so that an export's streamed file is closed too.
    with client.get(url) as response:
        assert response.status_code == 200, url
        return response.get_data()


def test_drafts_and_archived_records_appear_nowhere_public(client, hidden):
    for url in _public_urls(client):
        content = _get(client, url)
        for key in HIDDEN:
            assert not _names(content, key), (url, key)
        assert "Zaunkönig draft".encode() not in content, url
    # The control: the published measure is there where measures are listed.
    for url in ("/massnahmen", "/api/layers/measures", "/export/measures.geojson"):
        assert _names(_get(client, url), SHOWN), url


def test_a_hidden_record_has_no_public_address(client, hidden):
    for measure_id in ("zaunkoenig-entwurf", "zaunkoenig-archiv"):
        for url in (
            f"/massnahmen/{measure_id}",
            f"/massnahmen/{measure_id}/feed.atom",
            f"/api/measures/{measure_id}",
            f"/ogc/collections/measures/items/{measure_id}?f=json",
        ):
            assert client.get(url).status_code == 404, url
    assert client.get("/orte/zaunkoenig-ort").status_code == 404
    assert client.get("/api/locations/zaunkoenig-ort").status_code == 404


def test_counts_leave_hidden_records_out(client, hidden, seed):
    layers = client.get("/api/layers").get_json()["layers"]
    counts = {layer["name"]: layer["count"] for layer in layers}
    assert counts["measures"] == len(seed.measures) + 1
    assert counts["locations"] == len(seed.locations)


def _attach_files(client, store, measure_id: str) -> tuple[str, str]:
    """A released photo and a decision-path PDF of the measure, stored as the planners'
    forms store them; their public URLs."""
    photo = Photo(
        id=new_photo_id(),
        alt_text="Zaunkönig am Zaun",
        state="",
        created_at=datetime.now(UTC),
        added_by="lea",
        width=40,
        height=30,
        measure_id=measure_id,
    )
    key = f"{measure_id}-beschluss/dokument.pdf"
    with client.application.app_context():
        storage = photo_files()
        storage.put(photo.key("klein"), encoded((40, 30), "WEBP"), "image/webp")
        storage.put(key, pdf_bytes(), "application/pdf")
    store.photos.add(photo, by_planner=True)
    step = StepInput(date="2025-03-13", body="stadtteilbeirat", status="im_beirat_vorgestellt")
    store.decision_path.add(measure_id, step, "lea", attachment=(key, "beschluss.pdf", 9))
    [file] = [f for s in store.decision_path.steps(measure_id) for f in s.files]
    pdf = f"/massnahmen/{measure_id}/dokumente/{file.id}/{file.filename}"
    return f"/fotos/{photo.id}/klein.webp", pdf


@pytest.mark.both_databases
def test_files_of_a_hidden_measure_are_for_its_planners_only(client, hidden, planner):
    urls = {m: _attach_files(client, hidden, m) for m in (*HIDDEN[:2], SHOWN)}
    for measure_id in HIDDEN[:2]:
        for url in urls[measure_id]:
            assert client.get(url).status_code == 404, url
    # The control: the files of the published measure are everyone's, to keep an hour.
    for url in urls[SHOWN]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "public, max-age=3600"

    _login(client)
    for measure_id in HIDDEN[:2]:
        for url in urls[measure_id]:
            response = client.get(url)
            assert response.status_code == 200, url
            assert "no-store" in response.headers["Cache-Control"], url
