"""Sessions of the Stadtteilbeirat and their agenda items with outcomes.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "beirat_sessions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "quartier",
            sa.String(80),
            sa.ForeignKey("quartier.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("address", sa.String(300), nullable=False),
        sa.Column("public", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Text, nullable=False),
    )
    op.create_index("ix_beirat_sessions_quartier", "beirat_sessions", ["quartier"])
    op.create_table(
        "beirat_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "session_id",
            sa.Integer,
            sa.ForeignKey("beirat_sessions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("ref", sa.String(80), nullable=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("votes_yes", sa.Integer, nullable=True),
        sa.Column("votes_no", sa.Integer, nullable=True),
        sa.Column("votes_abstain", sa.Integer, nullable=True),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column(
            "step_id",
            sa.Integer,
            sa.ForeignKey("measure_steps.id", ondelete="SET NULL"),
            nullable=True,
        ),
    )
    op.create_index("ix_beirat_items_session_id", "beirat_items", ["session_id"])
    op.create_index("ix_beirat_items_ref", "beirat_items", ["ref"])


def downgrade() -> None:
    op.drop_index("ix_beirat_items_ref", "beirat_items")
    op.drop_index("ix_beirat_items_session_id", "beirat_items")
    op.drop_table("beirat_items")
    op.drop_index("ix_beirat_sessions_quartier", "beirat_sessions")
    op.drop_table("beirat_sessions")
