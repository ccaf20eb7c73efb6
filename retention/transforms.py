"""Anonymising: each column's transform, and a batch of rows written back with their anonymised
values. Every transform is idempotent (a value already transformed stays as it is), so a batch
repeated after a crash changes nothing twice, and a row anonymised already is not written again."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from privacy.network import truncate_ip
from retention.schemas import ColumnTransform, Transform
from retention.stores import Target

HASH_PREFIX = "h:"
HASH_LENGTH = 40  # hexadecimal digits of the HMAC-SHA256 kept after the prefix


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
    return HASH_PREFIX + hmac.new(hash_key, text.encode(), hashlib.sha256).hexdigest()[:HASH_LENGTH]


def _first_of_month(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if isinstance(value, date):
        return value.replace(day=1)
    text = str(value)
    return f"{text[:7]}-01" if len(text) >= 10 and text[4] == "-" else value


async def anonymise(
    connection: AsyncConnection,
    target: Target,
    transforms: list[ColumnTransform],
    rows: list[dict[str, Any]],
    hash_key: bytes,
    *,
    dry_run: bool,
) -> int:
    """Write the anonymised values of `rows` (each with its `key` and a `c_<column>` per transform
    read); answers how many rows changed."""
    changes = _changes(transforms, rows, hash_key)
    if changes and not dry_run:
        if connection.dialect.name == "postgresql":
            await _update_from_arrays(connection, target, [t.column for t in transforms], changes)
        else:  # SQLite runs in-process: one statement, its parameters sent together (executemany)
            statement = (
                update(target.table)
                .where(target.key == bindparam("row_key"))
                .values({target.column(t.column): bindparam(f"v_{t.column}") for t in transforms})
            )
            await connection.execute(statement, changes)
    return len(changes)


def _changes(transforms: list[ColumnTransform], rows: list[dict[str, Any]], hash_key: bytes) -> list[dict[str, Any]]:
    """Each row's key (`row_key`) and new values (`v_<column>`), for the rows whose values change."""
    changes = []
    for row in rows:
        values = {t.column: transformed(row[f"c_{t.column}"], t, hash_key) for t in transforms}
        if all(values[t.column] == row[f"c_{t.column}"] for t in transforms):
            continue  # anonymised already (an earlier run, or this batch before a crash)
        changes.append({"row_key": row["key"], **{f"v_{name}": value for name, value in values.items()}})
    return changes


async def _update_from_arrays(
    connection: AsyncConnection, target: Target, columns: list[str], changes: list[dict[str, Any]]
) -> None:
    """The whole batch in one UPDATE joined to its new values sent as arrays: one round trip and one
    plan, where executemany costs a statement per row. Values travel as text and are cast back to
    each column's own type."""
    quote = connection.dialect.identifier_preparer.quote
    types = await column_types(connection, target)
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


async def column_types(connection: AsyncConnection, target: Target) -> dict[str, str]:
    """PostgreSQL's name of the type of each column of the target's table, read from the catalogue
    once per sweep (kept in the target)."""
    if not target.column_types:
        rows = await connection.execute(
            text(
                "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                "WHERE attrelid = CAST(:table AS regclass) AND attnum > 0 AND NOT attisdropped"
            ),
            {"table": target.table.name},
        )
        target.column_types = {str(name): str(type_name) for name, type_name in rows}
    return target.column_types


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)
