"""The planners' whole path for a new measure, as issue 16 tells it: a draft drawn in the
browser, the Beirat's step with its reference and minutes as PDF entered while it is still
a draft, then published — and only then does anyone outside see it, PDF included."""

from __future__ import annotations

import io
import re

from tests.web.test_decision_path import pdf_bytes
from tests.web.test_planning_records import _create, _token, _version, editor  # noqa: F401


def test_a_draft_gets_its_beirat_step_and_pdf_and_is_public_only_once_published(editor):  # noqa: F811
    client = editor
    measure_id = _create(client)
    path = f"/planung/massnahmen/{measure_id}/entscheidungsweg"
    form = {
        "csrf_token": _token(client, path),
        "date": "2026-11-26",
        "body": "stadtteilbeirat",
        "status": "vom_beirat_empfohlen",
        "reference": "Vorlage 2026/0117",
        "minutes_url": "",
        "note": "Einstimmig empfohlen.",
        "file": (io.BytesIO(pdf_bytes("Beirat November")), "Protokoll.pdf"),
    }
    assert client.post(path, data=form, content_type="multipart/form-data").status_code == 303
    steps_page = client.get(path).get_data(as_text=True)
    assert "Vorlage 2026/0117" in steps_page
    link = re.search(r'href="([^"]+/dokumente/[^"]+)"', steps_page).group(1)

    # Still a draft: nothing public; its minutes are for its planners only, not cached.
    for url in (f"/api/measures/{measure_id}", f"/massnahmen/{measure_id}"):
        assert client.get(url).status_code == 404, url
    minutes = client.get(link)
    assert minutes.status_code == 200 and minutes.headers["Cache-Control"] == "private, no-store"
    minutes.close()
    assert client.application.test_client().get(link).status_code == 404
    listed = client.get("/api/layers/measures?status=vom_beirat_empfohlen").get_json()
    assert measure_id not in [f["id"] for f in listed["features"]]

    page = client.get(f"/planung/massnahmen/{measure_id}").get_data(as_text=True)
    published = client.post(
        f"/planung/massnahmen/{measure_id}/stand",
        data={
            "action": "veroeffentlichen",
            "version": _version(page),
            "csrf_token": _token(client, f"/planung/massnahmen/{measure_id}"),
        },
    )
    assert published.status_code == 302

    client.post("/planung/abmelden", data={"csrf_token": _token(client, path)})
    feature = client.get(f"/api/measures/{measure_id}").get_json()
    assert feature["properties"]["status"] == "vom_beirat_empfohlen"
    assert feature["properties"]["status_date"] == "2026-11-26"
    assert feature["geometry"]["type"] == "Polygon"
    ogc = client.get(f"/ogc/collections/measures/items/{measure_id}?f=json").get_json()
    assert ogc["properties"]["status"] == "vom_beirat_empfohlen"
    public_page = client.get(f"/massnahmen/{measure_id}").get_data(as_text=True)
    assert "Vorlage 2026/0117" in public_page
    download = client.get(link)
    assert download.status_code == 200 and download.headers["Content-Type"] == "application/pdf"
    assert download.data == pdf_bytes("Beirat November")
