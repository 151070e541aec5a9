"""Comments, photos and barrier reports read per Quartier (both databases); migration 0010
gives the barrier reports of an older database to its Quartier and Dalheim its short name;
the seed's profile.json sets a new Quartier's short name, programme and office."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command

from measures.domain.barriers import OPEN, validate_report
from measures.domain.comments import Comment
from measures.domain.ideas import hash_token
from measures.domain.photos import Photo
from measures.domain.seed import read_seed
from measures.domain.validation import InvalidFeatures
from measures.storage import upgrade
from measures.storage.migrate import _config, current_revision
from tests.factories import EXAMPLE_SLUG, add_example_quartier

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _report(store, quartier: str, report_id: str) -> None:
    new = validate_report({"description": f"Barriere {report_id}"})
    new = dataclasses.replace(new, report=dataclasses.replace(new.report, id=report_id))
    store.barriers.add(new, hash_token(report_id), quartier)


@pytest.mark.both_databases
def test_comments_photos_and_reports_are_read_per_quartier(store, seed):
    add_example_quartier(store, seed)
    ours, theirs = seed.measures[0].id, "beispiel-platz"
    for comment_id, measure in (("k-hier", ours), ("k-dort", theirs)):
        store.comments.add(Comment(comment_id, "measures", measure, NOW, "Text"))
    for photo_id, measure in (("f-hier", ours), ("f-dort", theirs)):
        photo = Photo(photo_id, "Alt", "", NOW, "lea", 10, 10, measure_id=measure)
        store.photos.add(photo, by_planner=True)
    _report(store, "dalheim", "b-hier")
    _report(store, EXAMPLE_SLUG, "b-dort")

    assert [c.id for c in store.comments.queue("dalheim")] == ["k-hier"]
    assert [c.id for c in store.comments.queue(EXAMPLE_SLUG)] == ["k-dort"]
    assert {c.id for c in store.comments.queue()} == {"k-hier", "k-dort"}
    assert {e.idea_id for e in store.comments.events(quartier=EXAMPLE_SLUG)} == {"k-dort"}
    assert store.comments.get("k-dort", "dalheim") is None
    assert store.photos.get("f-dort", "dalheim") is None
    assert store.photos.get("f-dort", EXAMPLE_SLUG).id == "f-dort"
    assert not store.photos.release("f-dort", "dalheim")
    assert store.photos.remove("f-dort", "dalheim") is None
    assert store.photos.get("f-dort") is not None
    assert [r.id for r in store.barriers.all("dalheim")] == ["b-hier"]
    assert store.barriers.count_open(EXAMPLE_SLUG) == 1
    assert store.barriers.get("b-dort", "dalheim") is None
    with pytest.raises(LookupError):
        store.barriers.answer("b-dort", "Erledigt.", "lea", "dalheim")
    assert store.barriers.get("b-dort").state == OPEN


@pytest.mark.both_databases
@pytest.mark.filterwarnings("ignore:Did not recognize type 'geometry'")
def test_migration_0010_gives_old_reports_to_the_quartier_and_dalheim_its_short_name(store):
    engine = store.engine
    with engine.begin() as connection:
        command.downgrade(_config(connection), "0009")
        connection.execute(sa.text("UPDATE quartier SET contact = ''"))
        connection.execute(
            sa.text(
                "INSERT INTO barrier_reports (id, created_at, description, where_text, state, "
                "answer, answered_by, status_token_hash) VALUES ('alt', :at, 'Stufe', '', "
                "'offen', '', '', 'hash')"
            ),
            {"at": NOW},
        )
    assert current_revision(engine) == "0009"
    upgrade(engine)
    (dalheim,) = store.quartiere.all()
    assert dalheim.short_name == "Dalheim" and dalheim.called == "Dalheim"
    assert dalheim.contact.startswith("Kinder- und Familienzentrum")
    assert [r.id for r in store.barriers.all("dalheim")] == ["alt"]
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.execute(sa.text("UPDATE barrier_reports SET quartier = 'gibt-es-nicht'"))


def test_the_seeds_profile_sets_the_short_name_programme_and_office(store, tmp_path, seed):
    (dalheim,) = store.quartiere.all()
    assert (dalheim.short_name, dalheim.programme) == ("Dalheim", "Sozialer Zusammenhalt")
    assert "Berliner Ring 39" in dalheim.contact
    assert seed.profile["short_name"] == "Dalheim"


@pytest.mark.parametrize("content", ['{"short_name": 3}', '{"boss": "x"}', "[]", "{kein json"])
def test_a_wrong_profile_is_a_problem_of_the_seed(tmp_path, content):
    from measures.domain.seed import SEED_DIR

    for name in ("quartier.geojson", "measures.geojson", "locations.geojson"):
        (tmp_path / name).write_text((SEED_DIR / name).read_text(encoding="utf-8"))
    (tmp_path / "profile.json").write_text(content, encoding="utf-8")
    with pytest.raises(InvalidFeatures) as error:
        read_seed(tmp_path)
    assert any(p.file == "profile.json" for p in error.value.problems)
    (tmp_path / "profile.json").write_text(json.dumps({"programme": "P"}), encoding="utf-8")
    assert read_seed(tmp_path).profile == {"programme": "P"}
