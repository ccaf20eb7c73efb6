"""Retention rules, legal holds and backup schedules, and what they imply: a rule's cutoff, the
date by which data erased today is gone from every backup."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import isodate
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from privacy import systems
from privacy.actors import Actor
from privacy.audit import record_change
from privacy.bundle import Archive
from privacy.config_file import Change, apply_each, change_of
from privacy.db import field_context
from privacy.errors import FieldError, Invalid, NotFound
from privacy.keys import decrypt_field, encrypt_field, keyring_of
from privacy.register import service as register
from privacy.settings import Settings
from retention.models import BackupScheduleRow, LegalHold, RetentionRule, RetentionRun
from retention.schemas import BackupSchedule, Counts, HoldIn, HoldOut, RetentionConfig, RuleIn, RunOut

SCHEDULES = {"hourly": timedelta(hours=1), "daily": timedelta(days=1), "weekly": timedelta(weeks=1)}


def cutoff(period: str, now: datetime) -> datetime:
    """Rows whose event is before this moment are due: `now` minus the period (months and years
    as calendar months and years)."""
    due: datetime = now - isodate.parse_duration(period)
    return due


async def save_rule(session: AsyncSession, *, rule: RuleIn, actor: Actor, now: datetime) -> tuple[RetentionRule, bool]:
    await _check_links(session, rule)
    row = await session.scalar(select(RetentionRule).where(RetentionRule.key == rule.key))
    if row is not None and row.content == rule.public():
        return row, False
    before = row.content if row is not None else None
    if row is None:
        row = RetentionRule(key=rule.key, content={}, updated_at=now, next_run_at=now)
        session.add(row)
    row.awaiting_review = row.awaiting_review or before is None or changes_what_it_sweeps(before, rule)
    row.content, row.system_key, row.updated_at = rule.public(), rule.store.system, now
    await session.flush()
    await record_change(
        session,
        actor=actor,
        action="retention.rule_saved",
        object_type="retention_rule",
        object_id=rule.key,
        before=before,
        after=rule.public(),
        now=now,
    )
    return row, True


# What a rule removes, and from where: a change of any of these needs a person to see the dry run
# again. What it serves in the register, its schedule and whether it is enabled do not.
SWEEPS = ("period", "event", "action", "transforms", "store")


def changes_what_it_sweeps(before: dict[str, Any], rule: RuleIn) -> bool:
    earlier = RuleIn.model_validate(before)
    return any(getattr(earlier, name) != getattr(rule, name) for name in SWEEPS)


async def _check_links(session: AsyncSession, rule: RuleIn) -> None:
    errors = []
    activities = {activity.key for activity in await register.list_activities(session)}
    categories = {category.key for category in await register.data_categories(session)}
    if rule.activity is not None and rule.activity not in activities:
        errors.append(FieldError("activity", f"unknown activity '{rule.activity}'"))
    if rule.category is not None and rule.category not in categories:
        errors.append(FieldError("category", f"unknown data category '{rule.category}'"))
    if rule.store.system is not None:
        errors += await _system_errors(session, rule.store.system, rule.store.kind)
    if errors:
        raise Invalid(f"retention rule '{rule.key}' has errors", errors=errors)


async def _system_errors(session: AsyncSession, key: str, kind: str) -> list[FieldError]:
    try:
        registered = await systems.system_kind(session, key=key)
    except NotFound:
        return [FieldError("store.system", f"no system '{key}' is registered (an administrator adds it)")]
    if registered.value != kind:
        return [FieldError("store.system", f"'{key}' is an {registered.value} system")]
    return []


async def list_rules(session: AsyncSession) -> list[RetentionRule]:
    return list(await session.scalars(select(RetentionRule).order_by(RetentionRule.key)))


@dataclass(frozen=True)
class LoadedRule:
    """A rule with its store's registered system opened (sql and http stores)."""

    rule: RuleIn
    connection: systems.Connection | None
    awaiting_review: bool


async def load_rule(session: AsyncSession, *, key: str) -> LoadedRule:
    row = await session.scalar(select(RetentionRule).where(RetentionRule.key == key))
    if row is None:
        raise NotFound(f"no retention rule '{key}'")
    rule = RuleIn.model_validate(row.content)
    connection = await systems.connection(session, key=rule.store.system) if rule.store.system else None
    return LoadedRule(rule, connection, row.awaiting_review)


def _rules_of(rows: list[RetentionRule]) -> list[RuleIn]:
    return [RuleIn.model_validate(row.content) for row in rows]


