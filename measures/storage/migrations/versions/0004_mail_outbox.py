"""E-mail notifications: addresses, subscriptions (double opt-in) and the outbox.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mail_addresses",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email", sa.Text, nullable=False, unique=True),
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "address_id",
            sa.Integer,
            sa.ForeignKey("mail_addresses.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("idea_id", sa.String(40), sa.ForeignKey("ideas.id", ondelete="CASCADE")),
        sa.Column("measure_id", sa.String(80), sa.ForeignKey("measures.id", ondelete="CASCADE")),
        sa.Column("author", sa.Boolean, nullable=False),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("nonce", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("address_id", "idea_id", name="uq_subscriptions_address_idea"),
        sa.UniqueConstraint("address_id", "measure_id", name="uq_subscriptions_address_measure"),
    )
    for column in ("address_id", "idea_id", "measure_id"):
        op.create_index(f"ix_subscriptions_{column}", "subscriptions", [column])
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "subscription_id",
            sa.Integer,
            sa.ForeignKey("subscriptions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True)),
        sa.Column("claim", sa.String(32)),
        sa.Column("last_error", sa.String(80)),
    )
    op.create_index("ix_mail_outbox_subscription_id", "mail_outbox", ["subscription_id"])
    op.create_index("ix_mail_outbox_next_attempt_at", "mail_outbox", ["next_attempt_at"])


def downgrade() -> None:
    op.drop_table("mail_outbox")
    op.drop_table("subscriptions")
    op.drop_table("mail_addresses")
