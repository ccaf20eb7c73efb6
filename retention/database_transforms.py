"""Anonymising in the store's own database where it can, so a batch's rows never travel to the
toolkit and back: on SQLite the Python transforms are registered as functions of the sweep's
connection; on PostgreSQL the keyed hash is pgcrypto's `hmac()` (when the store has it) and IP
truncation takes dotted IPv4 addresses, leaving any other address to the Python transforms. The
values written are the Python transforms' (`retention.transforms`), byte for byte."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, LargeBinary, String, and_, bindparam, case, func, literal, null, or_, text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import NullType

from retention.schemas import ColumnTransform, Transform
from retention.stores import Target
from retention.transforms import HASH_LENGTH, HASH_PREFIX, column_types, transformed

# `month` stays in Python: its value depends on how each driver hands over dates and times.
IN_DATABASE = {Transform.NULL, Transform.CONSTANT, Transform.KEYED_HASH, Transform.TRUNCATE_IP}
POSTGRESQL_TEXT = ("text", "character varying")
# An IPv4 address as `privacy.network.truncate_ip` takes it the quick way: four ASCII decimal octets
# of 0 to 255 without leading zeros. PostgreSQL's `$` matches only at the very end of the text.
OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
DOTTED_IPV4 = rf"^{OCTET}\.{OCTET}\.{OCTET}\.{OCTET}$"
SQLITE_FUNCTIONS = {"privacy_keyed_hash": Transform.KEYED_HASH, "privacy_truncate_ip": Transform.TRUNCATE_IP}


@dataclass(frozen=True)
class InDatabase:
    """A rule's transforms as expressions its store's database evaluates."""

    values: dict[str, ColumnElement[Any]]  # each transformed column's new value
    changes: ColumnElement[bool]  # a value of the row changes: it is not anonymised already
    rest: ColumnElement[bool] | None  # rows left to the Python transforms; None: no row is


async def in_database(
    connection: AsyncConnection, target: Target, transforms: list[ColumnTransform], hash_key: bytes
) -> InDatabase | None:
    """The transforms in the store's database, or None where it cannot do them all."""
    if any(t.transform not in IN_DATABASE for t in transforms):
        return None
    if connection.dialect.name == "sqlite":
        return await _on_sqlite(connection, target, transforms, hash_key)
    if connection.dialect.name == "postgresql":
        return await _on_postgresql(connection, target, transforms, hash_key)
    return None


async def _on_sqlite(
    connection: AsyncConnection, target: Target, transforms: list[ColumnTransform], hash_key: bytes
) -> InDatabase | None:
    """The registered functions get the values as stored, which the Python path also reads from an
    untyped column or a plain string one; a typed column (an encrypted one, say) stays in Python."""
    for t in transforms:
        kind = target.column(t.column).type
        if t.transform is not Transform.NULL and not isinstance(kind, NullType | String):
            return None
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    for name, transform in SQLITE_FUNCTIONS.items():
        await driver.create_function(name, 1, _python(transform, hash_key), deterministic=True)
    return _expressions(
        target,
        transforms,
        keyed_hash=func.privacy_keyed_hash,
        truncate_ip=func.privacy_truncate_ip,
        rest=None,
    )


def _python(transform: Transform, hash_key: bytes) -> Callable[[Any], Any]:
    column = ColumnTransform(column="value", transform=transform)
    return lambda value: transformed(value, column, hash_key)


async def _on_postgresql(
    connection: AsyncConnection, target: Target, transforms: list[ColumnTransform], hash_key: bytes
) -> InDatabase | None:
    types = await column_types(connection, target)
    if any(t.transform is not Transform.NULL and not types[t.column].startswith(POSTGRESQL_TEXT) for t in transforms):
        return None
    hashing = any(t.transform is Transform.KEYED_HASH for t in transforms)
    if hashing and not await connection.scalar(text("SELECT to_regprocedure('hmac(bytea, bytea, text)') IS NOT NULL")):
        return None  # no pgcrypto in the store (or not on its search path)
    key = bindparam("hash_key", hash_key, type_=LargeBinary)
    ip_columns = [target.column(t.column) for t in transforms if t.transform is Transform.TRUNCATE_IP]
    rest = or_(*(and_(c.is_not(None), ~c.regexp_match(DOTTED_IPV4)) for c in ip_columns)) if ip_columns else None
    return _expressions(
        target,
        transforms,
        # The key travels to the store's server as a parameter of the statement, never in its text.
        keyed_hash=lambda value: _concatenated(
            literal(HASH_PREFIX, String),
            func.substr(func.encode(func.hmac(func.convert_to(value, "UTF8"), key, "sha256"), "hex"), 1, HASH_LENGTH),
        ),
        truncate_ip=lambda value: _concatenated(
            func.split_part(value, ".", 1), literal("."), func.split_part(value, ".", 2), literal(".0.0")
        ),
        rest=rest,
    )


def _concatenated(*parts: ColumnElement[Any]) -> ColumnElement[Any]:
    """`a || b || ...`: NULL when any part is, as the transforms leave NULL as it is."""
    joined = parts[0]
    for part in parts[1:]:
        joined = joined.concat(part)
    return joined


def _expressions(
    target: Target,
    transforms: list[ColumnTransform],
    *,
    keyed_hash: Callable[[ColumnElement[Any]], ColumnElement[Any]],
    truncate_ip: Callable[[ColumnElement[Any]], ColumnElement[Any]],
    rest: ColumnElement[bool] | None,
) -> InDatabase:
    values: dict[str, ColumnElement[Any]] = {}
    changes: list[ColumnElement[bool]] = []
    for t in transforms:
        value = target.column(t.column)
        if t.transform is Transform.KEYED_HASH:
            hashed_already = func.substr(value, 1, len(HASH_PREFIX)) == HASH_PREFIX
            values[t.column] = case((hashed_already, value), else_=keyed_hash(value))
            changes.append(and_(value.is_not(None), ~hashed_already))
            continue
        if t.transform is Transform.TRUNCATE_IP:
            values[t.column] = truncate_ip(value)
        elif t.transform is Transform.CONSTANT:
            values[t.column] = case((value.is_(None), null()), else_=literal(t.value, String))
        else:
            values[t.column] = null()
        changes.append(value.is_distinct_from(values[t.column]))
    return InDatabase(values, or_(*changes), rest)
