"""external systems: one register for connectors and retention stores; audit chain head; step failures

Connectors and retention rules used to carry their own database URLs, endpoint URLs and secrets.
They now name a registered system by key; this migration registers a system for each connector
and store that had a connection (reusing one where a store reaches the same system as a
connector) and moves the secrets there, re-encrypted under the system's own context. That needs
the master secret: `privacy db upgrade` and `privacy serve` hand it to Alembic.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 19:45:35.627868
"""

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import advanced_alchemy.types
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
connectors = sa.table(
    'connectors', sa.column('id', advanced_alchemy.types.guid.GUID(length=16)), sa.column('key', sa.String),
    sa.column('kind', sa.String), sa.column('content', JSON), sa.column('secrets_encrypted', sa.Text),
    sa.column('system_key', sa.String),
)
rules = sa.table(
    'retention_rules', sa.column('id', sa.Integer), sa.column('key', sa.String), sa.column('content', JSON),
    sa.column('secrets_encrypted', sa.Text), sa.column('system_key', sa.String),
)
systems = sa.table(
    'external_systems', sa.column('id', advanced_alchemy.types.guid.GUID(length=16)), sa.column('key', sa.String),
    sa.column('name', sa.String), sa.column('kind', sa.String), sa.column('connection_encrypted', sa.Text),
    sa.column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)),
)
encryption_keys = sa.table('encryption_keys', sa.column('id', sa.Integer))


