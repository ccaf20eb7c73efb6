"""request rights: corrections, objections and suppressions

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 16:00:00
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('data_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('corrections_encrypted', sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column('objection', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True)
        )
    with op.batch_alter_table('data_request_steps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('activity', sa.String(length=100), nullable=True))
    op.create_table('suppressions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email_hash', sa.String(length=64), nullable=False),
    sa.Column('activity', sa.String(length=100), nullable=False),
    sa.Column('request_reference', sa.String(length=20), nullable=False),
    sa.Column('created_at', advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suppressions')),
    sa.UniqueConstraint('email_hash', 'activity', name=op.f('uq_suppressions_email_hash')),
    )
    with op.batch_alter_table('suppressions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_suppressions_email_hash'), ['email_hash'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('suppressions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_suppressions_email_hash'))
    op.drop_table('suppressions')
    with op.batch_alter_table('data_request_steps', schema=None) as batch_op:
        batch_op.drop_column('activity')
    with op.batch_alter_table('data_requests', schema=None) as batch_op:
        batch_op.drop_column('objection')
        batch_op.drop_column('corrections_encrypted')
