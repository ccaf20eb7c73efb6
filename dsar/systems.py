"""Connectors: the systems holding personal data as request work reaches them, each linked to the
register's activities and, for sql and http, to a system in the core's register of systems (whose
URL and secret only administrators see)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dsar.connector_schemas import ConnectorIn, ConnectorKind, ConnectorOut, TableMapping
from dsar.connectors import TOOLKIT
from dsar.models import Connector, RequestStep
from privacy import systems
from privacy.actors import Actor, Permission
from privacy.audit import record_change
from privacy.config_file import Change, apply_each, change_of
from privacy.errors import FieldError, Forbidden, Invalid, NotFound
from privacy.register import service as register
from privacy.settings import Settings


@dataclass(frozen=True)
class System:
    """A connector as the work on a request uses it: its settings and, for sql and http, the
    registered system's connection."""

    config: ConnectorIn
    connection: systems.Connection | None

    @property
    def key(self) -> str:
        return self.config.key

    @property
    def reached(self) -> systems.Connection:
        """The registered system behind an sql or http connector (its schema requires one)."""
        if self.connection is None:
            raise ValueError(f"connector '{self.key}' names no system")
        return self.connection


async def save_connector(
    session: AsyncSession, *, connector: ConnectorIn, actor: Actor, now: datetime
) -> tuple[Connector, bool]:
    """Create or replace a connector; answers whether anything changed."""
    await _check_activities(session, connector)
    await _check_system(session, connector)
    row = await session.scalar(select(Connector).where(Connector.key == connector.key))
    before = row.content if row is not None else None
    _check_writes(connector, before, actor)
    if row is not None and row.content == connector.public():
        return row, False
    if row is None:
        row = Connector(key=connector.key, kind=connector.kind.value, content={}, updated_at=now)
        session.add(row)
    row.kind, row.system_key, row.content, row.updated_at = (
        connector.kind.value,
        connector.system,
        connector.public(),
        now,
    )
    await session.flush()
    await record_change(
        session,
        actor=actor,
        action="connector.saved",
        object_type="connector",
        object_id=connector.key,
        before=before,
        after=connector.public(),
        now=now,
    )
    return row, True


def _writable_columns(content: dict[str, Any] | None) -> set[tuple[str, str]]:
    """The columns a rectification may correct and the flags the toolkit sets. (What erasure does
    to a table stays the officer's mapping, as the right to erasure requires.)"""
    tables = [TableMapping.model_validate(table) for table in (content or {}).get("tables", [])]
    return {
        (t.table, name)
        for t in tables
        for name in [*t.rectifiable, *filter(None, [t.suppressed_column, t.restricted_column])]
    }


def _check_writes(connector: ConnectorIn, before: dict[str, Any] | None, actor: Actor) -> None:
    """Which columns the toolkit may write in another system beyond erasure (rectifiable, the
    suppressed and restricted flags) is an administrator's decision, as the system itself is: an
    officer may keep or narrow them."""
    wider = not _writable_columns(connector.public()) <= _writable_columns(before)
    if wider and not actor.may(Permission.MANAGE_SYSTEMS):
        raise Forbidden("only an administrator lets the toolkit write more columns of another system")


async def _check_activities(session: AsyncSession, connector: ConnectorIn) -> None:
    known = {activity.key for activity in await register.list_activities(session)}
    unknown = [key for key in connector.activities if key not in known]
    if unknown:
        raise Invalid(
            "the connector names activities that are not in the register",
            errors=[
                FieldError(f"activities[{connector.activities.index(key)}]", f"unknown activity '{key}'")
                for key in unknown
            ],
        )


async def _check_system(session: AsyncSession, connector: ConnectorIn) -> None:
    if connector.system is None:
        return
    try:
        kind = await systems.system_kind(session, key=connector.system)
    except NotFound as error:
        raise Invalid(
            "the connector names a system that is not registered",
            errors=[FieldError("system", f"no system '{connector.system}' is registered (an administrator adds it)")],
        ) from error
    if kind.value != connector.kind.value:
        raise Invalid(
            "the connector's kind differs from its system's",
            errors=[FieldError("system", f"'{connector.system}' is an {kind.value} system")],
        )


def connector_out(row: Connector) -> ConnectorOut:
    config = ConnectorIn.model_validate(row.content)
    return ConnectorOut(
        key=config.key,
        name=config.name,
        kind=config.kind,
        activities=config.activities,
        enabled=config.enabled,
        system=config.system,
        tables=config.tables,
        owner_email=config.owner_email,
    )


async def list_connectors(session: AsyncSession) -> list[Connector]:
    return list(await session.scalars(select(Connector).order_by(Connector.key)))


async def system(session: AsyncSession, *, key: str) -> System:
    row = await session.scalar(select(Connector).where(Connector.key == key))
    if row is None:
        raise NotFound(f"no connector '{key}'")
    config = ConnectorIn.model_validate(row.content)
    connection = await systems.connection(session, key=config.system) if config.system else None
    return System(config, connection)


async def manual_systems(session: AsyncSession) -> list[str]:
    """The systems whose owners complete their steps by hand, in the console."""
    return [row.key for row in await list_connectors(session) if row.kind == ConnectorKind.MANUAL.value]


async def enabled_systems(session: AsyncSession) -> list[str]:
    return [row.key for row in await list_connectors(session) if row.content.get("enabled", True)]


async def queue_for_every_system(session: AsyncSession, *, request_id: uuid.UUID, action: str) -> None:
    """A step of a request for the toolkit's own records and each enabled system."""
    for system in [TOOLKIT, *await enabled_systems(session)]:
        session.add(RequestStep(request_id=request_id, system=system, action=action, status="pending"))


async def systems_linked_to(session: AsyncSession, *, activities: set[str]) -> list[str]:
    """The enabled systems that hold data for any of these activities of the register."""
    return [
        row.key
        for row in await list_connectors(session)
        if row.content.get("enabled", True) and activities & set(row.content.get("activities", []))
    ]


async def delete_connector(session: AsyncSession, *, key: str, actor: Actor, now: datetime) -> None:
    row = await session.scalar(select(Connector).where(Connector.key == key))
    if row is None:
        raise NotFound(f"no connector '{key}'")
    await record_change(
        session,
        actor=actor,
        action="connector.deleted",
        object_type="connector",
        object_id=key,
        before=row.content,
        after=None,
        now=now,
    )
    await session.delete(row)


# The `connectors` block of the configuration file.


async def apply_connectors_block(
    session: AsyncSession, connectors: list[ConnectorIn], actor: Actor, _settings: Settings, now: datetime
) -> list[Change]:
    known = {row.key for row in await list_connectors(session)}

    async def apply_one(connector: ConnectorIn) -> Change:
        _, changed = await save_connector(session, connector=connector, actor=actor, now=now)
        return change_of(f"connectors[{connector.key}]", existed=connector.key in known, changed=changed)

    return await apply_each("connectors", connectors, apply_one)


async def export_connectors_block(session: AsyncSession) -> list[dict[str, Any]] | None:
    # Through the schema: its field order, not the order PostgreSQL's JSONB keeps keys in.
    connectors = await list_connectors(session)
    return [
        ConnectorIn.model_validate(row.content).model_dump(mode="json", exclude_unset=True) for row in connectors
    ] or None
