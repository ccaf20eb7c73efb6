"""The `retention` block of the configuration file (rules, standing holds, backup stores), and the
retention part of the auditor's bundle."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from privacy.actors import Actor
from privacy.audit import record_change
from privacy.bundle import Archive
from privacy.config_file import Change, apply_each, change_of
from privacy.settings import Settings
from retention import service
from retention.models import LegalHold
from retention.schemas import FileHold, RetentionConfig, RuleIn


async def apply_retention_block(
    session: AsyncSession, retention: RetentionConfig, actor: Actor, _settings: Settings, now: datetime
) -> list[Change]:
    """Rules first, then the holds that name them, then the backup stores."""
    known = {row.key for row in await service.list_rules(session)}

    async def apply_rule(rule: RuleIn) -> Change:
        _, changed = await service.save_rule(session, rule=rule, actor=actor, now=now)
        return change_of(f"retention.rules[{rule.key}]", existed=rule.key in known, changed=changed)

    async def apply_hold(hold: FileHold) -> Change:
        return await save_file_hold(session, hold=hold, actor=actor, now=now)

    changes = await apply_each("retention.rules", retention.rules, apply_rule)
    changes += await apply_each("retention.holds", retention.holds, apply_hold)
    existed = bool(await service.list_backups(session))
    changed = await service.save_backups(session, stores=retention.backups, actor=actor, now=now)
    if existed or retention.backups:
        changes.append(change_of("retention.backups", existed=existed, changed=bool(changed), fields=changed))
    return changes


async def save_file_hold(session: AsyncSession, *, hold: FileHold, actor: Actor, now: datetime) -> Change:
    """A hold of the configuration file placed, or changed to what the file now says. A hold the
    file no longer names stays until lifted."""
    path = f"retention.holds[{hold.key}]"
    row = await session.scalar(select(LegalHold).where(LegalHold.key == hold.key))
    if row is None:
        await service.place_hold(session, hold=hold, actor=actor, now=now)
        return change_of(path, existed=False, changed=True)
    before, after = _file_hold_of(row).public(), hold.public()
    if before == after:
        return change_of(path, existed=True, changed=False)
    await service.check_hold(session, hold)
    row.rule_key, row.record_key, row.reason = hold.rule, hold.record_key, hold.reason
    row.until, row.kept_for, row.after_column = hold.until, hold.kept_for, hold.after
    await record_change(
        session,
        actor=actor,
        action="retention.hold_changed",
        object_type="legal_hold",
        object_id=str(row.id),
        before=before,
        after=after,
        now=now,
    )
    fields = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    return change_of(path, existed=True, changed=True, fields=fields)


def _file_hold_of(row: LegalHold) -> FileHold:
    return FileHold(
        key=row.key or "",
        rule=row.rule_key,
        record_key=row.record_key,
        reason=row.reason,
        until=row.until,
        kept_for=row.kept_for,
        after=row.after_column,
    )


async def export_retention_block(session: AsyncSession) -> dict[str, Any] | None:
    # Through the schema: its field order, not the order PostgreSQL's JSONB keeps keys in.
    rules = [
        RuleIn.model_validate(row.content).model_dump(mode="json", exclude_unset=True)
        for row in await service.list_rules(session)
    ]
    holds = await session.scalars(select(LegalHold).where(LegalHold.key.is_not(None)).order_by(LegalHold.key))
    block = {
        "rules": rules,
        "holds": [_file_hold_of(row).public() for row in holds],
        "backups": await service.export_backups(session),
    }
    return block if any(block.values()) else None


async def retention_bundle_part(session: AsyncSession, archive: Archive, now: datetime) -> None:
    """Rules, every run with its counts (never the data), and the backup stores."""
    archive.add_json("retention/rules.json", [row.content for row in await service.list_rules(session)])
    runs = await service.list_runs(session, limit=100_000)
    archive.add_json("retention/runs.json", [run.model_dump(mode="json") for run in runs])
    backups = await service.list_backups(session)
    archive.add_json("retention/backups.json", [store.model_dump(mode="json") for store in backups])
