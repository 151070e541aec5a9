"""The idea workflow: private status links, moderation fields, planners' accounts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, which SQLite does in place: a batch "recreate" would drop the
    # table, and with foreign keys on, that would cascade into the ideas' contacts.
    op.add_column("ideas", sa.Column("status_token_hash", sa.String(64)))
    op.add_column("ideas", sa.Column("original_title", sa.Text))
    op.add_column("ideas", sa.Column("original_description", sa.Text))
    op.add_column("ideas", sa.Column("duplicate_of", sa.String(40)))
    op.add_column("ideas", sa.Column("measure_id", sa.String(80)))
    op.add_column("ideas", sa.Column("decided_at", sa.DateTime(timezone=True)))
    op.create_index("ix_ideas_status_token_hash", "ideas", ["status_token_hash"], unique=True)
    op.create_table(
        "planners",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(80), nullable=False, unique=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("session_nonce", sa.String(64), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("planners")
    op.drop_index("ix_ideas_status_token_hash", "ideas")
    for column in (
        "decided_at",
        "measure_id",
        "duplicate_of",
        "original_description",
        "original_title",
        "status_token_hash",
    ):
        op.drop_column("ideas", column)
