"""Sweeps: a rule applied to its store in batches by key, a transaction per batch, the cursor and
counts kept in the run record after each batch, so a killed sweep resumes where it stopped and a
finished one, run again, changes nothing. Every transform is idempotent (a value already
transformed stays as it is), so a batch repeated after a crash changes nothing twice."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import (
    ColumnElement,
    Table,
    TableClause,
    and_,
    bindparam,
    column,
    delete,
    false,
    func,
    or_,
    select,
    table,
    text,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from consent import partitions
from privacy import leases
from privacy.db import own_engine, toolkit_stores, utcnow
from privacy.errors import Conflict, NotFound, SystemUnavailable
from privacy.keys import keyring_of
from privacy.network import truncate_ip
from privacy.outbound import open_sql_system, post_to_system
from privacy.settings import Settings
from privacy.signing import signed_headers
from privacy.systems import BadAnswer, Connection, answer_of, reaching
from retention import service
from retention.models import RetentionRule, RetentionRun
from retention.schemas import Action, ColumnTransform, Counts, RuleIn, Transform
from retention.service import SCHEDULES

HASH_PREFIX = "h:"
HTTP_TIMEOUT = httpx.Timeout(300.0, connect=10.0)  # the other system sweeps before it answers
Progress = Callable[[int, int], None]  # rows done, rows in all


@dataclass
class Target:
    """Where a rule's rows are, as SQLAlchemy columns."""

    url: str
    table: TableClause | Table
    timestamp: ColumnElement[Any]
    key: ColumnElement[Any]
    subject: ColumnElement[Any] | None
    subject_hashed: bool
    restricted: ColumnElement[Any] | None
    key_from_text: Callable[[str], Any]
    naive_utc: bool  # other systems' timestamps are taken as UTC without a zone
    column_types: dict[str, str] = field(default_factory=dict)  # PostgreSQL's names, read once per sweep

    def due(self, cutoff: datetime) -> ColumnElement[bool]:
        if not self.naive_utc:
            return self.timestamp < cutoff
        moment = cutoff.astimezone(UTC).replace(tzinfo=None)
        if self.url.startswith("sqlite"):
            # SQLite keeps times as text in whatever ISO form the application wrote: compare instants.
            return func.julianday(self.timestamp) < func.julianday(moment.isoformat(sep=" "))
        return self.timestamp < moment

    def column(self, name: str) -> ColumnElement[Any]:
        return self.table.c[name]


def target_of(rule: RuleIn, database_url: str | None, settings: Settings) -> Target:
    """The rows of a toolkit or sql store (an http store sweeps itself: see `_sweep_http`)."""
    store = rule.store
    if store.kind == "toolkit":
        own, declared = toolkit_stores()[store.name or ""]
        key_type = own.c[declared.key].type.python_type
        return Target(
            settings.effective_database_url,
            own,
            own.c[declared.timestamp],
            own.c[declared.key],
            own.c[declared.subject_hash] if declared.subject_hash else None,
            True,
            None,
            uuid.UUID if key_type is uuid.UUID else key_type,
            naive_utc=False,
        )
    names = [store.timestamp_column, store.key_column, store.subject_column, store.restricted_column]
    names += [t.column for t in rule.transforms]
    other = table(store.table or "", *[column(name) for name in dict.fromkeys(n for n in names if n)])
    return Target(
        database_url or "",
        other,
        other.c[store.timestamp_column or ""],
        other.c[store.key_column or ""],
        other.c[store.subject_column] if store.subject_column else None,
        False,
        other.c[store.restricted_column] if store.restricted_column else None,
        lambda text: int(text) if text.lstrip("-").isdigit() else text,
        naive_utc=True,
    )


def transformed(value: Any, transform: ColumnTransform, hash_key: bytes) -> Any:
    """The column's anonymised value; a value already anonymised comes back unchanged."""
    if value is None or transform.transform is Transform.NULL:
        return None
    if transform.transform is Transform.CONSTANT:
        return transform.value
    if transform.transform is Transform.TRUNCATE_IP:
        return truncate_ip(str(value)) or value
    if transform.transform is Transform.MONTH:
        return _first_of_month(value)
    text = str(value)
    if text.startswith(HASH_PREFIX):
        return value
    return HASH_PREFIX + hmac.new(hash_key, text.encode(), hashlib.sha256).hexdigest()[:40]


