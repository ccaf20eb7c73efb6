"""Sweeps: a rule applied to its store in batches by key (`retention.batches`), a transaction per
batch, the cursor and counts kept in the run record after each batch, so a killed sweep resumes
where it stopped and a finished one, run again, changes nothing. A sweep holds its rule's lease, so
no two workers sweep a rule at once; a finished sweep schedules the rule's next run."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import false, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from privacy import leases
from privacy.db import WholeParts, own_engine, toolkit_stores, utcnow
from privacy.errors import Conflict, NotFound, SystemUnavailable
from privacy.keys import keyring_of
from privacy.outbound import open_sql_system
from privacy.settings import Settings
from privacy.systems import Connection, reaching
from retention import review, service
from retention.batches import Batch, Batching, batching_of, next_batch, next_size, prepared
from retention.models import RetentionRule, RetentionRun
from retention.schemas import Action, Counts, RuleIn
from retention.service import SCHEDULES
from retention.stores import Target, purge_on_system, target_of

logger = logging.getLogger("retention.sweeps")

Progress = Callable[[int, int], None]  # rows done, rows in all


async def sweep(
    session: AsyncSession,
    *,
    rule_key: str,
    settings: Settings,
    now: datetime,
    dry_run: bool = False,
    batch_size: int | None = None,
    progress: Progress | None = None,
    only_if_due: bool = False,
) -> RetentionRun:
    """Apply one rule, holding its lease so no other worker sweeps it at the same time. An
    unfinished run of the rule is resumed from its cursor, with its cutoff. When the store's
    system fails, the run is recorded as failed with the reason and the failure raised.
    `only_if_due`: the rule is taken only while its time has come, so a worker that listed it as due
    does not sweep it again after another worker has swept it and set its next time."""
    await _take_lease(session, rule_key, settings=settings, now=now, only_if_due=only_if_due)
    try:
        loaded = await service.load_rule(session, key=rule_key)
        if loaded.awaiting_review and not dry_run:
            raise Conflict(f"retention rule '{rule_key}' is awaiting review: a person approves its dry run first")
        holds = await service.active_holds(session, rule_key=rule_key, now=now)
        run = await _run_to_continue(session, loaded.rule, dry_run=dry_run, now=now)
        run.holds = holds.in_words
        # No transaction of ours stays open while the store is swept: on the toolkit's own database
        # an idle one would hold its locks against every other writer for the whole sweep.
        await session.commit()
        sweeping = Sweeping(loaded, run, holds, settings, dry_run, batch_size or settings.retention_batch_size)
        try:
            await _sweep_store(session, sweeping, progress)
        except SystemUnavailable as error:
            run.errors = [error.detail]
            await _finish(session, loaded.rule, run, dry_run=dry_run, now=now)
            raise
        return await _finish(session, loaded.rule, run, dry_run=dry_run, now=now)
    finally:
        await leases.renew(session, RetentionRule, RetentionRule.key == rule_key, until=None)
        await session.commit()


@dataclass(frozen=True)
class Sweeping:
    """One sweep of a rule: what it works on and how."""

    loaded: service.LoadedRule
    run: RetentionRun
    holds: service.ActiveHolds
    settings: Settings
    dry_run: bool
    batch_size: int  # the first batch's rows; the next ones follow the time budget

    @property
    def rule(self) -> RuleIn:
        return self.loaded.rule


# The lease and the run record.


async def _take_lease(
    session: AsyncSession, rule_key: str, *, settings: Settings, now: datetime, only_if_due: bool
) -> None:
    lease = timedelta(seconds=settings.retention_lease_seconds)
    conditions = [RetentionRule.key == rule_key, *([RetentionRule.next_run_at <= now] if only_if_due else [])]
    if not await leases.take(session, RetentionRule, *conditions, now=now, lease=lease):
        if await session.scalar(select(RetentionRule.id).where(RetentionRule.key == rule_key)) is None:
            raise NotFound(f"no retention rule '{rule_key}'")
        raise Conflict(f"retention rule '{rule_key}' is being swept by another worker")


async def _run_to_continue(session: AsyncSession, rule: RuleIn, *, dry_run: bool, now: datetime) -> RetentionRun:
    """The rule's unfinished run, to resume (a dry run never resumes one), or a new run."""
    if not dry_run:
        unfinished = await session.scalar(
            select(RetentionRun)
            .where(RetentionRun.rule_key == rule.key, RetentionRun.status == "running", RetentionRun.dry_run == false())
            .order_by(RetentionRun.id.desc())
            .limit(1)
        )
        if unfinished is not None:
            return unfinished
    run = RetentionRun(
        rule_key=rule.key,
        store=rule.store.label(),
        dry_run=dry_run,
        cutoff=service.cutoff(rule.period, now),
        started_at=now,
        status="running",
        counts=Counts().model_dump(),
        errors=[],
        holds=[],
    )
    session.add(run)
    await session.commit()
    return run


async def _record_batch(session: AsyncSession, sweeping: Sweeping, batch: Batch) -> None:
    """The batch is committed in its store; now its cursor and counts, and the rule's lease renewed."""
    run = sweeping.run
    run.cursor = str(batch.last)
    run.counts = {name: run.counts.get(name, 0) + batch.counts.get(name, 0) for name in Counts.model_fields}
    lease_until = utcnow() + timedelta(seconds=sweeping.settings.retention_lease_seconds)
    await leases.renew(session, RetentionRule, RetentionRule.key == sweeping.rule.key, until=lease_until)
    await session.commit()


