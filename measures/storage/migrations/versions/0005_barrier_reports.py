"""Barriers residents report from the accessibility statement.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "barrier_reports",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("where_text", sa.Text, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True)),
        sa.Column("answered_by", sa.Text, nullable=False),
        sa.Column("email", sa.Text),
        sa.Column("status_token_hash", sa.String(64), nullable=False, unique=True),
    )
    op.create_index("ix_barrier_reports_state", "barrier_reports", ["state"])


def downgrade() -> None:
    op.drop_index("ix_barrier_reports_state", "barrier_reports")
    op.drop_table("barrier_reports")
