"""An installation made before several Quartiere existed migrates with nothing lost.

The database is built at revision 0003 (the release before Quartiere) with rows written
as that release wrote them — a Quartier, measures, places, ideas in several states with
contact data and history, a recorded contact export, a planner — then upgraded. Every
row is still there, unchanged, and belongs to the Quartier "dalheim". On both backends.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import shapely
import sqlalchemy as sa
from shapely.geometry import Point, box

from measures.storage import Store, create_engine_for, upgrade
from measures.storage.migrate import _config, current_revision

pytestmark = [
    pytest.mark.both_databases,
    # Reflecting PostGIS's generated ``geom`` column, which the comparisons leave out.
    pytest.mark.filterwarnings("ignore:Did not recognize type 'geometry'"),
]

AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
OWNED = ("measures", "locations", "ideas", "idea_events", "contact_exports")
TABLES = ("quartier", *OWNED, "idea_contacts", "planners", "layer_changes")


def _at_0003(database_url: str, backend: str):
    engine = create_engine_for(database_url)
    if backend == "sqlite":
        upgrade(engine, "0003")
    else:
        # The PostgreSQL test databases come migrated to the newest revision.
        from alembic import command

        with engine.begin() as connection:
            command.downgrade(_config(connection), "0003")
    assert current_revision(engine) == "0003"
    return engine


def _spatial(geometry) -> dict:
    minx, miny, maxx, maxy = geometry.bounds
    return {
        "geom_wkb": shapely.to_wkb(geometry),
        "geom_type": geometry.geom_type,
        "minx": minx,
        "miny": miny,
        "maxx": maxx,
        "maxy": maxy,
    }


def _boundary_row(quartier_id: str, geometry) -> dict:
    return {
        "id": quartier_id,
        "name": f"Gebiet {quartier_id}",
        "description": "Grenze",
        "accuracy": "approximate",
        "sources": [{"title": "Quelle", "url": "https://example.org"}],
        **_spatial(geometry),
        "updated_at": AT,
    }


def _fill_0003(engine, boundaries: dict) -> None:
    """The rows an installation of revision 0003 holds, written into its tables."""
    meta = sa.MetaData()
    meta.reflect(engine)
    t = meta.tables
    here = Point(8.4740, 50.5655)
    with engine.begin() as connection:
        for quartier_id, geometry in boundaries.items():
            connection.execute(
                t["quartier"].insert().values(**_boundary_row(quartier_id, geometry))
            )
        for number in (1, 2):
            connection.execute(
                t["measures"]
                .insert()
                .values(
                    id=f"massnahme-{number}",
                    title=f"Maßnahme {number}",
                    summary="kurz",
                    description="lang",
                    category="spiel_freizeit",
                    status="in_umsetzung",
                    accuracy="approximate",
                    sources=[{"title": "Quelle", "url": "https://example.org"}],
                    timeline=[{"status": "idee", "date": "2020", "note": ""}],
                    cost_eur=10_000 * number,
                    cost_is_estimate=True,
                    funding_share=0.5,
                    funding_programme="Sozialer Zusammenhalt",
                    start_year=2020,
                    end_year=None,
                    **_spatial(here),
                    updated_at=AT,
                )
            )
        connection.execute(
            t["locations"]
            .insert()
            .values(
                id="treff",
                name="Treff",
                kind="treffpunkt",
                address="Berliner Ring 1",
                description="",
                contact="",
                opening_hours="",
                accuracy="approximate",
                sources=[],
                **_spatial(here),
                updated_at=AT,
            )
        )
        for idea_id, state in (("offen", "pending"), ("frei", "approved"), ("nein", "rejected")):
            connection.execute(
                t["ideas"]
                .insert()
                .values(
                    id=idea_id,
                    title=f"Idee {idea_id}",
                    description="Text",
                    category="wohnen",
                    moderation_state=state,
                    moderation_reason="" if state != "rejected" else "Passt nicht.",
                    supports=2,
                    **_spatial(here),
                    created_at=AT,
                    updated_at=AT,
                    status_token_hash=f"hash-{idea_id}",
                    decided_at=None if state == "pending" else AT,
                )
            )
            connection.execute(
                t["idea_contacts"]
                .insert()
                .values(idea_id=idea_id, author_name="Erika", email=f"{idea_id}@example.org")
            )
            connection.execute(
                t["idea_events"]
                .insert()
                .values(idea_id=idea_id, at=AT, action="submitted", reason="", actor="resident")
            )
        connection.execute(
            t["idea_events"]
            .insert()
            .values(idea_id="frei", at=AT, action="approved", reason="", actor="lea")
        )
        connection.execute(
            t["contact_exports"]
            .insert()
            .values(at=AT, actor="lea", what="ideas-all.csv", records=3)
        )
        connection.execute(
            t["planners"]
            .insert()
            .values(
                username="lea", password_hash="x", session_nonce="n", active=True, created_at=AT
            )
        )
        connection.execute(t["layer_changes"].insert().values(layer="ideas", changed_at=AT))


def _rows(engine, table: str, without: tuple[str, ...] = ()) -> list[dict]:
    meta = sa.MetaData()
    t = sa.Table(table, meta, autoload_with=engine)
    columns = [c for c in t.c if c.name not in without and c.name != "geom"]
    with engine.connect() as connection:
        found = connection.execute(sa.select(*columns)).mappings().all()
    return sorted((dict(r) for r in found), key=repr)


def test_an_old_database_keeps_every_row_and_all_of_it_becomes_dalheim(database_url, backend):
    boundary = box(8.463, 50.5585, 8.4855, 50.5715)
    engine = _at_0003(database_url, backend)
    _fill_0003(engine, {"dalheim": boundary})
    before = {table: _rows(engine, table) for table in TABLES}
    assert all(before[table] for table in TABLES), "every table holds rows before"

    upgrade(engine)

    # Every row as it was (the Quartier's own row: the next test).
    for table in TABLES[1:]:
        without = ("quartier",) if table in OWNED else ()
        # Columns of later migrations (0010: publication, a place's accessibility notes).
        without += ("publication", "accessibility")
        if table == "planners":  # and the accounts' columns of 0011, at their defaults
            without = ("email", "totp_secret", "totp_last_step", "totp_required")
        if table == "layer_changes":
            without = ("version",)  # counted from 0015 on, 0 for what was there
        if table == "idea_contacts":
            without = ("notify_language",)  # 0018: no request waits for the mail job
        assert _rows(engine, table, without=without) == before[table], table
    # Whatever was public before stays public.
    for table in ("measures", "locations"):
        assert {r["publication"] for r in _rows(engine, table)} <= {"published"}, table
    assert [
        (p["email"], p["totp_secret"], p["totp_required"]) for p in _rows(engine, "planners")
    ] == [("", None, False)]
    for table in OWNED:
        assert {r["quartier"] for r in _rows(engine, table)} == {"dalheim"}, table
    store = Store(engine)
    (dalheim,) = store.quartiere.all()
    assert dalheim.slug == "dalheim" and dalheim.boundary.equals(boundary)
    assert dalheim.programme == "Sozialer Zusammenhalt" and dalheim.active
    assert store.ideas.contact("offen").email == "offen@example.org"
    assert [e.action for e in store.ideas.events("frei")] == ["submitted", "approved"]
    assert store.contact_exports.latest("dalheim")[0].what == "ideas-all.csv"
    # The foreign keys hold from now on: a row of no Quartier is refused.
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.execute(sa.text("UPDATE ideas SET quartier = 'gibt-es-nicht'"))
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.execute(sa.text("UPDATE measures SET quartier = NULL"))
    engine.dispose()


def test_the_quartier_row_keeps_its_fields_and_gets_the_defaults(database_url, backend):
    boundary = box(8.463, 50.5585, 8.4855, 50.5715)
    engine = _at_0003(database_url, backend)
    _fill_0003(engine, {"dalheim": boundary})
    (before,) = _rows(engine, "quartier")
    upgrade(engine)
    (after,) = _rows(engine, "quartier")
    assert {k: after[k] for k in before} == before
    assert after["tolerance_m"] == 25 and after["categories"] is None
    engine.dispose()


def test_several_boundary_areas_become_the_one_boundary_of_dalheim(database_url, backend):
    west, east = box(8.46, 50.56, 8.47, 50.57), box(8.475, 50.56, 8.485, 50.57)
    engine = _at_0003(database_url, backend)
    _fill_0003(engine, {"nord": west, "sued": east})
    ideas_before = _rows(engine, "ideas")
    upgrade(engine)
    (dalheim,) = Store(engine).quartiere.all()
    assert dalheim.slug == "dalheim"
    assert dalheim.boundary.equals(west.union(east))
    assert _rows(engine, "ideas", without=("quartier",)) == ideas_before
    engine.dispose()


def test_records_without_any_boundary_get_a_quartier_around_them(database_url, backend):
    engine = _at_0003(database_url, backend)
    _fill_0003(engine, {})
    upgrade(engine)
    (dalheim,) = Store(engine).quartiere.all()
    assert dalheim.boundary.covers(Point(8.4740, 50.5655))
    assert len(_rows(engine, "ideas")) == 3
    engine.dispose()
