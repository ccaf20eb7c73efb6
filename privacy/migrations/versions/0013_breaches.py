"""the breach register (Art. 33-34) and DPIAs (Art. 35)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 19:40:00
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
    op.create_table('breaches',
    sa.Column('id', advanced_alchemy.types.GUID(length=16), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('aware_at', advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('content', json_type, nullable=False),
    sa.Column('recorded_at', advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_breaches')),
    sa.UniqueConstraint('reference', name=op.f('uq_breaches_reference'))
    )
    with op.batch_alter_table('breaches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_breaches_aware_at'), ['aware_at'], unique=False)
    op.create_table('breach_notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('breach_id', advanced_alchemy.types.GUID(length=16), nullable=False),
    sa.Column('recipient', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('phase', sa.String(length=20), nullable=False),
    sa.Column('sent_at', advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('delay_reason', sa.String(length=2000), nullable=True),
    sa.Column('authority_reference', sa.String(length=100), nullable=True),
    sa.Column('document', json_type, nullable=False),
    sa.ForeignKeyConstraint(['breach_id'], ['breaches.id'], name=op.f('fk_breach_notifications_breach_id_breaches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_breach_notifications'))
    )
    with op.batch_alter_table('breach_notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_breach_notifications_breach_id'), ['breach_id'], unique=False)
    op.create_table('dpia_screenings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity', sa.String(length=100), nullable=False),
    sa.Column('criteria', json_type, nullable=False),
    sa.Column('suggested_required', sa.Boolean(), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.String(length=200), nullable=False),
    sa.Column('decided_at', advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dpia_screenings'))
    )
    with op.batch_alter_table('dpia_screenings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dpia_screenings_activity'), ['activity'], unique=False)
    op.create_table('dpias',
    sa.Column('id', advanced_alchemy.types.GUID(length=16), nullable=False),
    sa.Column('activity', sa.String(length=100), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content', json_type, nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('signed_off_by', sa.String(length=200), nullable=True),
    sa.Column('signed_off_at', advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('review_on', sa.Date(), nullable=True),
    sa.Column('updated_at', advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dpias')),
    sa.UniqueConstraint('activity', name=op.f('uq_dpias_activity'))
    )
    with op.batch_alter_table('dpias', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dpias_review_on'), ['review_on'], unique=False)
    op.create_table('dpia_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dpia_id', advanced_alchemy.types.GUID(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('content', json_type, nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('at', advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dpia_id'], ['dpias.id'], name=op.f('fk_dpia_versions_dpia_id_dpias'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dpia_versions'))
    )
    with op.batch_alter_table('dpia_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dpia_versions_dpia_id'), ['dpia_id'], unique=False)


def downgrade() -> None:
    op.drop_table('dpia_versions')
    op.drop_table('dpias')
    op.drop_table('dpia_screenings')
    with op.batch_alter_table('breach_notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_breach_notifications_breach_id'))
    op.drop_table('breach_notifications')
    with op.batch_alter_table('breaches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_breaches_aware_at'))
    op.drop_table('breaches')