def _first_of_month(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if isinstance(value, date):
        return value.replace(day=1)
    text = str(value)
    return f"{text[:7]}-01" if len(text) >= 10 and text[4] == "-" else value


async def sweep(
    session: AsyncSession,
    *,
    rule_key: str,
    settings: Settings,
    now: datetime,
    dry_run: bool = False,
    batch_size: int | None = None,
    progress: Progress | None = None,
) -> RetentionRun:
    """Apply one rule, holding its lease so no other worker sweeps it at the same time. An
    unfinished run of the rule is resumed from its cursor, with its cutoff. When the store's
    system fails, the run is recorded as failed with the reason and the failure raised."""
    await _take_lease(session, rule_key, settings=settings, now=now)
    try:
        loaded = await service.load_rule(session, rule_key)
        holds = await service.active_holds(session, rule_key=rule_key, today=now.date())
        run = await _run_to_continue(session, loaded.rule, dry_run=dry_run, now=now)
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
    batch_size: int


async def _sweep_store(session: AsyncSession, sweeping: Sweeping, progress: Progress | None) -> None:
    rule, connection = sweeping.loaded.rule, sweeping.loaded.connection
    if connection is not None:
        async with reaching(connection.key):
            if rule.store.kind == "http":
                await _sweep_http(sweeping, connection)
            else:
                target = target_of(rule, connection.url, sweeping.settings)
                engine = await open_sql_system(connection.url, read_only=sweeping.dry_run, settings=sweeping.settings)
                await _sweep_with(session, engine, target, sweeping, progress)
        return
    if _drops_partitions(rule, dry_run=sweeping.dry_run):
        await _drop_whole_months(session, sweeping.run, sweeping.holds)
    target = target_of(rule, None, sweeping.settings)
    await _sweep_with(session, own_engine(sweeping.settings), target, sweeping, progress)


async def _sweep_with(
    session: AsyncSession, engine: AsyncEngine, target: Target, sweeping: Sweeping, progress: Progress | None
) -> None:
    try:
        await _sweep_batches(
            session,
            engine,
            target,
            sweeping.loaded.rule,
            sweeping.run,
            sweeping.holds,
            keyring_of(session).subkey("retention-keyed-hash"),
            dry_run=sweeping.dry_run,
            batch_size=sweeping.batch_size,
            lease=timedelta(seconds=sweeping.settings.retention_lease_seconds),
            progress=progress,
        )
    finally:
        await engine.dispose()


def _drops_partitions(rule: RuleIn, *, dry_run: bool) -> bool:
    # A dry run counts whole months in its batches like any other rows: its counts stay the real run's.
    return (
        rule.store.kind == "toolkit"
        and rule.store.name == "consent_records"
        and rule.action is Action.DELETE
        and not dry_run
    )


async def _drop_whole_months(session: AsyncSession, run: RetentionRun, holds: service.ActiveHolds) -> None:
    """On PostgreSQL, months of consent records wholly past the cutoff go as whole partitions, each
    dropped in the transaction that adds its rows to the run's counts. A month holding a record
    under a legal hold is left to the batches, which skip the held rows."""
    connection = await session.connection()
    if holds.whole_rule or not await partitions.is_partitioned(connection):
        return
    held_keys = [int(key) for key in holds.record_keys if key.isdigit()]
    for month in await partitions.whole_months_before(connection, run.cutoff):
        if await partitions.holds_any(connection, month, held_keys):
            continue
        dropped = await partitions.count_rows(connection, month)
        await partitions.drop_month(connection, month)
        run.counts = {**run.counts, "deleted": run.counts.get("deleted", 0) + dropped}
        await session.commit()
        connection = await session.connection()


async def _finish(
    session: AsyncSession, rule: RuleIn, run: RetentionRun, *, dry_run: bool, now: datetime
) -> RetentionRun:
    run.status = "finished" if not run.errors else "failed"
    run.finished_at = utcnow()
    if not dry_run:
        await _schedule_next(session, rule, now=now)
    return run


async def _sweep_http(sweeping: Sweeping, connection: Connection) -> None:
    """The other system purges its own rows, in its own batches: it gets the cutoff, the action,
    the transforms and the holds in a signed request, and answers with its counts."""
    rule, holds = sweeping.loaded.rule, sweeping.holds
    body = json.dumps(
        {
            "rule": rule.key,
            "cutoff": sweeping.run.cutoff.isoformat(),
            "action": rule.action.value,
            "transforms": [t.model_dump(mode="json") for t in rule.transforms],
            "dry_run": sweeping.dry_run,
            "held": {
                "whole_rule": holds.whole_rule,
                "subjects": sorted(holds.subjects),
                "record_keys": sorted(holds.record_keys),
            },
        }
    ).encode()
    # Signed with the wall clock: the other system checks the timestamp against its own.
    answer = await post_to_system(
        connection.url,
        body=body,
        headers=signed_headers(connection.secret or "", body, utcnow()),
        timeouts=HTTP_TIMEOUT,
        settings=sweeping.settings,
    )
    if answer.status_code != 200:
        raise BadAnswer(f"answered {answer.status_code}")
    try:
        sweeping.run.counts = Counts.model_validate(answer_of(answer)).model_dump()
    except ValueError as error:
        raise BadAnswer("answered counts that are not in the expected shape") from error


async def _take_lease(session: AsyncSession, rule_key: str, *, settings: Settings, now: datetime) -> None:
    lease = timedelta(seconds=settings.retention_lease_seconds)
    if not await leases.take(session, RetentionRule, RetentionRule.key == rule_key, now=now, lease=lease):
        if await session.scalar(select(RetentionRule.id).where(RetentionRule.key == rule_key)) is None:
            raise NotFound(f"no retention rule '{rule_key}'")
        raise Conflict(f"retention rule '{rule_key}' is being swept by another worker")


async def _schedule_next(session: AsyncSession, rule: RuleIn, *, now: datetime) -> None:
    await session.execute(
        update(RetentionRule).where(RetentionRule.key == rule.key).values(next_run_at=now + SCHEDULES[rule.schedule])
    )


async def sweep_due_rules(session: AsyncSession, now: datetime, *, settings: Settings) -> int:
    """Background work: every enabled rule whose time has come, one after the other."""
    due = list(
        await session.scalars(
            select(RetentionRule.key).where(RetentionRule.next_run_at <= now).order_by(RetentionRule.next_run_at)
        )
    )
    swept = 0
    for key in due:
        if not (await service.load_rule(session, key)).rule.enabled:
            continue
        try:
            await sweep(session, rule_key=key, settings=settings, now=now)
            swept += 1
        except Conflict:
            continue  # another worker has it
        except SystemUnavailable:
            continue  # recorded as a failed run; tried again at the rule's next time
    return swept


async def _run_to_continue(session: AsyncSession, rule: RuleIn, *, dry_run: bool, now: datetime) -> RetentionRun:
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
    )
    session.add(run)
    await session.commit()
    return run


