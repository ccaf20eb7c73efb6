"""Key rotation: a new field-encryption key id, then every stored field re-encrypted under it.

Old key ids stay derivable from the master secret, so fields not yet re-encrypted remain readable
while the sweep runs: the service keeps answering throughout (no downtime)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from dsar.models import DataRequest, RequestEvent
from privacy.actors import Actor
from privacy.audit import payload_context, record_change
from privacy.auth import email_context
from privacy.db import SessionFactory
from privacy.keys import ACTIVE_KEY_ID, active_key_id, key_id_of, keyring_of
from privacy.models import AuditEntry, EncryptionKey, ExternalSystem, OutboxMessage, StaffUser
from retention.models import LegalHold
from subprocessors.models import Objection, Subscriber

BATCH = 500


@dataclass(frozen=True)
class EncryptedColumn:
    name: str
    key: InstrumentedAttribute[Any]
    column: InstrumentedAttribute[Any]
    context: Callable[[Any], str]


ENCRYPTED_COLUMNS = [
    EncryptedColumn("staff email", StaffUser.id, StaffUser.email_encrypted, lambda row: email_context(row.id)),
    EncryptedColumn(
        "audit before", AuditEntry.seq, AuditEntry.before_encrypted, lambda row: payload_context(row.seq, "before")
    ),
    EncryptedColumn(
        "audit after", AuditEntry.seq, AuditEntry.after_encrypted, lambda row: payload_context(row.seq, "after")
    ),
    EncryptedColumn(
        "mail recipient", OutboxMessage.id, OutboxMessage.recipient_encrypted, lambda r: f"outbox:{r.id}:to"
    ),
    EncryptedColumn("mail body", OutboxMessage.id, OutboxMessage.body_encrypted, lambda r: f"outbox:{r.id}:body"),
    EncryptedColumn("request email", DataRequest.id, DataRequest.email_encrypted, lambda r: f"request:{r.id}:email"),
    EncryptedColumn("request name", DataRequest.id, DataRequest.name_encrypted, lambda r: f"request:{r.id}:name"),
    EncryptedColumn(
        "request details", DataRequest.id, DataRequest.details_encrypted, lambda r: f"request:{r.id}:details"
    ),
    EncryptedColumn(
        "request note", RequestEvent.id, RequestEvent.note_encrypted, lambda r: f"request:{r.request_id}:event"
    ),
    EncryptedColumn(
        "other systems' connections",
        ExternalSystem.id,
        ExternalSystem.connection_encrypted,
        lambda r: f"external-system:{r.key}:connection",
    ),
    EncryptedColumn("legal hold subject", LegalHold.id, LegalHold.subject_encrypted, lambda r: "legal-hold:subject"),
    EncryptedColumn(
        "subscriber email", Subscriber.id, Subscriber.email_encrypted, lambda r: f"subprocessor-subscriber:{r.id}:email"
    ),
    EncryptedColumn("objection email", Objection.id, Objection.email_encrypted, lambda r: f"objection:{r.id}:email"),
    EncryptedColumn("objection reason", Objection.id, Objection.reason_encrypted, lambda r: f"objection:{r.id}:reason"),
]

Progress = Callable[[str, int], None]


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
    for target in ENCRYPTED_COLUMNS:
        total += await _reencrypt_column(sessions, target, key_id=key_id, progress=progress)
    return total


async def _reencrypt_column(
    sessions: SessionFactory, target: EncryptedColumn, *, key_id: int, progress: Progress
) -> int:
    done, after = 0, None
    while True:
        async with sessions() as session, session.begin():
            query = select(target.key.class_).where(target.column.is_not(None)).order_by(target.key).limit(BATCH)
            if after is not None:
                query = query.where(target.key > after)
            rows = (await session.scalars(query)).all()
            if not rows:
                return done
            keyring = keyring_of(session)
            for row in rows:
                sealed = getattr(row, target.column.key)
                if key_id_of(sealed) != key_id:
                    context = target.context(row)
                    plain = keyring.decrypt(sealed, context=context)
                    setattr(row, target.column.key, keyring.encrypt(plain, key_id=key_id, context=context))
                    done += 1
            after = getattr(rows[-1], target.key.key)
        progress(target.name, len(rows))


async def fields_per_key(session: AsyncSession) -> dict[int, int]:
    """How many stored fields each key id still protects."""
    counts: dict[int, int] = {}
    for target in ENCRYPTED_COLUMNS:
        rows = await session.execute(select(target.column).where(target.column.is_not(None)))
        for (sealed,) in rows:
            counts[key_id_of(sealed)] = counts.get(key_id_of(sealed), 0) + 1
    return dict(sorted(counts.items()))


async def count_encrypted(session: AsyncSession) -> int:
    total = 0
    for target in ENCRYPTED_COLUMNS:
        total += int(await session.scalar(select(func.count()).where(target.column.is_not(None))) or 0)
    return total
