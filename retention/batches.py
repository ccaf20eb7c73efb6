"""A sweep's batches, by key: each takes the due rows after the cursor, in a transaction of its own,
and deletes, anonymises or restricts them, leaving alone the rows a legal hold covers. Rows go in
key order, so a batch is a key range that the key's index serves and that never locks more than a
batch's rows. A batch's size follows a time budget: the next takes as many keys as the last one's
pace fits in `BATCH_SECONDS`."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Delete, Update, delete, false, func, null, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection

from retention.database_transforms import InDatabase, in_database
from retention.schemas import Action, RuleIn
from retention.service import ActiveHolds
from retention.stores import Target, held_condition
from retention.transforms import anonymise, column_types

# Long enough that a batch's own costs (finding its range, committing, the run record) stay small
# beside its rows; short enough that no row, and no writer waiting for one, is held up for long.
BATCH_SECONDS = 0.25
MAX_GROWTH = 4  # the pace of a small batch says little of one many times its size
POSTGRESQL_WITH_MAXIMUM = ("smallint", "integer", "bigint", "numeric", "text", "character", "date", "timestamp")


@dataclass(frozen=True)
class Batching:
    """How one sweep takes its rows: those due in its store, less those a hold covers."""

    target: Target
    rule: RuleIn
    holds: ActiveHolds
    due: ColumnElement[bool]
    held: ColumnElement[bool]
    hash_key: bytes  # for keyed_hash transforms
    dry_run: bool
    until_last_due: ColumnElement[bool] = field(default_factory=true)  # keys up to the last due at the start
    in_database: InDatabase | None = None  # the transforms the store's database does itself


def batching_of(
    target: Target, rule: RuleIn, holds: ActiveHolds, *, cutoff: datetime, hash_key: bytes, dry_run: bool
) -> Batching:
    return Batching(target, rule, holds, target.due(cutoff), held_condition(target, holds), hash_key, dry_run)


@dataclass(frozen=True)
class Due:
    """The rows due when a sweep starts, and how many of them a hold covers. Held rows are left out
    of every batch and counted here, once per sweep."""

    rows: int
    held: int


async def prepared(connection: AsyncConnection, batching: Batching) -> tuple[Batching, Due]:
    """The batching on the sweep's connection, and the rows due, in one pass over them. Batches stop
    at the last key due now (where the database has `max()` for the key): past it, finding that no
    row is due would take a walk over the rest of the table. None starts when every due row is held.
    An anonymising batching learns what the store's database can transform itself (on SQLite, the
    functions it registers live on this connection)."""
    target = batching.target
    ordered = await _has_maximum(connection, target)
    counted = select(func.count(), func.count().filter(batching.held), func.max(target.key) if ordered else null())
    rows, held, last_due = (await connection.execute(counted.select_from(target.table).where(batching.due))).one()
    until_last_due: ColumnElement[bool] = true()
    if rows == held:
        until_last_due = false()
    elif ordered:
        until_last_due = target.key <= last_due
    transforms = None
    if batching.rule.action is Action.ANONYMISE:
        transforms = await in_database(connection, target, batching.rule.transforms, batching.hash_key)
    return replace(batching, until_last_due=until_last_due, in_database=transforms), Due(int(rows), int(held))


async def _has_maximum(connection: AsyncConnection, target: Target) -> bool:
    """Whether the database has `max()` for the key's type (PostgreSQL has none for uuid, say)."""
    if connection.dialect.name != "postgresql":
        return True
    return (await column_types(connection, target))[target.key.name].startswith(POSTGRESQL_WITH_MAXIMUM)


def next_size(size: int, seconds: float) -> int:
    """The next batch's keys, after a batch of `size` keys took `seconds`."""
    fitting = int(size * BATCH_SECONDS / max(seconds, 1e-6))
    return max(1, min(fitting, size * MAX_GROWTH))


@dataclass(frozen=True)
class Batch:
    counts: dict[str, int]  # by action
    last: Any  # the last key the batch covered: the next batch's cursor; None when no row was left


async def next_batch(connection: AsyncConnection, batching: Batching, cursor: Any, size: int) -> Batch:
    """The next `size` keys after `cursor` (None: from the first), up to the last key due at the
    start, and the rows among them to act on, in the caller's transaction."""
    target, action = batching.target, batching.rule.action
    keys = [batching.until_last_due] + ([target.key > cursor] if cursor is not None else [])
    last = await _range_end(connection, target, keys, size)
    if last is None:
        return Batch({}, None)
    in_batch = [*keys, target.key <= last, batching.due, ~batching.held]
    if action is Action.DELETE:
        return Batch({"deleted": await _changed(connection, batching, delete(target.table), in_batch)}, last)
    if action is Action.RESTRICT:
        restricted = target.restricted
        assert restricted is not None, "a rule that restricts names its store's restricted column"
        restricting = update(target.table).values({restricted: true()})
        not_yet = or_(restricted.is_(None), restricted == false())
        return Batch({"restricted": await _changed(connection, batching, restricting, [*in_batch, not_yet])}, last)
    return Batch({"anonymised": await _anonymise(connection, batching, in_batch)}, last)


async def _range_end(connection: AsyncConnection, target: Target, keys: list[ColumnElement[bool]], size: int) -> Any:
    """The last of the next `size` keys: a walk over the key's index alone. The statements then
    cover the key range, which that index serves too, not a join the planner may turn into a scan
    of the table; nor do they return the keys they touch, which on PostgreSQL costs as much again
    as a DELETE itself, while the row count comes free."""
    next_keys = select(target.key.label("key")).where(*keys).order_by(target.key).limit(size).subquery()
    return await connection.scalar(select(next_keys.c.key).order_by(next_keys.c.key.desc()).limit(1))


async def _changed(
    connection: AsyncConnection, batching: Batching, statement: Delete | Update, rows: list[ColumnElement[bool]]
) -> int:
    """Rows the statement changes; counted, not changed, in a dry run."""
    if batching.dry_run:
        counted = select(func.count()).select_from(batching.target.table).where(*rows)
        return int(await connection.scalar(counted) or 0)
    return int((await connection.execute(statement.where(*rows))).rowcount)


async def _anonymise(connection: AsyncConnection, batching: Batching, in_batch: list[ColumnElement[bool]]) -> int:
    """The rows of the batch the store's database cannot transform through the Python transforms,
    then the others in the database (rows anonymised already left out). The Python ones come first,
    while the batch's rows have only their current versions to read."""
    transforms = batching.in_database
    if transforms is None:
        return await _anonymise_in_python(connection, batching, in_batch)
    anonymised = 0
    rows = [*in_batch, transforms.changes]
    if transforms.rest is not None:
        anonymised += await _anonymise_in_python(connection, batching, [*in_batch, transforms.rest])
        rows.append(~transforms.rest)
    anonymising = update(batching.target.table).values(
        {batching.target.column(name): value for name, value in transforms.values.items()}
    )
    return anonymised + await _changed(connection, batching, anonymising, rows)


async def _anonymise_in_python(connection: AsyncConnection, batching: Batching, rows: list[ColumnElement[bool]]) -> int:
    """The rows' key and each transformed column as `c_<name>`, anonymised in Python and written back."""
    target, transforms = batching.target, batching.rule.transforms
    columns = [target.key.label("key"), *(target.column(t.column).label(f"c_{t.column}") for t in transforms)]
    read = await connection.execute(select(*columns).where(*rows).order_by(target.key))
    values = [dict(row) for row in read.mappings()]
    return await anonymise(connection, target, transforms, values, batching.hash_key, dry_run=batching.dry_run)
