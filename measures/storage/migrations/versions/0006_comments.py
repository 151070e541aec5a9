"""Comments on approved ideas and on measures, with their moderation history.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "comments",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("idea_id", sa.String(40), sa.ForeignKey("ideas.id", ondelete="CASCADE")),
        sa.Column("measure_id", sa.String(80), sa.ForeignKey("measures.id", ondelete="CASCADE")),
        sa.Column("parent_id", sa.String(40), sa.ForeignKey("comments.id", ondelete="CASCADE")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("author_name", sa.Text, nullable=False),
        sa.Column("official", sa.Boolean, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True)),
    )
    for column in ("idea_id", "measure_id", "parent_id", "state"):
        op.create_index(f"ix_comments_{column}", "comments", [column])
    op.create_table(
        "comment_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "comment_id",
            sa.String(40),
            sa.ForeignKey("comments.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
    )
    op.create_index("ix_comment_events_comment_id", "comment_events", ["comment_id"])


def downgrade() -> None:
    op.drop_table("comment_events")
    op.drop_index("ix_comments_state", "comments")
    for column in ("parent_id", "measure_id", "idea_id"):
        op.drop_index(f"ix_comments_{column}", "comments")
    op.drop_table("comments")
