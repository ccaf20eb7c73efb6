"""SQL databases as connectors: a person's rows found by a table mapping, exported, erased by
deleting, anonymising or keeping them under a named legal obligation, or rectified in the columns
the mapping allows, or flagged (suppressed after an objection, restricted); and everyone they hold
listed, for a breach's letters (Art. 34)."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import ColumnElement, TableClause, column, delete, func, select, table, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from dsar.connector_schemas import TableMapping
from dsar.connectors import Erasure, Kept, Table
from dsar.systems import System
from privacy.errors import SystemUnavailable
from privacy.outbound import open_sql_system
from privacy.settings import Settings
from privacy.systems import reaching


def _table(mapping: TableMapping) -> TableClause:
    names = dict.fromkeys([mapping.identity_column, *mapping.columns, *mapping.erasure.anonymise])
    return table(mapping.table, *[column(name) for name in names])


def _of_person(t: TableClause, mapping: TableMapping, email: str) -> ColumnElement[bool]:
    return func.lower(t.c[mapping.identity_column]) == email.strip().lower()


async def _engine(system: System, *, read_only: bool, settings: Settings) -> AsyncEngine:
    # No pool: a request's work opens one connection and closes it, whatever the worker does next.
    return await open_sql_system(system.reached.url, read_only=read_only, settings=settings)


async def export_sql(system: System, *, email: str, settings: Settings) -> list[Table]:
    async with reaching(system.reached.key):
        engine = await _engine(system, read_only=True, settings=settings)
        try:
            async with engine.connect() as connection:
                return [await _export_table(connection, system, mapping, email) for mapping in system.config.tables]
        finally:
            await engine.dispose()


async def _export_table(connection: AsyncConnection, system: System, mapping: TableMapping, email: str) -> Table:
    t = _table(mapping)
    query = select(*[t.c[name] for name in mapping.columns]).where(_of_person(t, mapping, email))
    rows = [dict(row) for row in (await connection.execute(query)).mappings()]
    return Table(system.key, mapping.table, mapping.category, rows, provided_by_person=mapping.provided_by_person)


async def erase_sql(system: System, *, email: str, settings: Settings) -> Erasure:
    """Every table of the system in one transaction of that database: all of it or none. Run again,
    it finds nothing left to erase, so a retry never erases twice."""
    erasure = Erasure(system.key)
    async with reaching(system.reached.key):
        engine = await _engine(system, read_only=False, settings=settings)
        try:
            async with engine.begin() as connection:
                for mapping in system.config.tables:
                    await _erase_table(connection, mapping, email, erasure)
        finally:
            await engine.dispose()
    return erasure


async def _erase_table(connection: AsyncConnection, mapping: TableMapping, email: str, erasure: Erasure) -> None:
    t, rule = _table(mapping), mapping.erasure
    where = _of_person(t, mapping, email)
    if rule.action == "keep":
        held = await connection.scalar(select(func.count()).select_from(t).where(where))
        if held:
            erasure.kept.append(Kept(f"{held} row(s) of {mapping.table}", rule.obligation or "", rule.until))
        return
    if rule.action == "anonymise":
        changed = (await connection.execute(update(t).where(where).values(**rule.anonymise))).rowcount
        if changed:
            columns = ", ".join(sorted(rule.anonymise))
            erasure.erased.append(f"{columns} in {changed} row(s) of {mapping.table} (anonymised)")
        return
    deleted = (await connection.execute(delete(t).where(where))).rowcount
    if deleted:
        erasure.erased.append(f"{deleted} row(s) of {mapping.table}")


async def rectify_sql(system: System, *, fields: dict[str, str | None], email: str, settings: Settings) -> list[str]:
    """Each table's rectifiable columns among `fields`, in the person's rows, all tables in one
    transaction of that database. Written again after a crash, the values are the same ones: a
    retry changes nothing twice (the identity column is never rectifiable, so the rows stay found)."""
    corrected: list[str] = []
    async with reaching(system.reached.key):
        engine = await _engine(system, read_only=False, settings=settings)
        try:
            async with engine.begin() as connection:
                for mapping in system.config.tables:
                    values = {name: value for name, value in fields.items() if name in mapping.rectifiable}
                    if values:
                        t = table(mapping.table, *[column(name) for name in [mapping.identity_column, *values]])
                        changed = (
                            await connection.execute(update(t).where(_of_person(t, mapping, email)).values(values))
                        ).rowcount
                        if changed:
                            corrected.append(f"{', '.join(sorted(values))} in {changed} row(s) of {mapping.table}")
        finally:
            await engine.dispose()
    return corrected


async def flag_person(
    system: System,
    *,
    flag: Literal["suppressed_column", "restricted_column"],
    value: bool,
    email: str,
    settings: Settings,
) -> list[str]:
    """Set the flag column each table maps (an objection's `suppressed_column`, a restriction's
    `restricted_column`) in the person's rows, in one transaction. A system that maps none cannot
    do it by itself: the step fails, saying so, for staff to map one."""
    mappings = [mapping for mapping in system.config.tables if getattr(mapping, flag)]
    if not mappings:
        # Not a failure to reach the system, and it names no host: said as it is, for staff to fix.
        raise SystemUnavailable(f"the connector '{system.key}' maps no {flag} to mark the person in")
    marked: list[str] = []
    async with reaching(system.reached.key):
        engine = await _engine(system, read_only=False, settings=settings)
        try:
            async with engine.begin() as connection:
                for mapping in mappings:
                    name = str(getattr(mapping, flag))
                    t = table(mapping.table, column(mapping.identity_column), column(name))
                    where = _of_person(t, mapping, email)
                    changed = (await connection.execute(update(t).where(where).values({name: value}))).rowcount
                    if changed:
                        marked.append(f"{changed} row(s) of {mapping.table}")
        finally:
            await engine.dispose()
    return marked


async def people_in_sql(system: System, *, limit: int, settings: Settings) -> list[str]:
    """Everyone the mapped tables hold, as their emails (lower case, each once), read only: at most
    `limit` and one more, so the caller can tell when there are more."""
    found: set[str] = set()
    async with reaching(system.reached.key):
        engine = await _engine(system, read_only=True, settings=settings)
        try:
            async with engine.connect() as connection:
                for mapping in system.config.tables:
                    identity = func.lower(_table(mapping).c[mapping.identity_column])
                    query = select(identity).where(identity.is_not(None)).distinct().limit(limit + 1)
                    found.update(await connection.scalars(query))
        finally:
            await engine.dispose()
    return sorted(found)[: limit + 1]
