"""Retention rules, legal holds and backup stores, and what they imply: a rule's cutoff, the rows a
sweep leaves alone, the date by which data erased today is gone from every backup."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

import isodate
import pycountry
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from privacy import systems
from privacy.actors import Actor
from privacy.audit import record_change
from privacy.db import field_context, toolkit_stores
from privacy.errors import FieldError, Invalid, NotFound
from privacy.keys import decrypt_field, encrypt_field, keyring_of
from privacy.register import service as register
from retention.models import BackupScheduleRow, BackupStoreRow, LegalHold, RetentionRule, RetentionRun
from retention.schemas import (
    BackupSchedule,
    BackupStore,
    BackupStoreOut,
    Counts,
    FileHold,
    HoldIn,
    HoldOut,
    RuleIn,
    RunOut,
    covers_in_words,
    kept_in_words,
)

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
    await check_hold(session, hold)
    row = LegalHold(
        key=hold.key if isinstance(hold, FileHold) else None,
        rule_key=hold.rule,
        record_key=hold.record_key,
        reason=hold.reason,
        placed_by=actor.reference,
        placed_at=now,
        until=hold.until,
        kept_for=hold.kept_for,
        after_column=hold.after,
    )
    if hold.subject is not None:
        row.subject_hash = keyring_of(session).lookup_hash(hold.subject)
        row.subject_encrypted = await encrypt_field(
            session, hold.subject.strip().lower(), context=field_context(LegalHold.subject_encrypted)
        )
    session.add(row)
    await session.flush()
    after = hold.model_dump(mode="json", exclude={"subject"}) | {"subject": hold.subject is not None}
    await record_change(
        session,
        actor=actor,
        action="retention.hold_placed",
        object_type="legal_hold",
        object_id=str(row.id),
        before=None,
        after=after,
        now=now,
    )
    return row


async def check_hold(session: AsyncSession, hold: HoldIn) -> None:
    """A hold kept for a time after each row's event names a rule, and a column the rule's store has
    (checked here for the toolkit's own tables; another system's table is known only when swept)."""
    if hold.kept_for is None:
        return
    row = await session.scalar(select(RetentionRule).where(RetentionRule.key == hold.rule))
    if row is None:
        raise Invalid("the legal hold has errors", errors=[FieldError("rule", f"no retention rule '{hold.rule}'")])
    store = RuleIn.model_validate(row.content).store
    if store.kind == "toolkit" and (hold.after or "") not in toolkit_stores()[store.name or ""][0].c:
        error = FieldError("after", f"the toolkit's store {store.name} has no column '{hold.after}'")
        raise Invalid("the legal hold has errors", errors=[error])


async def list_holds(session: AsyncSession) -> list[HoldOut]:
    """Legal holds in force or past, the latest placed first."""
    rows = await session.scalars(select(LegalHold).order_by(LegalHold.placed_at.desc()))
    return [_hold_out(hold) for hold in rows]


def _hold_out(hold: LegalHold) -> HoldOut:
    return HoldOut(
        id=hold.id,
        key=hold.key,
        rule=hold.rule_key,
        record_key=hold.record_key,
        covers_a_person=hold.subject_hash is not None,
        reason=hold.reason,
        placed_by=hold.placed_by,
        placed_at=hold.placed_at,
        until=hold.until,
        kept_for=hold.kept_for,
        after=hold.after_column,
        covers=_covers(hold),
        kept=kept_in_words(hold.until, hold.kept_for, hold.after_column),
    )


def _covers(hold: LegalHold) -> str:
    return covers_in_words(hold.rule_key, hold.subject_hash is not None, hold.record_key)


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
    """What a sweep must leave alone now: rows these holds cover, and among the rows each hold kept
    for a time after their event covers, those whose event is recent enough."""

    whole_rule: bool
    subjects: set[str]  # emails, lower case (for other systems' tables)
    subject_hashes: set[str]  # keyed hashes (for the toolkit's own tables)
    record_keys: set[str]
    kept_after: list[KeptAfter] = field(default_factory=list)
    in_words: list[str] = field(default_factory=list)  # every hold in force, for the run record

    def columns(self) -> list[str]:
        """The store's columns the holds kept for a time after each row's event read."""
        return [kept.column for kept in self.kept_after]


@dataclass(frozen=True)
class KeptAfter:
    """A hold keeping rows for a time after each one's event: the rows it covers (`scope`) whose
    `column` is after `since`, now less that time."""

    column: str
    since: datetime
    scope: ActiveHolds


async def active_holds(session: AsyncSession, *, rule_key: str, now: datetime) -> ActiveHolds:
    rows = await session.scalars(select(LegalHold).order_by(LegalHold.placed_at, LegalHold.id))
    holds = [h for h in rows if h.rule_key in (None, rule_key) and (h.until is None or h.until >= now.date())]
    kept_after = [
        KeptAfter(h.after_column or "", cutoff(h.kept_for, now), _scope(session, [h]))
        for h in holds
        if h.kept_for is not None
    ]
    words = [f"{_covers(h)}, {kept_in_words(h.until, h.kept_for, h.after_column)}" for h in holds]
    fixed = _scope(session, [h for h in holds if h.kept_for is None])
    return replace(fixed, kept_after=kept_after, in_words=words)


def _scope(session: AsyncSession, holds: list[LegalHold]) -> ActiveHolds:
    return ActiveHolds(
        whole_rule=any(h.subject_hash is None and h.record_key is None for h in holds),
        subjects={
            decrypt_field(session, h.subject_encrypted, context=field_context(LegalHold.subject_encrypted))
            for h in holds
            if h.subject_encrypted
        },
        subject_hashes={h.subject_hash for h in holds if h.subject_hash},
        record_keys={h.record_key for h in holds if h.record_key},
    )


async def list_backups(session: AsyncSession) -> list[BackupStoreOut]:
    stores = list(await session.scalars(select(BackupStoreRow).order_by(BackupStoreRow.name)))
    schedules = await session.scalars(select(BackupScheduleRow).order_by(BackupScheduleRow.id))
    by_store: dict[int, list[BackupSchedule]] = {store.id: [] for store in stores}
    for schedule in schedules:
        by_store[schedule.store_id].append(BackupSchedule(every=schedule.every, kept=schedule.kept))
    return [backup_store_out(store, by_store[store.id]) for store in stores]


def backup_store_out(store: BackupStoreRow, schedules: list[BackupSchedule]) -> BackupStoreOut:
    country = pycountry.countries.get(alpha_2=store.country) if store.country else None
    place = f"{country.name} ({store.country})" if country else "country not recorded"
    encryption = {True: "encrypted", False: "not encrypted", None: "encryption not recorded"}[store.encrypted]
    return BackupStoreOut(
        name=store.name,
        country=store.country,
        provider=store.provider,
        encrypted=store.encrypted,
        schedules=schedules,
        stored_in=f"{place}, {store.provider or 'provider not recorded'}",
        encryption=encryption,
        schedules_in_words=[schedule.in_words() for schedule in schedules],
    )


def _as_written(store: BackupStoreOut) -> dict[str, Any]:
    """A store as the file or the API writes it (what is not recorded left out)."""
    return store.model_dump(mode="json", include=set(BackupStore.model_fields), exclude_none=True)


async def save_backups(session: AsyncSession, *, stores: list[BackupStore], actor: Actor, now: datetime) -> list[str]:
    """Replace the backup stores and their schedules; answers the names of the stores added,
    changed or removed (none when they are as given already)."""
    before = [_as_written(store) for store in await list_backups(session)]
    wanted = sorted(stores, key=lambda store: store.name)
    after = [store.model_dump(mode="json") for store in wanted]
    changed = sorted(
        {store["name"] for store in before if store not in after} | {s["name"] for s in after if s not in before}
    )
    if not changed:
        return []
    await session.execute(delete(BackupScheduleRow))
    await session.execute(delete(BackupStoreRow))
    for store in wanted:
        row = BackupStoreRow(name=store.name, country=store.country, provider=store.provider, encrypted=store.encrypted)
        session.add(row)
        await session.flush()
        session.add_all(BackupScheduleRow(store_id=row.id, every=s.every, kept=s.kept) for s in store.schedules)
    await record_change(
        session,
        actor=actor,
        action="retention.backups_saved",
        object_type="backup_stores",
        object_id="all",
        before={"stores": before},
        after={"stores": after},
        now=now,
    )
    return changed


async def export_backups(session: AsyncSession) -> list[dict[str, Any]]:
    """The backup stores as the configuration file writes them."""
    return [_as_written(store) for store in await list_backups(session)]


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
        holds=[str(words) for words in run.holds],
    )


async def kept_until(session: AsyncSession, *, store: str, event_at: datetime) -> date | None:
    """Until when rows of one of the toolkit's own stores whose event is at `event_at` are kept: the
    shortest period of the enabled rules that sweep it, from that event. None when no rule does."""
    ends = [
        event_at + isodate.parse_duration(rule.period)
        for rule in _rules_of(await list_rules(session))
        if rule.enabled and rule.store.kind == "toolkit" and rule.store.name == store
    ]
    return min(ends).date() if ends else None