async def _finish(
    session: AsyncSession, rule: RuleIn, run: RetentionRun, *, dry_run: bool, now: datetime
) -> RetentionRun:
    run.status = "finished" if not run.errors else "failed"
    run.finished_at = utcnow()
    if not dry_run:
        await _schedule_next(session, rule, now=now)
    return run


# The store.


async def _sweep_store(session: AsyncSession, sweeping: Sweeping, progress: Progress | None) -> None:
    rule, connection = sweeping.rule, sweeping.loaded.connection
    if connection is not None:
        async with reaching(connection.key):
            if rule.store.kind == "http":
                await _sweep_http(sweeping, connection)
            else:
                hold_columns = sweeping.holds.columns()
                target = target_of(rule, connection.url, sweeping.settings, hold_columns=hold_columns)
                engine = await open_sql_system(connection.url, read_only=sweeping.dry_run, settings=sweeping.settings)
                await _sweep_table(session, engine, target, sweeping, progress)
        return
    declared = toolkit_stores()[rule.store.name or ""][1]
    if declared.whole_parts is not None and rule.action is Action.DELETE and not sweeping.dry_run:
        # A dry run counts whole parts in its batches like any other rows: its counts stay the real run's.
        await _drop_whole_parts(session, declared.whole_parts, sweeping.run, sweeping.holds)
    target = target_of(rule, None, sweeping.settings)
    await _sweep_table(session, own_engine(sweeping.settings), target, sweeping, progress)


async def _sweep_http(sweeping: Sweeping, connection: Connection) -> None:
    sweeping.run.counts = await purge_on_system(
        connection,
        rule=sweeping.rule,
        cutoff=sweeping.run.cutoff,
        holds=sweeping.holds,
        dry_run=sweeping.dry_run,
        settings=sweeping.settings,
    )


async def _sweep_table(
    session: AsyncSession, engine: AsyncEngine, target: Target, sweeping: Sweeping, progress: Progress | None
) -> None:
    batching = batching_of(
        target,
        sweeping.rule,
        sweeping.holds,
        cutoff=sweeping.run.cutoff,
        hash_key=keyring_of(session).subkey("retention-keyed-hash"),
        dry_run=sweeping.dry_run,
    )
    try:
        await _sweep_batches(session, engine, batching, sweeping, progress)
    finally:
        await engine.dispose()


async def _sweep_batches(
    session: AsyncSession, engine: AsyncEngine, batching: Batching, sweeping: Sweeping, progress: Progress | None
) -> None:
    run = sweeping.run
    # One connection for the whole sweep, a transaction per batch on it.
    async with engine.connect() as connection:
        batching, due = await prepared(connection, batching)
        run.counts = {**run.counts, "held": due.held}
        await connection.commit()
        done, size = 0, sweeping.batch_size
        while True:
            cursor = batching.target.key_from_text(run.cursor) if run.cursor is not None else None
            started = time.perf_counter()
            async with connection.begin() as transaction:
                batch = await next_batch(connection, batching, cursor, size)
                if sweeping.dry_run:
                    await transaction.rollback()
            if batch.last is None:
                return
            size = next_size(size, time.perf_counter() - started)
            await _record_batch(session, sweeping, batch)
            done += sum(batch.counts.values())
            if progress is not None:
                progress(done, due.rows)


async def _drop_whole_parts(
    session: AsyncSession, parts: WholeParts, run: RetentionRun, holds: service.ActiveHolds
) -> None:
    """Parts of a store wholly past the cutoff (months of consent records on PostgreSQL) go whole,
    each dropped in the transaction that adds its rows to the run's counts. A part holding a record
    under a legal hold is left to the batches, which skip the held rows, and so is every part while
    a hold keeps rows for a time after their event."""
    if holds.whole_rule or holds.kept_after:
        return
    connection = await session.connection()
    for part in await parts.parts_before(connection, run.cutoff):
        if await parts.holds_any(connection, part, sorted(holds.record_keys)):
            continue
        dropped = await parts.drop(connection, part)
        run.counts = {**run.counts, "deleted": run.counts.get("deleted", 0) + dropped}
        await session.commit()
        connection = await session.connection()


# Scheduling.


async def _schedule_next(session: AsyncSession, rule: RuleIn, *, now: datetime) -> None:
    await session.execute(
        update(RetentionRule).where(RetentionRule.key == rule.key).values(next_run_at=now + SCHEDULES[rule.schedule])
    )


async def sweep_due_rules(session: AsyncSession, *, now: datetime, settings: Settings) -> int:
    """Background work: every enabled rule whose time has come, one after the other. Rules awaiting
    review are not swept; each gets one dry run for its reviewer."""
    await _dry_run_for_review(session, now=now, settings=settings)
    due = list(
        await session.scalars(
            select(RetentionRule.key)
            .where(RetentionRule.next_run_at <= now, RetentionRule.awaiting_review == false())
            .order_by(RetentionRule.next_run_at)
        )
    )
    swept = 0
    for key in due:
        if not (await service.load_rule(session, key=key)).rule.enabled:
            continue
        try:
            await sweep(session, rule_key=key, settings=settings, now=now, only_if_due=True)
            swept += 1
        except Conflict:
            continue  # another worker has it, or has swept it since it was listed
        except SystemUnavailable:
            continue  # recorded as a failed run; tried again at the rule's next time
    return swept


async def _dry_run_for_review(session: AsyncSession, *, now: datetime, settings: Settings) -> None:
    for key in await review.without_dry_run(session):
        logger.info("retention rule %s is awaiting review: not swept until approved; dry run for its reviewer", key)
        try:
            await sweep(session, rule_key=key, settings=settings, now=now, dry_run=True)
        except (Conflict, SystemUnavailable):
            continue  # another worker has it, or the failed dry run is recorded for the reviewer
