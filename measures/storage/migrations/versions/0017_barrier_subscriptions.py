"""A reported barrier can be followed by e-mail: its reporter hears of the answer once
their address is confirmed (the same subscriptions and outbox as the ideas').

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode: SQLite cannot add a foreign key or a constraint to a table in place.
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("barrier_report_id", sa.String(40), nullable=True))
        batch.create_foreign_key(
            "fk_subscriptions_barrier_report_id",
            "barrier_reports",
            ["barrier_report_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_unique_constraint(
            "uq_subscriptions_address_barrier", ["address_id", "barrier_report_id"]
        )
        batch.create_index("ix_subscriptions_barrier_report_id", ["barrier_report_id"])


def downgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_index("ix_subscriptions_barrier_report_id")
        batch.drop_constraint("uq_subscriptions_address_barrier", type_="unique")
        batch.drop_constraint("fk_subscriptions_barrier_report_id", type_="foreignkey")
        batch.drop_column("barrier_report_id")