def upgrade() -> None:
    op.create_table('audit_chain_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head'))
    )
    op.execute(
        "INSERT INTO audit_chain_head (id, seq, entry_hash) "
        "SELECT 1, seq, entry_hash FROM audit_entries ORDER BY seq DESC LIMIT 1"
    )
    op.create_table('external_systems',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('connection_encrypted', sa.Text(), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_external_systems')),
    sa.UniqueConstraint('key', name=op.f('uq_external_systems_key'))
    )
    with op.batch_alter_table('connectors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('system_key', sa.String(length=100), nullable=True))
    with op.batch_alter_table('retention_rules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('system_key', sa.String(length=100), nullable=True))

    _register_inline_connections()

    with op.batch_alter_table('connectors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_connectors_system_key'), ['system_key'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_connectors_system_key_external_systems'), 'external_systems', ['system_key'], ['key'], ondelete='RESTRICT')
        batch_op.drop_column('secrets_encrypted')

    with op.batch_alter_table('data_request_steps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_error', sa.String(length=300), nullable=True))

    with op.batch_alter_table('retention_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_retention_rules_system_key'), ['system_key'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_retention_rules_system_key_external_systems'), 'external_systems', ['system_key'], ['key'], ondelete='RESTRICT')
        batch_op.drop_column('secrets_encrypted')


def downgrade() -> None:
    with op.batch_alter_table('retention_rules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('secrets_encrypted', sa.TEXT(), nullable=True))
        batch_op.drop_constraint(batch_op.f('fk_retention_rules_system_key_external_systems'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_retention_rules_system_key'))

    with op.batch_alter_table('data_request_steps', schema=None) as batch_op:
        batch_op.drop_column('last_error')

    with op.batch_alter_table('connectors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('secrets_encrypted', sa.TEXT(), nullable=True))
        batch_op.drop_constraint(batch_op.f('fk_connectors_system_key_external_systems'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_connectors_system_key'))

    _inline_registered_connections()

    with op.batch_alter_table('retention_rules', schema=None) as batch_op:
        batch_op.drop_column('system_key')
    with op.batch_alter_table('connectors', schema=None) as batch_op:
        batch_op.drop_column('system_key')
    op.drop_table('external_systems')
    op.drop_table('audit_chain_head')


class _Keys:
    """The field encryption of `privacy.keys`, for the rows that have secrets to move."""

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection
        self._keyring: Any = None
        self._active: int | None = None

    def _ring(self) -> Any:
        if self._keyring is None:
            self._keyring = context.config.attributes.get('keyring')
            if self._keyring is None:
                raise RuntimeError('moving connection secrets needs the master secret: run `privacy db upgrade`')
            self._active = self._connection.scalar(sa.select(sa.func.max(encryption_keys.c.id))) or 1
        return self._keyring

    def open(self, sealed: str | None, context_: str) -> dict[str, Any]:
        return json.loads(self._ring().decrypt(sealed, context=context_)) if sealed else {}

    def seal(self, value: dict[str, Any], context_: str) -> str:
        ring = self._ring()
        return str(ring.encrypt(json.dumps(value, sort_keys=True), key_id=self._active, context=context_))


def _register_inline_connections() -> None:
    connection = op.get_bind()
    keys = _Keys(connection)
    registered: dict[tuple[str, str, str | None], str] = {}
    for row in connection.execute(sa.select(connectors)).mappings().all():
        if row['kind'] not in ('sql', 'http'):
            continue
        secrets = keys.open(row['secrets_encrypted'], f"connector:{row['key']}:secrets")
        content = dict(row['content'])
        url = secrets.get('database_url') if row['kind'] == 'sql' else content.pop('url', None)
        key = _register(connection, keys, registered, row['key'], content.get('name', row['key']), row['kind'], url, secrets.get('secret'))
        connection.execute(sa.update(connectors).where(connectors.c.id == row['id']).values(content={**content, 'system': key}, system_key=key))
    for row in connection.execute(sa.select(rules)).mappings().all():
        content = dict(row['content'])
        store = dict(content['store'])
        if store['kind'] not in ('sql', 'http'):
            continue
        secrets = keys.open(row['secrets_encrypted'], f"retention-rule:{row['key']}:secrets")
        url = secrets.get('database_url') if store['kind'] == 'sql' else store.pop('url', None)
        key = _register(connection, keys, registered, f"{row['key']}-store"[:100], f"store of {row['key']}", store['kind'], url, secrets.get('secret'))
        content['store'] = {**store, 'system': key}
        connection.execute(sa.update(rules).where(rules.c.id == row['id']).values(content=content, system_key=key))


def _register(
    connection: sa.Connection, keys: _Keys, registered: dict[tuple[str, str, str | None], str],
    key: str, name: str, kind: str, url: str | None, secret: str | None,
) -> str:
    """The system reached at this URL with this secret: registered once, under the first key."""
    found = registered.get((kind, url or '', secret))
    if found is not None:
        return found
    while key in registered.values():
        key = f"{key[:94]}-{uuid.uuid4().hex[:4]}"
    connection.execute(sa.insert(systems).values(
        id=uuid.uuid4(), key=key, name=name[:300], kind=kind, updated_at=datetime.now(UTC),
        connection_encrypted=keys.seal({'url': url or '', 'secret': secret}, f"external-system:{key}:connection"),
    ))
    registered[(kind, url or '', secret)] = key
    return key


def _inline_registered_connections() -> None:
    connection = op.get_bind()
    keys = _Keys(connection)
    opened = {
        row['key']: keys.open(row['connection_encrypted'], f"external-system:{row['key']}:connection")
        for row in connection.execute(sa.select(systems)).mappings().all()
    }
    for row in connection.execute(sa.select(connectors)).mappings().all():
        if row['system_key'] is None:
            continue
        content = {k: v for k, v in row['content'].items() if k != 'system'}
        found = opened[row['system_key']]
        secrets = {'database_url': found['url']} if row['kind'] == 'sql' else {'secret': found['secret']}
        if row['kind'] == 'http':
            content['url'] = found['url']
        connection.execute(sa.update(connectors).where(connectors.c.id == row['id']).values(
            content=content, secrets_encrypted=keys.seal(secrets, f"connector:{row['key']}:secrets")))
    for row in connection.execute(sa.select(rules)).mappings().all():
        if row['system_key'] is None:
            continue
        content = dict(row['content'])
        store = {k: v for k, v in content['store'].items() if k != 'system'}
        found = opened[row['system_key']]
        secrets = {'database_url': found['url']} if store['kind'] == 'sql' else {'secret': found['secret']}
        if store['kind'] == 'http':
            store['url'] = found['url']
        connection.execute(sa.update(rules).where(rules.c.id == row['id']).values(
            content={**content, 'store': store}, secrets_encrypted=keys.seal(secrets, f"retention-rule:{row['key']}:secrets")))
