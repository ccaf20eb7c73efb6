"""retention rules await review: a new or changed rule runs once a person approves its dry run

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rules saved before this revision ran without review: they stay approved.
    with op.batch_alter_table("retention_rules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("awaiting_review", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("retention_rules", schema=None) as batch_op:
        batch_op.drop_column("awaiting_review")
