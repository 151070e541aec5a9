"""An idea posted while a planner changes the Quartier (app/participation.py,
measures/storage/intake.py): the intake checks the point against the Quartier as the
worker last read it, and the write finds out whether it changed since. On both backends."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from shapely.geometry import box

from app.db import get_store
from measures.storage import rows, schema
from measures.storage.intake import QuartierChanged
from measures.storage.transaction import transaction
from tests.factories import idea_feature

pytestmark = pytest.mark.both_databases

INSIDE = (8.4740, 50.5655)
# A boundary far off that leaves INSIDE about 7 km outside.
ELSEWHERE = box(8.55, 50.60, 8.56, 50.61)


def _change_boundary(store, slug: str, boundary) -> None:
    """What a planner's change does from another worker: the row and the layer's
    version, in one transaction; this app's worker keeps its copy of the Quartiere."""
    t = schema.quartier
    with transaction(store.engine) as tx:
        tx.write(
            "quartier",
            t.update().where(t.c.id == slug).values(**rows.spatial_values(boundary)),
            ids=[slug],
        )


def _stored(store, title: str) -> int:
    with store.engine.connect() as connection:
        return connection.execute(
            sa.select(sa.func.count()).where(schema.ideas.c.title == title)
        ).scalar()


def _post(client, title: str):
    lon, lat = INSIDE
    return client.post("/api/ideas", json=idea_feature(lon=lon, lat=lat, title=title))


def test_a_point_outside_the_quartier_as_changed_since_the_last_read_is_refused(client, store):
    assert _post(client, "Vorher").status_code == 201  # the worker has read the Quartiere
    [quartier] = store.quartiere.all()
    _change_boundary(store, quartier.slug, ELSEWHERE)
    response = _post(client, "Nachher")
    assert response.status_code == 400
    assert "außerhalb" in response.get_json()["error"]["fields"]["geometry"]
    assert _stored(store, "Nachher") == 0


def test_an_idea_inside_the_quartier_as_changed_is_stored_once(client, store):
    assert _post(client, "Vorher").status_code == 201
    [quartier] = store.quartiere.all()
    # A change that leaves the point inside: the idea is checked again and stored once.
    _change_boundary(store, quartier.slug, quartier.boundary.buffer(0.001))
    response = _post(client, "Nachher")
    assert response.status_code == 201
    assert _stored(store, "Nachher") == 1
    assert [e.action for e in store.ideas.events(response.get_json()["id"])] == ["submitted"]


def test_quartiere_that_keep_changing_refuse_the_idea_with_a_clear_message(
    client, store, monkeypatch
):
    # However often the idea is checked again, the write keeps finding another version.
    with client.application.app_context():
        ideas = get_store().ideas

    def changed(*args, **kwargs):
        raise QuartierChanged

    monkeypatch.setattr(ideas, "add", changed)
    response = _post(client, "Nie")
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "quartier_changed"
    assert "noch einmal" in error["message"]
    assert _stored(store, "Nie") == 0
