"""Several Quartiere: the table ``quartier`` holds one row per Quartier, and every measure,
place, idea, history entry and contact export belongs to one of them.

An installation made before holds one Quartier, Dalheim: its row of ``quartier`` becomes
the Quartier with the slug ``dalheim`` and every row of the other tables is assigned to it.
Should the boundary layer hold several areas, they become the one boundary of Dalheim
(their union). Should there be records but no boundary at all, Dalheim's boundary is the
box around them, so that no row is lost.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

import shapely
import sqlalchemy as sa
from alembic import op
from shapely.geometry import box
from shapely.ops import unary_union

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

SLUG = "dalheim"
# The tables whose rows belong to a Quartier.
OWNED = ("measures", "locations", "ideas", "idea_events", "contact_exports")
SPATIAL = ("measures", "locations", "ideas")


def _spatial_values(geometry) -> dict:
    minx, miny, maxx, maxy = geometry.bounds
    return {
        "wkb": shapely.to_wkb(geometry),
        "type": geometry.geom_type,
        "minx": minx,
        "miny": miny,
        "maxx": maxx,
        "maxy": maxy,
    }


def _one_quartier_named_dalheim(bind) -> None:
    rows = bind.execute(sa.text("SELECT id, geom_wkb FROM quartier ORDER BY id")).all()
    if not rows:
        extents = [
            bind.execute(
                # The table names are this module's constants, never input.
                sa.text(f"SELECT min(minx), min(miny), max(maxx), max(maxy) FROM {table}")  # noqa: S608
            ).one()
            for table in SPATIAL
        ]
        extents = [e for e in extents if e[0] is not None]
        if not extents:
            return  # nothing to assign: a new database
        boundary = box(
            min(e[0] for e in extents),
            min(e[1] for e in extents),
            max(e[2] for e in extents),
            max(e[3] for e in extents),
        )
        values = _spatial_values(boundary)
        bind.execute(
            sa.text(
                "INSERT INTO quartier (id, name, description, accuracy, sources, geom_wkb, "
                "geom_type, minx, miny, maxx, maxy, updated_at) VALUES (:id, 'Dalheim', "
                "'Grenze aus der Ausdehnung der vorhandenen Daten (Migration).', "
                "'approximate', '[]', :wkb, :type, :minx, :miny, :maxx, :maxy, "
                "CURRENT_TIMESTAMP)"
            ),
            {"id": SLUG, **values},
        )
        return
    ids = [row.id for row in rows]
    if ids == [SLUG]:
        return
    keep = SLUG if SLUG in ids else ids[0]
    boundary = unary_union([shapely.from_wkb(row.geom_wkb) for row in rows])
    bind.execute(sa.text("DELETE FROM quartier WHERE id <> :keep"), {"keep": keep})
    bind.execute(
        sa.text(
            "UPDATE quartier SET id = :id, geom_wkb = :wkb, geom_type = :type, minx = :minx, "
            "miny = :miny, maxx = :maxx, maxy = :maxy WHERE id = :keep"
        ),
        {"id": SLUG, "keep": keep, **_spatial_values(boundary)},
    )


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column("quartier", sa.Column("programme", sa.Text, nullable=False, server_default=""))
    op.add_column(
        "quartier", sa.Column("tolerance_m", sa.Float, nullable=False, server_default="25")
    )
    for text in ("contact", "about_text", "privacy_text", "imprint_text"):
        op.add_column("quartier", sa.Column(text, sa.Text, nullable=False, server_default=""))
    op.add_column("quartier", sa.Column("view_lon", sa.Float))
    op.add_column("quartier", sa.Column("view_lat", sa.Float))
    op.add_column("quartier", sa.Column("view_zoom", sa.Integer))
    op.add_column("quartier", sa.Column("categories", sa.JSON))
    op.add_column(
        "quartier", sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true())
    )
    _one_quartier_named_dalheim(bind)
    # The programme of the one Quartier there was (README: "Sozialer Zusammenhalt").
    bind.execute(
        sa.text("UPDATE quartier SET programme = 'Sozialer Zusammenhalt' WHERE id = :id"),
        {"id": SLUG},
    )
    for table in OWNED:
        # Nullable first, filled, then NOT NULL with its foreign key: on SQLite the last
        # step rebuilds the table (``migrate.upgrade`` turns foreign keys off meanwhile, so
        # that rebuilding the ideas does not delete their contact data and history).
        op.add_column(table, sa.Column("quartier", sa.String(80)))
        bind.execute(sa.text(f"UPDATE {table} SET quartier = :id"), {"id": SLUG})  # noqa: S608
        with op.batch_alter_table(table) as batch:
            batch.alter_column("quartier", existing_type=sa.String(80), nullable=False)
            batch.create_foreign_key(
                f"fk_{table}_quartier", "quartier", ["quartier"], ["id"], ondelete="RESTRICT"
            )
            batch.create_index(f"ix_{table}_quartier", ["quartier"])


def downgrade() -> None:
    bind = op.get_bind()
    count = bind.execute(sa.text("SELECT count(*) FROM quartier")).scalar()
    if count > 1:
        raise RuntimeError(
            "Die Datenbank enthält mehrere Quartiere; zurück auf eine Version mit nur "
            "einem Quartier geht es nur mit einem."
        )
    for table in OWNED:
        with op.batch_alter_table(table) as batch:
            batch.drop_index(f"ix_{table}_quartier")
            batch.drop_constraint(f"fk_{table}_quartier", type_="foreignkey")
            batch.drop_column("quartier")
    for column in (
        "active",
        "categories",
        "view_zoom",
        "view_lat",
        "view_lon",
        "imprint_text",
        "privacy_text",
        "about_text",
        "contact",
        "tolerance_m",
        "programme",
    ):
        op.drop_column("quartier", column)