async def _sweep_batches(
    session: AsyncSession,
    engine: Any,
    target: Target,
    rule: RuleIn,
    run: RetentionRun,
    holds: service.ActiveHolds,
    hash_key: bytes,
    *,
    dry_run: bool,
    batch_size: int,
    lease: timedelta,
    progress: Progress | None,
) -> None:
    due = target.due(run.cutoff)
    # One connection for the whole sweep, a transaction per batch on it.
    async with engine.connect() as connection:
        held = _held_condition(target, holds)
        counted = select(func.count(), func.count().filter(held)).select_from(target.table).where(due)
        total, held_rows = (await connection.execute(counted)).one()  # one pass over the due rows, not two
        if rule.action is Action.DELETE:
            run.counts = {**run.counts, "held": int(held_rows)}
        await connection.commit()
        done = 0
        while True:
            cursor = target.key_from_text(run.cursor) if run.cursor is not None else None
            async with connection.begin() as transaction:
                if rule.action is Action.DELETE:
                    deleted, last = await _delete_batch(
                        connection, target, due, held, cursor, batch_size, dry_run=dry_run
                    )
                    counts = {"deleted": deleted}
                else:
                    rows = await _next_batch(connection, target, rule, due, cursor, batch_size)
                    counts = await _apply(connection, target, rule, rows, holds, hash_key, dry_run=dry_run)
                    last = rows[-1]["key"] if rows else None
                if dry_run:
                    await transaction.rollback()
            if last is None:
                return
            # The batch is committed in its store; now its cursor and counts, and the rule's lease renewed.
            run.cursor = str(last)
            run.counts = {name: run.counts.get(name, 0) + counts.get(name, 0) for name in Counts.model_fields}
            await leases.renew(session, RetentionRule, RetentionRule.key == rule.key, until=utcnow() + lease)
            await session.commit()
            done += sum(counts.values())
            if progress is not None:
                progress(done, total)


