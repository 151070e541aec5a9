"""An author's request for news of their idea, kept with the contact data until the
mail job subscribes the address (``MailRepository.subscribe_authors``).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("idea_contacts", sa.Column("notify_language", sa.String(5)))


def downgrade() -> None:
    with op.batch_alter_table("idea_contacts") as batch:
        batch.drop_column("notify_language")