async def place_hold(session: AsyncSession, *, hold: HoldIn, actor: Actor, now: datetime) -> LegalHold:
    row = LegalHold(
        rule_key=hold.rule,
        record_key=hold.record_key,
        reason=hold.reason,
        placed_by=actor.reference,
        placed_at=now,
        until=hold.until,
    )
    if hold.subject is not None:
        row.subject_hash = keyring_of(session).lookup_hash(hold.subject)
        row.subject_encrypted = await encrypt_field(
            session, hold.subject.strip().lower(), context=field_context(LegalHold.subject_encrypted)
        )
    session.add(row)
    await session.flush()
    await record_change(
        session,
        actor=actor,
        action="retention.hold_placed",
        object_type="legal_hold",
        object_id=str(row.id),
        before=None,
        after={
            "rule": hold.rule,
            "record_key": hold.record_key,
            "subject": hold.subject is not None,
            "reason": hold.reason,
            "until": hold.until,
        },
        now=now,
    )
    return row


async def list_holds(session: AsyncSession) -> list[HoldOut]:
    """Legal holds in force or past, the latest placed first."""
    rows = await session.scalars(select(LegalHold).order_by(LegalHold.placed_at.desc()))
    return [_hold_out(hold) for hold in rows]


def _hold_out(hold: LegalHold) -> HoldOut:
    return HoldOut(
        id=hold.id,
        rule=hold.rule_key,
        record_key=hold.record_key,
        covers_a_person=hold.subject_hash is not None,
        reason=hold.reason,
        placed_by=hold.placed_by,
        placed_at=hold.placed_at,
        until=hold.until,
    )


async def lift_hold(session: AsyncSession, *, hold_id: uuid.UUID, actor: Actor, now: datetime) -> None:
    """What the hold covered is swept again from the next run on."""
    hold = await session.get(LegalHold, hold_id)
    if hold is None:
        raise NotFound("no such legal hold")
    await record_change(
        session,
        actor=actor,
        action="retention.hold_lifted",
        object_type="legal_hold",
        object_id=str(hold_id),
        before={"rule": hold.rule_key, "record_key": hold.record_key, "reason": hold.reason},
        after=None,
        now=now,
    )
    await session.delete(hold)


@dataclass
class ActiveHolds:
    """What a sweep must leave alone today."""

    whole_rule: bool
    subjects: set[str]  # emails, lower case (for other systems' tables)
    subject_hashes: set[str]  # keyed hashes (for the toolkit's own tables)
    record_keys: set[str]


async def active_holds(session: AsyncSession, *, rule_key: str, today: date) -> ActiveHolds:
    rows = await session.scalars(select(LegalHold))
    holds = [h for h in rows if h.until is None or h.until >= today]
    return ActiveHolds(
        whole_rule=any(h.rule_key == rule_key and h.subject_hash is None and h.record_key is None for h in holds),
        subjects={
            decrypt_field(session, h.subject_encrypted, context=field_context(LegalHold.subject_encrypted))
            for h in holds
            if h.subject_encrypted and h.rule_key in (None, rule_key)
        },
        subject_hashes={h.subject_hash for h in holds if h.subject_hash and h.rule_key in (None, rule_key)},
        record_keys={h.record_key for h in holds if h.record_key and h.rule_key in (None, rule_key)},
    )


async def list_backups(session: AsyncSession) -> list[BackupSchedule]:
    return [
        BackupSchedule(name=row.name, every=row.every, kept=row.kept)
        for row in await session.scalars(select(BackupScheduleRow).order_by(BackupScheduleRow.name))
    ]


async def save_backups(session: AsyncSession, *, schedules: list[BackupSchedule], actor: Actor, now: datetime) -> bool:
    current = await list_backups(session)
    wanted = sorted(schedules, key=lambda schedule: schedule.name)
    if current == wanted:
        return False
    await session.execute(delete(BackupScheduleRow))
    for schedule in wanted:
        session.add(BackupScheduleRow(name=schedule.name, every=schedule.every, kept=schedule.kept))
    await record_change(
        session,
        actor=actor,
        action="retention.backups_saved",
        object_type="backup_schedules",
        object_id="all",
        before={"schedules": [s.model_dump() for s in current]},
        after={"schedules": [s.model_dump() for s in wanted]},
        now=now,
    )
    return True


