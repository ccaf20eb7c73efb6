"""the privacy notice's statements that are not records (the `notice` block), one row

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 17:30:00
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "notice_statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("content", JSON, nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_statements")),
    )


def downgrade() -> None:
    op.drop_table("notice_statements")
