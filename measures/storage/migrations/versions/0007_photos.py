"""Photos of ideas and measures.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "photos",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("idea_id", sa.String(40), sa.ForeignKey("ideas.id", ondelete="CASCADE")),
        sa.Column(
            "measure_id",
            sa.String(80),
            sa.ForeignKey("measures.id", ondelete="CASCADE"),
        ),
        sa.Column("alt_text", sa.Text, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.Text, nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
    )
    for column in ("idea_id", "measure_id", "state"):
        op.create_index(f"ix_photos_{column}", "photos", [column])


def downgrade() -> None:
    for column in ("idea_id", "measure_id", "state"):
        op.drop_index(f"ix_photos_{column}", "photos")
    op.drop_table("photos")
