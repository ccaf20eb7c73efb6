"""post-mortem directives (art. 85 loi Informatique et Libertés)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 18:50:00
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('data_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('particulars_encrypted', sa.Text(), nullable=True))
    op.create_table('post_mortem_directives',
    sa.Column('id', advanced_alchemy.types.GUID(length=16), nullable=False),
    sa.Column('email_hash', sa.String(length=64), nullable=False),
    sa.Column('trusted_email_hash', sa.String(length=64), nullable=True),
    sa.Column('content_encrypted', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('request_reference', sa.String(length=20), nullable=False),
    sa.Column('carried_out_by', sa.String(length=20), nullable=True),
    sa.Column('left_at', advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('ended_at', advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post_mortem_directives'))
    )
    with op.batch_alter_table('post_mortem_directives', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_post_mortem_directives_email_hash'), ['email_hash'], unique=False)
        batch_op.create_index(
            'uq_post_mortem_directives_in_force',
            ['email_hash'],
            unique=True,
            sqlite_where=sa.text("status = 'in_force'"),
            postgresql_where=sa.text("status = 'in_force'"),
        )


def downgrade() -> None:
    with op.batch_alter_table('post_mortem_directives', schema=None) as batch_op:
        batch_op.drop_index('uq_post_mortem_directives_in_force')
        batch_op.drop_index(batch_op.f('ix_post_mortem_directives_email_hash'))
    op.drop_table('post_mortem_directives')
    with op.batch_alter_table('data_requests', schema=None) as batch_op:
        batch_op.drop_column('particulars_encrypted')
