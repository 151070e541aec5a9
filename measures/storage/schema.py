"""The tables, as SQLAlchemy Core metadata.

The tables of the four layers are derived from their declared fields
(``measures.domain.model``); a new field needs its migration beside, and a test compares
the migrated database with this metadata.

Every spatial table keeps its geometry as WKB in ``geom_wkb`` (EPSG:4326) with its bounding
box in four plain columns, which works on every backend. On PostgreSQL the migration adds
a generated PostGIS column ``geom`` with a GiST index beside it (see ``spatial.py``), so
PostGIS is an addition to this schema, not a second one.
"""

from __future__ import annotations

import sqlalchemy as sa

from measures.domain.fields import Field
from measures.domain.layers import LAYERS, Layer

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


# Texts up to this length are keys of other records and stored as VARCHAR.
_KEY_LENGTH = 80
_INT32_MAX = 2**31 - 1


def _type(field: Field) -> sa.types.TypeEngine:
    """The column type of a declared field, by its kind."""
    if field.kind in ("id", "choice"):
        return sa.String(field.max_length)
    if field.kind == "text":
        short = field.max_length is not None and field.max_length <= _KEY_LENGTH
        return sa.String(field.max_length) if short else sa.Text()
    if field.kind == "int":
        big = field.maximum is not None and field.maximum > _INT32_MAX
        return sa.BigInteger() if big else sa.Integer()
    if field.kind == "fraction":
        return sa.Float()
    if field.kind == "bool":
        return sa.Boolean()
    if field.kind == "datetime":
        return sa.DateTime(timezone=True)
    if field.kind in ("sources", "timeline"):
        return sa.JSON()
    raise ValueError(f"no column type for a field of kind {field.kind!r}")


def _layer_table(layer: Layer, *extra: sa.Column) -> sa.Table:
    """The table of a layer: a column per declared field, the geometry as WKB with its
    bounding box, the time of the last change (which the store writes) and ``extra``."""
    columns = [
        sa.Column(
            name,
            _type(field),
            primary_key=field.kind == "id",
            nullable=field.optional,
            index=field.indexed,
        )
        for name, field in layer.fields
        if field.kind != "geometry" and name != "updated_at"
    ]
    return sa.Table(
        layer.name,
        metadata,
        *columns,
        *_spatial_columns(),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        *extra,
    )


def list_order(layer: str) -> tuple[sa.ColumnElement, ...]:
    """The ORDER BY of a layer's lists, as the layer declares it ("-" for descending)."""
    t = metadata.tables[layer]
    return tuple(
        t.c[column[1:]].desc() if column.startswith("-") else t.c[column]
        for column in LAYERS[layer].order
    )


quartier = _layer_table(LAYERS["quartier"])
measures = _layer_table(LAYERS["measures"])
locations = _layer_table(LAYERS["locations"])
ideas = _layer_table(
    LAYERS["ideas"],
    # The hash of the author's private status link (the link itself is never stored).
    sa.Column("status_token_hash", sa.String(64), index=True, unique=True),
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
