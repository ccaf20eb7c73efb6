"""The audit trail: every change, by anyone, appended to a keyed hash chain."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from privacy.actors import Actor
from privacy.db import utcnow
from privacy.keys import DecryptionFailed, decrypt_field, encrypt_field, keyring_of
from privacy.models import AuditEntry

GENESIS = "0" * 64
# Serialises appenders on PostgreSQL so two transactions never fork the chain; SQLite has one writer.
CHAIN_LOCK_ID = 7_301_452


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def payload_context(seq: int, side: str) -> str:
    return f"audit:{seq}:{side}"


async def record_change(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    now: datetime | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction, so the change and its record commit together."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": CHAIN_LOCK_ID})
    last = await session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
    seq = last.seq + 1 if last else 1
    keyring = keyring_of(session)
    entry = AuditEntry(
        seq=seq,
        at=now or utcnow(),
        actor=actor.reference,
        action=action,
        object_type=object_type,
        object_id=object_id,
        before_encrypted=await _seal(session, before, payload_context(seq, "before")),
        after_encrypted=await _seal(session, after, payload_context(seq, "after")),
        payload_digest=_digest(keyring.audit_key, before, after),
        prev_hash=last.entry_hash if last else GENESIS,
    )
    entry.entry_hash = _entry_hash(keyring.audit_key, entry)
    session.add(entry)
    await session.flush()
    return entry


async def _seal(session: AsyncSession, payload: dict[str, Any] | None, context: str) -> str | None:
    if payload is None:
        return None
    return await encrypt_field(session, canonical(payload).decode(), context=context)


def _digest(key: bytes, before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    return hmac.new(key, canonical({"before": before, "after": after}), hashlib.sha256).hexdigest()


def _entry_hash(key: bytes, entry: AuditEntry) -> str:
    fields = {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "payload_digest": entry.payload_digest,
        "prev_hash": entry.prev_hash,
    }
    return hmac.new(key, canonical(fields), hashlib.sha256).hexdigest()


def open_payload(session: AsyncSession, entry: AuditEntry, side: str) -> dict[str, Any] | None:
    sealed = entry.before_encrypted if side == "before" else entry.after_encrypted
    if sealed is None:
        return None
    opened: dict[str, Any] = json.loads(decrypt_field(session, sealed, context=payload_context(entry.seq, side)))
    return opened


@dataclass
class ChainReport:
    checked: int
    head_seq: int | None
    head_hash: str | None
    first_bad_seq: int | None = None
    problem: str | None = None

    @property
    def intact(self) -> bool:
        return self.first_bad_seq is None


async def verify_chain(session: AsyncSession) -> ChainReport:
    """Walk the chain in order; name the first entry that was edited, removed or reordered."""
    key = keyring_of(session).audit_key
    expected_seq, prev_hash, checked = 1, GENESIS, 0
    async for entry in _entries_in_order(session):
        problem = _problem_with(session, key, entry, expected_seq=expected_seq, prev_hash=prev_hash)
        if problem:
            return ChainReport(checked, expected_seq - 1 or None, prev_hash, entry.seq, problem)
        expected_seq, prev_hash, checked = entry.seq + 1, entry.entry_hash, checked + 1
    return ChainReport(checked, expected_seq - 1 or None, prev_hash if checked else None)


def _problem_with(
    session: AsyncSession, key: bytes, entry: AuditEntry, *, expected_seq: int, prev_hash: str
) -> str | None:
    if entry.seq != expected_seq:
        return f"entry {expected_seq} is missing (next found is {entry.seq})"
    if entry.prev_hash != prev_hash:
        return f"entry {entry.seq} does not follow entry {entry.seq - 1} (removed or reordered)"
    if not hmac.compare_digest(_entry_hash(key, entry), entry.entry_hash):
        return f"entry {entry.seq} was edited"
    try:
        before, after = open_payload(session, entry, "before"), open_payload(session, entry, "after")
    except (DecryptionFailed, ValueError):
        return f"entry {entry.seq} has an altered before/after payload"
    if not hmac.compare_digest(_digest(key, before, after), entry.payload_digest):
        return f"entry {entry.seq} has an altered before/after payload"
    return None


async def _entries_in_order(session: AsyncSession, batch: int = 1000) -> AsyncIterator[AuditEntry]:
    after_seq = 0
    while True:
        rows = (
            await session.scalars(
                select(AuditEntry).where(AuditEntry.seq > after_seq).order_by(AuditEntry.seq).limit(batch)
            )
        ).all()
        if not rows:
            return
        for entry in rows:
            yield entry
        after_seq = rows[-1].seq


async def list_entries(session: AsyncSession, *, before_seq: int | None = None, limit: int = 50) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
    if before_seq is not None:
        query = query.where(AuditEntry.seq < before_seq)
    return list((await session.scalars(query)).all())
