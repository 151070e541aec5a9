"""The tables, as SQLAlchemy Core metadata.

Every spatial table keeps its geometry as WKB in ``geom_wkb`` (EPSG:4326) with its bounding
box in four plain columns, which works on every backend. On PostgreSQL the migration adds
a generated PostGIS column ``geom`` with a GiST index beside it (see ``spatial.py``), so
PostGIS is an addition to this schema, not a second one.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()


def _spatial_columns() -> list[sa.Column]:
    return [
        sa.Column("geom_wkb", sa.LargeBinary, nullable=False),
        sa.Column("geom_type", sa.String(20), nullable=False),
        sa.Column("minx", sa.Float, nullable=False),
        sa.Column("miny", sa.Float, nullable=False),
        sa.Column("maxx", sa.Float, nullable=False),
        sa.Column("maxy", sa.Float, nullable=False),
    ]


quartier = sa.Table(
    "quartier",
    metadata,
    sa.Column("id", sa.String(80), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("accuracy", sa.String(20), nullable=False),
    sa.Column("sources", sa.JSON, nullable=False),
    *_spatial_columns(),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

measures = sa.Table(
    "measures",
    metadata,
    sa.Column("id", sa.String(80), primary_key=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("category", sa.String(40), nullable=False, index=True),
    sa.Column("status", sa.String(40), nullable=False, index=True),
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

locations = sa.Table(
    "locations",
    metadata,
    sa.Column("id", sa.String(80), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("kind", sa.String(40), nullable=False, index=True),
    sa.Column("address", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("contact", sa.Text, nullable=False),
    sa.Column("opening_hours", sa.Text, nullable=False),
    sa.Column("accuracy", sa.String(20), nullable=False),
    sa.Column("sources", sa.JSON, nullable=False),
    *_spatial_columns(),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

ideas = sa.Table(
    "ideas",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("category", sa.String(40), nullable=False, index=True),
    sa.Column("moderation_state", sa.String(20), nullable=False, index=True),
    sa.Column("moderation_reason", sa.Text, nullable=False),
    sa.Column("supports", sa.Integer, nullable=False),
    *_spatial_columns(),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    # The hash of the author's private status link (the link itself is never stored).
    sa.Column("status_token_hash", sa.String(64), unique=True),
    sa.Column("original_title", sa.Text),
    sa.Column("original_description", sa.Text),
    sa.Column("duplicate_of", sa.String(40)),
    sa.Column("measure_id", sa.String(80)),
    sa.Column("decided_at", sa.DateTime(timezone=True)),
)

# Personal data given with an idea, apart from the public record so that no public query
# can reach it by accident; deleting the idea deletes it.
idea_contacts = sa.Table(
    "idea_contacts",
    metadata,
    sa.Column(
        "idea_id", sa.String(40), sa.ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("author_name", sa.Text, nullable=False),
    sa.Column("email", sa.Text, nullable=False),
)

# The moderation history of ideas: who changed what, when and why.
idea_events = sa.Table(
    "idea_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "idea_id",
        sa.String(40),
        sa.ForeignKey("ideas.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
)

# When each layer last changed; bumped in the same transaction as the change, so that
# Last-Modified also moves when a feature is deleted.
layer_changes = sa.Table(
    "layer_changes",
    metadata,
    sa.Column("layer", sa.String(40), primary_key=True),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
)

planners = sa.Table(
    "planners",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(80), nullable=False, unique=True),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("session_nonce", sa.String(64), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# Every export of residents' contact data: who, when, what (layer, format, filters), how
# many records. Kept apart from the ideas so that deleting an idea leaves the record.
contact_exports = sa.Table(
    "contact_exports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("what", sa.Text, nullable=False),
    sa.Column("records", sa.Integer, nullable=False),
)

SPATIAL_TABLES = (quartier, measures, locations, ideas)
