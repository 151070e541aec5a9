"""Versions of measures and places: every change, who made it, and the record after it.

Every record there is gets a first version, as it is now, by "System": its history begins
with the migration.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

import warnings

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "record_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("layer", sa.String(20), nullable=False),
        sa.Column("record_id", sa.String(80), nullable=False),
        sa.Column("quartier", sa.String(80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("changed", sa.JSON, nullable=False),
        sa.Column("properties", sa.JSON, nullable=False),
        sa.Column("geom_wkb", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_record_versions_record", "record_versions", ["layer", "record_id", "id"])
    _first_versions(op.get_bind())


# Columns of a layer's table that are not the record's fields.
_NOT_PROPERTIES = {"geom_wkb", "geom_type", "minx", "miny", "maxx", "maxy", "geom", "updated_at"}


def _first_versions(bind) -> None:
    """The records of an older installation: their first version is the state they are in."""
    tables = sa.MetaData()
    with warnings.catch_warnings():
        # PostGIS's generated column ``geom``, which SQLAlchemy does not know; not read.
        warnings.filterwarnings("ignore", "Did not recognize type", sa.exc.SAWarning)
        tables.reflect(bind, only=["measures", "locations", "record_versions"])
    versions = tables.tables["record_versions"]
    for layer in ("measures", "locations"):
        table = tables.tables[layer]
        for row in bind.execute(sa.select(table)).mappings():
            properties = {
                k: v.isoformat() if hasattr(v, "isoformat") else v
                for k, v in row.items()
                if k not in _NOT_PROPERTIES
            }
            bind.execute(
                versions.insert().values(
                    layer=layer,
                    record_id=row["id"],
                    quartier=row["quartier"],
                    at=row["updated_at"],
                    action="created",
                    source="system",
                    author="",
                    changed=[],
                    properties=properties,
                    geom_wkb=row["geom_wkb"],
                )
            )


def downgrade() -> None:
    op.drop_index("ix_record_versions_record", "record_versions")
    op.drop_table("record_versions")
