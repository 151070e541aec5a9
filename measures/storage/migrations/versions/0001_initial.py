"""The initial schema: Quartier, measures, locations, ideas with contacts and history.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _spatial_columns():
    return [
        sa.Column("geom_wkb", sa.LargeBinary, nullable=False),
        sa.Column("geom_type", sa.String(20), nullable=False),
        sa.Column("minx", sa.Float, nullable=False),
        sa.Column("miny", sa.Float, nullable=False),
        sa.Column("maxx", sa.Float, nullable=False),
        sa.Column("maxy", sa.Float, nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "quartier",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("accuracy", sa.String(20), nullable=False),
        sa.Column("sources", sa.JSON, nullable=False),
        *_spatial_columns(),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "measures",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("accuracy", sa.String(20), nullable=False),
        sa.Column("sources", sa.JSON, nullable=False),
        sa.Column("timeline", sa.JSON, nullable=False),
        sa.Column("cost_eur", sa.BigInteger),
        sa.Column("cost_is_estimate", sa.Boolean, nullable=False),
        sa.Column("funding_share", sa.Float),
        sa.Column("funding_programme", sa.Text, nullable=False),
        sa.Column("start_year", sa.Integer),
        sa.Column("end_year", sa.Integer),
        *_spatial_columns(),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_measures_category", "measures", ["category"])
    op.create_index("ix_measures_status", "measures", ["status"])
    op.create_table(
        "locations",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("contact", sa.Text, nullable=False),
        sa.Column("opening_hours", sa.Text, nullable=False),
        sa.Column("accuracy", sa.String(20), nullable=False),
        sa.Column("sources", sa.JSON, nullable=False),
        *_spatial_columns(),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_locations_kind", "locations", ["kind"])
    op.create_table(
        "ideas",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("moderation_state", sa.String(20), nullable=False),
        sa.Column("moderation_reason", sa.Text, nullable=False),
        sa.Column("supports", sa.Integer, nullable=False),
        *_spatial_columns(),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_ideas_category", "ideas", ["category"])
    op.create_index("ix_ideas_moderation_state", "ideas", ["moderation_state"])
    op.create_table(
        "idea_contacts",
        sa.Column(
            "idea_id",
            sa.String(40),
            sa.ForeignKey("ideas.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("author_name", sa.Text, nullable=False),
        sa.Column("email", sa.Text, nullable=False),
    )
    op.create_table(
        "idea_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "idea_id", sa.String(40), sa.ForeignKey("ideas.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
    )
    op.create_index("ix_idea_events_idea_id", "idea_events", ["idea_id"])
    op.create_table(
        "layer_changes",
        sa.Column("layer", sa.String(40), primary_key=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        # PostGIS beside the portable WKB column: a generated geometry column that the
        # database keeps in step by itself, with a GiST index for bbox and geofence queries.
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        for table in ("quartier", "measures", "locations", "ideas"):
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN geom geometry(Geometry, 4326) "
                "GENERATED ALWAYS AS (ST_GeomFromWKB(geom_wkb, 4326)) STORED"
            )
            op.execute(f"CREATE INDEX ix_{table}_geom ON {table} USING GIST (geom)")


def downgrade() -> None:
    for table in (
        "layer_changes",
        "idea_events",
        "idea_contacts",
        "ideas",
        "locations",
        "measures",
        "quartier",
    ):
        op.drop_table(table)