async def backups_gone_by(session: AsyncSession, *, erased_at: datetime) -> date | None:
    """When data erased at `erased_at` is gone from every backup: the last copy taken before the
    erasure expires after the longest time any schedule keeps its backups. None when no schedule
    is known."""
    rows = list(await session.scalars(select(BackupScheduleRow)))
    if not rows:
        return None
    gone: datetime = max(erased_at + isodate.parse_duration(row.kept) for row in rows)
    return gone.date()


async def list_runs(session: AsyncSession, *, rule_key: str | None = None, limit: int = 200) -> list[RunOut]:
    query = select(RetentionRun).order_by(RetentionRun.started_at.desc(), RetentionRun.id.desc()).limit(limit)
    if rule_key is not None:
        query = query.where(RetentionRun.rule_key == rule_key)
    return [run_out(run) for run in await session.scalars(query)]


def run_out(run: RetentionRun) -> RunOut:
    return RunOut(
        id=run.id,
        rule=run.rule_key,
        store=run.store,
        dry_run=run.dry_run,
        cutoff=run.cutoff,
        started_at=run.started_at,
        finished_at=run.finished_at,
        status=run.status,
        counts=Counts.model_validate(run.counts),
        errors=[str(error) for error in run.errors],
    )


@dataclass(frozen=True)
class RetentionOverview:
    """What the console's retention page shows."""

    rules: list[tuple[RuleIn, datetime | None]]  # each rule with its next run
    runs: list[RunOut]
    removed: list[tuple[str, str, int]]  # (day, rule, rows deleted or anonymised), oldest first
    holds: list[HoldOut]
    backups_gone_by: date | None


async def overview(session: AsyncSession, *, now: datetime) -> RetentionOverview:
    rows = await list_rules(session)
    runs = await list_runs(session)
    return RetentionOverview(
        rules=[(RuleIn.model_validate(row.content), row.next_run_at) for row in rows],
        runs=runs,
        removed=_removed(runs)[-30:],
        holds=await list_holds(session),
        backups_gone_by=await backups_gone_by(session, erased_at=now),
    )


def _removed(runs: list[RunOut]) -> list[tuple[str, str, int]]:
    """Rows each real run deleted or anonymised, oldest run first; runs that removed none left out."""
    return [
        (run.started_at.date().isoformat(), run.rule, run.counts.deleted + run.counts.anonymised)
        for run in reversed(runs)
        if not run.dry_run and run.counts.deleted + run.counts.anonymised
    ]


# The `retention` block of the configuration file, and the retention part of the auditor's bundle.


async def apply_retention_block(
    session: AsyncSession, retention: RetentionConfig, actor: Actor, _settings: Settings, now: datetime
) -> list[Change]:
    known = {row.key for row in await list_rules(session)}

    async def apply_one(rule: RuleIn) -> Change:
        _, changed = await save_rule(session, rule=rule, actor=actor, now=now)
        return change_of(f"retention.rules[{rule.key}]", existed=rule.key in known, changed=changed)

    changes = await apply_each("retention.rules", retention.rules, apply_one)
    changed = await save_backups(session, schedules=retention.backups, actor=actor, now=now)
    changes.append(change_of("retention.backups", existed=True, changed=changed))
    return changes


async def export_retention_block(session: AsyncSession) -> dict[str, Any] | None:
    rules, backups = await list_rules(session), await list_backups(session)
    if not rules and not backups:
        return None
    return {"rules": [row.content for row in rules], "backups": [schedule.model_dump() for schedule in backups]}


async def retention_bundle_part(session: AsyncSession, archive: Archive, now: datetime) -> None:
    """Rules, every run with its counts (never the data), and the backup schedules."""
    archive.add_json("retention/rules.json", [row.content for row in await list_rules(session)])
    runs = await list_runs(session, limit=100_000)
    archive.add_json("retention/runs.json", [run.model_dump(mode="json") for run in runs])
    archive.add_json("retention/backups.json", [b.model_dump() for b in await list_backups(session)])


async def kept_until(session: AsyncSession, *, store: str, event_at: datetime) -> date | None:
    """Until when rows of one of the toolkit's own stores whose event is at `event_at` are kept: the
    shortest period of the enabled rules that sweep it, from that event. None when no rule does."""
    ends = [
        event_at + isodate.parse_duration(rule.period)
        for rule in _rules_of(await list_rules(session))
        if rule.enabled and rule.store.kind == "toolkit" and rule.store.name == store
    ]
    return min(ends).date() if ends else None
