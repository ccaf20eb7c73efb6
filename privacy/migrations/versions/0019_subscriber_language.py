"""sub-processor subscribers' language: their emails are in the language they subscribed in

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Everyone who subscribed before this revision did so on the English-only page.
    with op.batch_alter_table("subprocessor_subscribers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=2), server_default="en", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("subprocessor_subscribers", schema=None) as batch_op:
        batch_op.drop_column("language")
