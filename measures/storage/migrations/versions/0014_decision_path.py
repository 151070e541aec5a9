"""A measure's decision path as records: steps with their PDF files.

Every measure's timeline becomes its steps (from a file: a later seed load or import may
replace them while no planner has changed one); the body of a step is the usual one of its
status. The measure's status stays as it was: a measure whose status contradicts its
timeline is reported by the next seed load.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# As in measures.domain.vocabulary.DEFAULT_BODIES when this migration was written.
_DEFAULT_BODIES = {
    "idee": "quartiersmanagement",
    "im_beirat_vorgestellt": "stadtteilbeirat",
    "vom_beirat_empfohlen": "stadtteilbeirat",
    "vom_parlament_beschlossen": "stadtverordnetenversammlung",
    "in_umsetzung": "magistrat",
    "abgeschlossen": "magistrat",
    "zurueckgestellt": "quartiersmanagement",
    "abgelehnt": "quartiersmanagement",
}


def upgrade() -> None:
    steps = op.create_table(
        "measure_steps",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "measure_id",
            sa.String(80),
            sa.ForeignKey("measures.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("date", sa.String(10), nullable=False),
        sa.Column("body", sa.String(40), nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("reference", sa.String(200), nullable=False),
        sa.Column("minutes_url", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Text, nullable=False),
    )
    op.create_index("ix_measure_steps_measure_id", "measure_steps", ["measure_id"])
    op.create_table(
        "measure_step_files",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "step_id",
            sa.Integer,
            sa.ForeignKey("measure_steps.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("key", sa.String(100), nullable=False, unique=True),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_measure_step_files_step_id", "measure_step_files", ["step_id"])
    connection = op.get_bind()
    now = datetime.now(UTC)
    found = []
    for measure_id, timeline in connection.execute(sa.text("SELECT id, timeline FROM measures")):
        if isinstance(timeline, str):
            timeline = json.loads(timeline)
        for position, step in enumerate(timeline or []):
            found.append(
                {
                    "measure_id": measure_id,
                    "position": position,
                    "date": step.get("date") or "",
                    "body": step.get("body")
                    or _DEFAULT_BODIES.get(step["status"], "quartiersmanagement"),
                    "status": step["status"],
                    "reference": step.get("reference") or "",
                    "minutes_url": "",
                    "note": step.get("note") or "",
                    "origin": "file",
                    "updated_at": now,
                    "updated_by": "",
                }
            )
    if found:
        op.bulk_insert(steps, found)


def downgrade() -> None:
    op.drop_index("ix_measure_step_files_step_id", "measure_step_files")
    op.drop_table("measure_step_files")
    op.drop_index("ix_measure_steps_measure_id", "measure_steps")
    op.drop_table("measure_steps")
