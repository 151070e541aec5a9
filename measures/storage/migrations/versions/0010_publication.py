"""Measures and places are drafts until published; places get accessibility notes.

``publication`` is "draft", "published" or "archived" (``measures.domain.editing``); only
published records are public. Every record there is was public before: it stays published.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("measures", "locations"):
        op.add_column(
            table,
            sa.Column("publication", sa.String(20), nullable=False, server_default="published"),
        )
        op.create_index(f"ix_{table}_publication", table, ["publication"])
    op.add_column(
        "locations", sa.Column("accessibility", sa.Text, nullable=False, server_default="")
    )


def downgrade() -> None:
    op.drop_column("locations", "accessibility")
    for table in ("measures", "locations"):
        op.drop_index(f"ix_{table}_publication", table_name=table)
        op.drop_column(table, "publication")
