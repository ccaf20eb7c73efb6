"""The audit trail: every change, by anyone, appended to a keyed hash chain."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from privacy.actors import Actor
from privacy.db import field_context, utcnow
from privacy.keys import DecryptionFailed, decrypt_field, encrypt_field, keyring_of
from privacy.models import AuditChainHead, AuditEntry

GENESIS = "0" * 64
HEAD = 1  # the one row of `audit_chain_head`


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def payload_context(seq: int, side: str) -> str:
    column = AuditEntry.before_encrypted if side == "before" else AuditEntry.after_encrypted
    return field_context(column, seq=seq)


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
    seq, prev_hash = await _take_next_link(session)
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
        prev_hash=prev_hash,
    )
    entry.entry_hash = _entry_hash(keyring.audit_key, entry)
    session.add(entry)
    await session.execute(update(AuditChainHead).where(AuditChainHead.id == HEAD).values(entry_hash=entry.entry_hash))
    await session.flush()
    return entry


async def _take_next_link(session: AsyncSession) -> tuple[int, str]:
    """Move the chain head on by one and answer the new entry's number and the hash it follows.
    The head row stays locked until the caller's transaction ends, so appenders take turns on every
    engine: on PostgreSQL by the row lock, on SQLite because the write comes before any read of
    the chain. Without a head (a new trail) it starts from the newest entry, if any."""
    newest = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(AuditChainHead)
        .values(
            id=HEAD,
            seq=func.coalesce(newest.with_only_columns(AuditEntry.seq).scalar_subquery(), 0) + 1,
            entry_hash=func.coalesce(newest.with_only_columns(AuditEntry.entry_hash).scalar_subquery(), GENESIS),
        )
        .on_conflict_do_update(index_elements=[AuditChainHead.id], set_={"seq": AuditChainHead.seq + 1})
        .returning(AuditChainHead.seq, AuditChainHead.entry_hash)
    )
    seq, prev_hash = (await session.execute(statement)).one()
    return int(seq), str(prev_hash)


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
    """Walk the chain in order; name the first entry that was edited, removed or reordered, and
    notice entries removed from the end: the chain head, read first, names the newest entry."""
    key = keyring_of(session).audit_key
    head = (await session.execute(select(AuditChainHead.seq, AuditChainHead.entry_hash))).first()
    expected_seq, prev_hash, checked = 1, GENESIS, 0
    hash_at_head = None
    async for entry in _entries_in_order(session):
        problem = _problem_with(session, key, entry, expected_seq=expected_seq, prev_hash=prev_hash)
        if problem:
            return ChainReport(checked, expected_seq - 1 or None, prev_hash, entry.seq, problem)
        if head is not None and entry.seq == head.seq:
            hash_at_head = entry.entry_hash
        expected_seq, prev_hash, checked = entry.seq + 1, entry.entry_hash, checked + 1
    report = ChainReport(checked, expected_seq - 1 or None, prev_hash if checked else None)
    if head is None and checked:
        report.first_bad_seq, report.problem = expected_seq, "the chain head is missing"
    elif head is not None and hash_at_head != head.entry_hash:
        report.first_bad_seq, report.problem = (
            expected_seq,
            f"entries up to {head.seq} existed; the newest were removed",
        )
    return report


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