def _held_condition(target: Target, holds: service.ActiveHolds) -> ColumnElement[bool]:
    """Rows a legal hold covers, as a condition the database evaluates."""
    if holds.whole_rule:
        return true()
    conditions: list[ColumnElement[bool]] = []
    if holds.record_keys:
        conditions.append(target.key.in_([target.key_from_text(key) for key in holds.record_keys]))
    # `IS NOT NULL` first: a row without a subject must not vanish from `NOT (...)` as an unknown.
    if target.subject is not None and target.subject_hashed and holds.subject_hashes:
        conditions.append(and_(target.subject.is_not(None), target.subject.in_(sorted(holds.subject_hashes))))
    if target.subject is not None and not target.subject_hashed and holds.subjects:
        subject = func.lower(target.subject)
        conditions.append(and_(target.subject.is_not(None), subject.in_(sorted(holds.subjects))))
    return or_(*conditions) if conditions else false()


async def _delete_batch(
    connection: AsyncConnection,
    target: Target,
    due: ColumnElement[bool],
    held: ColumnElement[bool],
    cursor: Any,
    size: int,
    *,
    dry_run: bool,
) -> tuple[int, Any]:
    """The batch is a key range: its upper end is the last of the next `size` keys (found on the
    key's index), and the DELETE covers the range, so the key's index serves it too, not a join the
    planner may turn into a scan of the table. No RETURNING: on PostgreSQL, returning the deleted
    keys costs as much again as the DELETE itself, while the row count comes free."""
    acting = [due, ~held] + ([target.key > cursor] if cursor is not None else [])
    next_keys = select(target.key.label("key")).where(*acting).order_by(target.key).limit(size).subquery()
    last = await connection.scalar(select(next_keys.c.key).order_by(next_keys.c.key.desc()).limit(1))
    if last is None:
        return (0, None)
    in_batch = [*acting, target.key <= last]
    if dry_run:
        return (
            int(await connection.scalar(select(func.count()).select_from(target.table).where(*in_batch)) or 0),
            last,
        )
    deleted = await connection.execute(delete(target.table).where(*in_batch))
    return (int(deleted.rowcount), last)


async def _next_batch(
    connection: AsyncConnection, target: Target, rule: RuleIn, due: ColumnElement[bool], cursor: Any, size: int
) -> list[dict[str, Any]]:
    columns = [target.key.label("key")]
    if target.subject is not None:
        columns.append(target.subject.label("subject"))
    columns += [target.column(t.column).label(f"c_{t.column}") for t in rule.transforms]
    query = select(*columns).where(due)
    if rule.action is Action.RESTRICT and target.restricted is not None:
        query = query.where(or_(target.restricted.is_(None), target.restricted == false()))
    if cursor is not None:
        query = query.where(target.key > cursor)
    result = await connection.execute(query.order_by(target.key).limit(size))
    return [dict(row) for row in result.mappings()]


