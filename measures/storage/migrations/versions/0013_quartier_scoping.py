"""Barrier reports belong to a Quartier, as ideas do; a Quartier has a short name.

A report is read and answered by the planners of the Quartier it was sent from; the
reports of an installation made before go to its first (or only) Quartier by slug.
Comments, photos and subscriptions need no key of their own: each follows its idea or
measure, which has one. The short name is what the site's name and texts call the
Quartier ("Quartierskarte Dalheim"); the one Quartier of an installation made before is
Dalheim, whose office is the KiFaZ (as the pages said before).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column("quartier", sa.Column("short_name", sa.Text, nullable=False, server_default=""))
    bind.execute(sa.text("UPDATE quartier SET short_name = 'Dalheim' WHERE id = 'dalheim'"))
    bind.execute(
        sa.text("UPDATE quartier SET contact = :contact WHERE id = 'dalheim' AND contact = ''"),
        {"contact": "Kinder- und Familienzentrum, Berliner Ring 39, 35576 Wetzlar"},
    )
    op.add_column("barrier_reports", sa.Column("quartier", sa.String(80)))
    first = bind.execute(sa.text("SELECT id FROM quartier ORDER BY id LIMIT 1")).scalar()
    reports = bind.execute(sa.text("SELECT count(*) FROM barrier_reports")).scalar()
    if reports and first is None:
        raise RuntimeError(
            "Die Datenbank enthält Barriere-Meldungen, aber kein Quartier, dem sie gehören "
            "könnten. Bitte zuerst ein Quartier anlegen (flask --app app quartier add)."
        )
    bind.execute(sa.text("UPDATE barrier_reports SET quartier = :id"), {"id": first})
    # Nullable first, filled, then NOT NULL with its foreign key (as in 0008).
    with op.batch_alter_table("barrier_reports") as batch:
        batch.alter_column("quartier", existing_type=sa.String(80), nullable=False)
        batch.create_foreign_key(
            "fk_barrier_reports_quartier", "quartier", ["quartier"], ["id"], ondelete="RESTRICT"
        )
        batch.create_index("ix_barrier_reports_quartier", ["quartier"])


def downgrade() -> None:
    with op.batch_alter_table("barrier_reports") as batch:
        batch.drop_index("ix_barrier_reports_quartier")
        batch.drop_constraint("fk_barrier_reports_quartier", type_="foreignkey")
        batch.drop_column("quartier")
    op.drop_column("quartier", "short_name")
