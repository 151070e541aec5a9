"""Planners' roles per Quartier.

Every planner of an installation made before could do everything in its one Quartier:
each gets the role "admin" in every Quartier there is.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "planner_roles",
        sa.Column(
            "planner_id",
            sa.Integer,
            sa.ForeignKey("planners.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "quartier",
            sa.String(80),
            sa.ForeignKey("quartier.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("role", sa.String(20), primary_key=True),
    )
    op.execute(
        "INSERT INTO planner_roles (planner_id, quartier, role) "
        "SELECT planners.id, quartier.id, 'admin' FROM planners CROSS JOIN quartier"
    )


def downgrade() -> None:
    op.drop_table("planner_roles")