def _held(row: dict[str, Any], target: Target, holds: service.ActiveHolds) -> bool:
    if holds.whole_rule or str(row["key"]) in holds.record_keys:
        return True
    subject = row.get("subject")
    if subject is None:
        return False
    if target.subject_hashed:
        return str(subject) in holds.subject_hashes
    return str(subject).strip().lower() in holds.subjects


async def _apply(
    connection: AsyncConnection,
    target: Target,
    rule: RuleIn,
    rows: list[dict[str, Any]],
    holds: service.ActiveHolds,
    hash_key: bytes,
    *,
    dry_run: bool,
) -> dict[str, int]:
    acting = [row for row in rows if not _held(row, target, holds)]
    counts = {"held": len(rows) - len(acting)}
    keys = [row["key"] for row in acting]
    if rule.action is Action.RESTRICT:
        if keys and not dry_run and target.restricted is not None:
            await connection.execute(
                update(target.table).where(target.key.in_(keys)).values({target.restricted: true()})
            )
        counts["restricted"] = len(keys)
    else:
        counts["anonymised"] = await _anonymise(connection, target, rule, acting, hash_key, dry_run=dry_run)
    return counts


async def _anonymise(
    connection: AsyncConnection,
    target: Target,
    rule: RuleIn,
    rows: list[dict[str, Any]],
    hash_key: bytes,
    *,
    dry_run: bool,
) -> int:
    changes = []
    for row in rows:
        values = {t.column: transformed(row[f"c_{t.column}"], t, hash_key) for t in rule.transforms}
        if all(values[t.column] == row[f"c_{t.column}"] for t in rule.transforms):
            continue  # anonymised already (an earlier run, or this batch before a crash)
        changes.append({"row_key": row["key"], **{f"v_{name}": value for name, value in values.items()}})
    if changes and not dry_run:
        if connection.dialect.name == "postgresql":
            await _update_from_arrays(connection, target, [t.column for t in rule.transforms], changes)
        else:  # SQLite runs in-process: one statement, its parameters sent together (executemany)
            statement = (
                update(target.table)
                .where(target.key == bindparam("row_key"))
                .values({target.column(t.column): bindparam(f"v_{t.column}") for t in rule.transforms})
            )
            await connection.execute(statement, changes)
    return len(changes)


async def _update_from_arrays(
    connection: AsyncConnection, target: Target, columns: list[str], changes: list[dict[str, Any]]
) -> None:
    """The whole batch in one UPDATE joined to its new values sent as arrays: one round trip and one
    plan, where executemany costs a statement per row. Values travel as text and are cast back to
    each column's own type, read from the catalogue."""
    quote = connection.dialect.identifier_preparer.quote
    if not target.column_types:
        target.column_types = await _column_types(connection, target.table.name, [target.key.name, *columns])
    types = target.column_types
    assignments = ", ".join(f"{quote(name)} = CAST(v.c{i} AS {types[name]})" for i, name in enumerate(columns))
    arrays = ", ".join(["CAST(:keys AS text[])", *(f"CAST(:c{i} AS text[])" for i in range(len(columns)))])
    names = ", ".join(["k", *(f"c{i}" for i in range(len(columns)))])
    # Identifiers are validated by the rule's schema and quoted; type names come from the catalogue.
    statement = text(
        f"UPDATE {quote(target.table.name)} AS t SET {assignments} FROM unnest({arrays}) AS v({names}) "  # noqa: S608
        f"WHERE t.{quote(target.key.name)} = CAST(v.k AS {types[target.key.name]})"
    )
    parameters: dict[str, list[str | None]] = {"keys": [str(change["row_key"]) for change in changes]}
    for i, name in enumerate(columns):
        parameters[f"c{i}"] = [_as_text(change[f"v_{name}"]) for change in changes]
    await connection.execute(statement, parameters)


async def _column_types(connection: AsyncConnection, table_name: str, columns: list[str]) -> dict[str, str]:
    rows = await connection.execute(
        text(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = CAST(:table AS regclass) AND attnum > 0 AND NOT attisdropped"
        ),
        {"table": table_name},
    )
    types = {str(name): str(type_name) for name, type_name in rows}
    return {name: types[name] for name in columns}


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)
