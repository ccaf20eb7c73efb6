"""Key rotation: a new field-encryption key id, then every stored field re-encrypted under it.

The fields are found in the models' metadata: every column declared with `encrypted(context)`
(`privacy.db`), whatever domain it belongs to. Old key ids stay derivable from the master secret, so
fields not yet re-encrypted remain readable while the sweep runs: the service keeps answering
throughout (no downtime)."""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Column, Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from privacy.actors import Actor
from privacy.audit import record_change
from privacy.db import ENCRYPTION_CONTEXT, Base, SessionFactory
from privacy.keys import ACTIVE_KEY_ID, active_key_id, key_id_of, keyring_of
from privacy.models import EncryptionKey

BATCH = 500
Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class EncryptedColumn:
    table: Table
    column: Column[str]
    context: str  # with the names of the row's columns in braces

    @property
    def name(self) -> str:
        return f"{self.table.name}.{self.column.name}"

    @property
    def key(self) -> Column[object]:
        [key] = self.table.primary_key.columns
        return key

    @property
    def context_columns(self) -> list[Column[object]]:
        names = [name for _, name, _, _ in string.Formatter().parse(self.context) if name]
        return [self.table.c[name] for name in dict.fromkeys(names)]


def encrypted_columns() -> list[EncryptedColumn]:
    return [
        EncryptedColumn(table, column, column.info[ENCRYPTION_CONTEXT])
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if ENCRYPTION_CONTEXT in column.info
    ]


async def start_rotation(session: AsyncSession, *, actor: Actor) -> int:
    new_id = await active_key_id(session) + 1
    session.add(EncryptionKey(id=new_id))
    await session.flush()
    session.info.pop(ACTIVE_KEY_ID, None)  # from now on this transaction encrypts under the new key
    await record_change(
        session,
        actor=actor,
        action="keys.rotated",
        object_type="encryption_key",
        object_id=str(new_id),
        before=None,
        after={"key_id": new_id},
    )
    return new_id


async def reencrypt_all(sessions: SessionFactory, *, key_id: int, progress: Progress) -> int:
    """Re-encrypt every field not under `key_id`, a batch per transaction. Safe to run again."""
    total = 0
    for target in encrypted_columns():
        total += await _reencrypt_column(sessions, target, key_id=key_id, progress=progress)
    return total


async def _reencrypt_column(
    sessions: SessionFactory, target: EncryptedColumn, *, key_id: int, progress: Progress
) -> int:
    done, after = 0, None
    key = target.key
    while True:
        async with sessions() as session, session.begin():
            query = select(key, target.column, *target.context_columns).where(target.column.is_not(None))
            if after is not None:
                query = query.where(key > after)
            rows = (await session.execute(query.order_by(key).limit(BATCH))).mappings().all()
            if not rows:
                return done
            keyring = keyring_of(session)
            for row in rows:
                sealed = row[target.column.name]
                if key_id_of(sealed) == key_id:
                    continue
                context = target.context.format(**row)
                plain = keyring.decrypt(sealed, context=context)
                sealed_again = keyring.encrypt(plain, key_id=key_id, context=context)
                await session.execute(
                    update(target.table).where(key == row[key.name]).values({target.column: sealed_again})
                )
                done += 1
            after = rows[-1][key.name]
        progress(target.name, len(rows))


async def fields_per_key(session: AsyncSession) -> dict[int, int]:
    """How many stored fields each key id still protects."""
    counts: dict[int, int] = {}
    for target in encrypted_columns():
        for (sealed,) in await session.execute(select(target.column).where(target.column.is_not(None))):
            counts[key_id_of(sealed)] = counts.get(key_id_of(sealed), 0) + 1
    return dict(sorted(counts.items()))


async def count_encrypted(session: AsyncSession) -> int:
    total = 0
    for target in encrypted_columns():
        found = select(func.count()).select_from(target.table).where(target.column.is_not(None))
        total += int(await session.scalar(found) or 0)
    return total
