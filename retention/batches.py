"""A sweep's batches, by key: each takes the due rows after the cursor, in a transaction of its own,
and deletes, anonymises or restricts them, leaving alone the rows a legal hold covers. Rows go in
key order, so a batch is a key range that the key's index serves and that never locks more than a
batch's rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, false, func, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection

from retention.schemas import Action, RuleIn
from retention.service import ActiveHolds
from retention.stores import Target, held_condition, holds_row
from retention.transforms import anonymise


@dataclass(frozen=True)
class Batching:
    """How one sweep takes its rows: those due in its store, less those a hold covers, `size` at a time."""

    target: Target
    rule: RuleIn
    holds: ActiveHolds
    due: ColumnElement[bool]
    held: ColumnElement[bool]
    size: int
    hash_key: bytes  # for keyed_hash transforms
    dry_run: bool


def batching_of(
    target: Target, rule: RuleIn, holds: ActiveHolds, *, cutoff: datetime, size: int, hash_key: bytes, dry_run: bool
) -> Batching:
    return Batching(target, rule, holds, target.due(cutoff), held_condition(target, holds), size, hash_key, dry_run)


@dataclass(frozen=True)
class Batch:
    counts: dict[str, int]  # by action, and `held` for rows read and left alone
    last: Any  # the last key the batch covered: the next batch's cursor; None when no row was left


async def count_due(connection: AsyncConnection, batching: Batching) -> tuple[int, int]:
    """The rows due, and how many of them a hold covers: one pass over the due rows, not two."""
    counted = select(func.count(), func.count().filter(batching.held)).select_from(batching.target.table)
    total, held = (await connection.execute(counted.where(batching.due))).one()
    return int(total), int(held)


async def next_batch(connection: AsyncConnection, batching: Batching, cursor: Any) -> Batch:
    """The batch after `cursor` (None: the first), in the caller's transaction."""
    if batching.rule.action is Action.DELETE:
        deleted, last = await _delete_batch(connection, batching, cursor)
        return Batch({"deleted": deleted}, last)
    rows = await _next_rows(connection, batching, cursor)
    counts = await _anonymise_or_restrict(connection, batching, rows)
    return Batch(counts, rows[-1]["key"] if rows else None)


async def _delete_batch(connection: AsyncConnection, batching: Batching, cursor: Any) -> tuple[int, Any]:
    """The batch is a key range: its upper end is the last of the next `size` keys (found on the
    key's index), and the DELETE covers the range, so the key's index serves it too, not a join the
    planner may turn into a scan of the table. No RETURNING: on PostgreSQL, returning the deleted
    keys costs as much again as the DELETE itself, while the row count comes free. Held rows are
    left out by the condition, and counted once per sweep (`count_due`), not per batch."""
    target = batching.target
    acting = [batching.due, ~batching.held] + ([target.key > cursor] if cursor is not None else [])
    next_keys = select(target.key.label("key")).where(*acting).order_by(target.key).limit(batching.size).subquery()
    last = await connection.scalar(select(next_keys.c.key).order_by(next_keys.c.key.desc()).limit(1))
    if last is None:
        return (0, None)
    in_batch = [*acting, target.key <= last]
    if batching.dry_run:
        return (
            int(await connection.scalar(select(func.count()).select_from(target.table).where(*in_batch)) or 0),
            last,
        )
    deleted = await connection.execute(delete(target.table).where(*in_batch))
    return (int(deleted.rowcount), last)


async def _next_rows(connection: AsyncConnection, batching: Batching, cursor: Any) -> list[dict[str, Any]]:
    """The next `size` due rows: key, subject (for holds) and each transformed column as `c_<name>`.
    A restricted row is not read again."""
    target, rule = batching.target, batching.rule
    columns = [target.key.label("key")]
    if target.subject is not None:
        columns.append(target.subject.label("subject"))
    columns += [target.column(t.column).label(f"c_{t.column}") for t in rule.transforms]
    query = select(*columns).where(batching.due)
    if rule.action is Action.RESTRICT and target.restricted is not None:
        query = query.where(or_(target.restricted.is_(None), target.restricted == false()))
    if cursor is not None:
        query = query.where(target.key > cursor)
    result = await connection.execute(query.order_by(target.key).limit(batching.size))
    return [dict(row) for row in result.mappings()]


async def _anonymise_or_restrict(
    connection: AsyncConnection, batching: Batching, rows: list[dict[str, Any]]
) -> dict[str, int]:
    target = batching.target
    acting = [row for row in rows if not holds_row(target, row, batching.holds)]
    counts = {"held": len(rows) - len(acting)}
    if batching.rule.action is Action.RESTRICT:
        counts["restricted"] = await _restrict(connection, batching, [row["key"] for row in acting])
    else:
        counts["anonymised"] = await anonymise(
            connection, target, batching.rule.transforms, acting, batching.hash_key, dry_run=batching.dry_run
        )
    return counts


async def _restrict(connection: AsyncConnection, batching: Batching, keys: list[Any]) -> int:
    target = batching.target
    if keys and not batching.dry_run and target.restricted is not None:
        await connection.execute(update(target.table).where(target.key.in_(keys)).values({target.restricted: true()}))
    return len(keys)
