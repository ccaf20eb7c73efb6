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
            sa.Column('scope', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True)
        )
        batch_op.add_column(sa.Column('restriction_ground', sa.String(length=30), nullable=True))
    with op.batch_alter_table('data_request_steps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('activity', sa.String(length=100), nullable=True))
    json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
    op.create_table('data_request_recipients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', advanced_alchemy.types.GUID(length=16), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=30), nullable=True),
    sa.Column('decided_at', advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('actor', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['data_requests.id'], name=op.f('fk_data_request_recipients_request_id_data_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_request_recipients')),
    )
    with op.batch_alter_table('data_request_recipients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_request_recipients_request_id'), ['request_id'], unique=False)
    op.create_table('recorded_consents',
    sa.Column('id', advanced_alchemy.types.GUID(length=16), nullable=False),
    sa.Column('email_hash', sa.String(length=64), nullable=False),
    sa.Column('email_encrypted', sa.Text(), nullable=False),
    sa.Column('activity', sa.String(length=100), nullable=False),
    sa.Column('wording', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('given_at', advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('withdrawn_at', advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('withdrawal_reference', sa.String(length=20), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recorded_consents')),
    )
    with op.batch_alter_table('recorded_consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recorded_consents_email_hash'), ['email_hash'], unique=False)
    op.create_table('restrictions',
    sa.Column('id', advanced_alchemy.types.GUID(length=16), nullable=False),
    sa.Column('request_reference', sa.String(length=20), nullable=False),
    sa.Column('email_hash', sa.String(length=64), nullable=False),
    sa.Column('email_encrypted', sa.Text(), nullable=False),
    sa.Column('ground', sa.String(length=30), nullable=True),
    sa.Column('systems', json_type, nullable=False),
    sa.Column('placed_at', advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('lift_reason_encrypted', sa.Text(), nullable=True),
    sa.Column('lift_at', advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('lifted_in', json_type, nullable=False),
    sa.Column('lifted_at', advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('lease_until', advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_restrictions')),
    sa.UniqueConstraint('request_reference', name=op.f('uq_restrictions_request_reference')),
    )
    with op.batch_alter_table('restrictions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_restrictions_email_hash'), ['email_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_restrictions_lift_at'), ['lift_at'], unique=False)
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
    with op.batch_alter_table('restrictions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_restrictions_lift_at'))
        batch_op.drop_index(batch_op.f('ix_restrictions_email_hash'))
    op.drop_table('restrictions')
    with op.batch_alter_table('recorded_consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recorded_consents_email_hash'))
    op.drop_table('recorded_consents')
    with op.batch_alter_table('data_request_recipients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_request_recipients_request_id'))
    op.drop_table('data_request_recipients')
    with op.batch_alter_table('suppressions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_suppressions_email_hash'))
    op.drop_table('suppressions')
    with op.batch_alter_table('data_request_steps', schema=None) as batch_op:
        batch_op.drop_column('activity')
    with op.batch_alter_table('data_requests', schema=None) as batch_op:
        batch_op.drop_column('restriction_ground')
        batch_op.drop_column('scope')
        batch_op.drop_column('corrections_encrypted')
