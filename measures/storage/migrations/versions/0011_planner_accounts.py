"""Planners' accounts in the browser: e-mail, second factor, setup links, the accounts' log.

A planner made before keeps their password and sessions and has no second factor. An
account invited in the browser has no password (an empty hash) until its setup link is used.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("planners") as batch:
        batch.add_column(sa.Column("email", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("totp_secret", sa.String(64), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.BigInteger, nullable=True))
        batch.add_column(
            sa.Column("totp_required", sa.Boolean, nullable=False, server_default=sa.false())
        )
    op.create_table(
        "planner_setup_links",
        sa.Column(
            "planner_id",
            sa.Integer,
            sa.ForeignKey("planners.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "planner_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("planner", sa.Text, nullable=False),
        sa.Column("quartier", sa.String(80), nullable=True, index=True),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_table(
        "planner_settings",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("planner_settings")
    op.drop_table("planner_events")
    op.drop_table("planner_setup_links")
    with op.batch_alter_table("planners") as batch:
        batch.drop_column("totp_required")
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_secret")
        batch.drop_column("email")
