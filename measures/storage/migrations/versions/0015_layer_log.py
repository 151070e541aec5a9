"""The layers' change counter and log, so that a worker's index follows a change by the
records it changed instead of being built again.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "layer_changes",
        sa.Column("version", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_table(
        "layer_log",
        sa.Column("layer", sa.String(40), nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("record_id", sa.String(80)),
    )
    op.create_index("ix_layer_log_layer_version", "layer_log", ["layer", "version"])


def downgrade() -> None:
    op.drop_index("ix_layer_log_layer_version", "layer_log")
    op.drop_table("layer_log")
    with op.batch_alter_table("layer_changes") as batch:
        batch.drop_column("version")
