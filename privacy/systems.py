"""The register of other systems holding personal data, shared by request connectors and retention
stores. Administrators register a system's URL and secret; everyone else names it by key and never
sees either. A system that fails is reported the same way whatever went wrong."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from privacy.actors import Actor
from privacy.audit import record_change
from privacy.config_file import Change, apply_each, change_of
from privacy.db import Base, field_context
from privacy.errors import Conflict, FieldError, Invalid, NotFound, PrivacyError, SystemUnavailable
from privacy.json_input import parse_json
from privacy.keys import decrypt_field, encrypt_field
from privacy.models import ExternalSystem
from privacy.outbound import (
    OutboundRefused,
    admitted_addresses,
    check_http_url,
    check_sql_url,
    open_sql_system,
    shown_url,
)
from privacy.schemas import SystemCheckOut, SystemIn, SystemKind, SystemOut, SystemSummary
from privacy.settings import Settings

logger = logging.getLogger("privacy.systems")


class BadAnswer(Exception):
    """The system answered, but not in the shape its protocol asks for."""


def answer_of(response: httpx.Response) -> dict[str, Any]:
    """A system's JSON answer, read with the limits of any JSON from outside."""
    try:
        answer = parse_json(response.content)
    except PrivacyError as error:
        raise BadAnswer("answered something that is not JSON, or nested too deep") from error
    if not isinstance(answer, dict):
        raise BadAnswer("answered JSON that is not an object")
    return answer


@dataclass(frozen=True)
class Connection:
    """A registered system as the work uses it: its URL and secret opened."""

    key: str
    name: str
    kind: SystemKind
    url: str
    secret: str | None


def _context(key: str) -> str:
    return field_context(ExternalSystem.connection_encrypted, key=key)


async def _row(session: AsyncSession, key: str) -> ExternalSystem:
    row = await session.scalar(select(ExternalSystem).where(ExternalSystem.key == key))
    if row is None:
        raise NotFound(f"no system '{key}' is registered")
    return row


def _open(session: AsyncSession, row: ExternalSystem) -> Connection:
    opened = json.loads(decrypt_field(session, row.connection_encrypted, context=_context(row.key)))
    return Connection(row.key, row.name, SystemKind(row.kind), opened["url"], opened.get("secret"))


async def save_system(
    session: AsyncSession, *, system: SystemIn, actor: Actor, settings: Settings, now: datetime
) -> tuple[ExternalSystem, bool]:
    """Register or change a system; answers whether anything changed."""
    row = await session.scalar(select(ExternalSystem).where(ExternalSystem.key == system.key))
    stored = _open(session, row) if row is not None else None
    if stored is not None and stored.kind is not system.kind:
        raise Invalid("a system's kind cannot change", errors=[FieldError("kind", f"it is {stored.kind.value}")])
    url = await _checked_url(system, stored, settings)
    secret = system.secret or (stored.secret if stored else None)
    if system.kind is SystemKind.HTTP and not secret:
        raise Invalid("an HTTP system needs its shared secret", errors=[FieldError("secret", "required")])
    unchanged = stored is not None and (stored.name, stored.url, stored.secret) == (system.name, url, secret)
    if row is not None and unchanged:
        return row, False
    sealed = await encrypt_field(session, json.dumps({"url": url, "secret": secret}), context=_context(system.key))
    if row is None:
        row = ExternalSystem(key=system.key, kind=system.kind.value)
        session.add(row)
    row.name, row.connection_encrypted, row.updated_at = system.name, sealed, now
    await session.flush()
    await record_change(
        session,
        actor=actor,
        action="system.saved",
        object_type="external_system",
        object_id=system.key,
        before=_audited(stored.name, stored.kind) if stored else None,
        # Auditors read the trail: whether the URL or secret changed, never what they are.
        after={
            **_audited(system.name, system.kind),
            "url_changed": stored is None or stored.url != url,
            "secret_changed": stored is not None and stored.secret != secret,
        },
        now=now,
    )
    return row, True


def _audited(name: str, kind: SystemKind) -> dict[str, str]:
    return {"name": name, "kind": kind.value}


async def _checked_url(system: SystemIn, stored: Connection | None, settings: Settings) -> str:
    if system.url is None:
        if stored is None:
            raise Invalid("a new system needs its URL", errors=[FieldError("url", "required")])
        return stored.url
    if system.kind is SystemKind.SQL:
        return await check_sql_url(system.url, settings)
    return check_http_url(system.url, settings)


async def delete_system(session: AsyncSession, *, key: str, actor: Actor, now: datetime) -> None:
    row = await _row(session, key)
    users = await _tables_using(session, key)
    if users:
        raise Conflict(f"the system '{key}' is still used ({', '.join(users)}); change those first")
    await session.delete(row)
    await record_change(
        session,
        actor=actor,
        action="system.deleted",
        object_type="external_system",
        object_id=key,
        before=_audited(row.name, SystemKind(row.kind)),
        after=None,
        now=now,
    )


async def _tables_using(session: AsyncSession, key: str) -> list[str]:
    """The tables whose rows name the system (each domain's reference is a foreign key to it)."""
    using = []
    for table in Base.metadata.sorted_tables:
        for reference in table.foreign_keys:
            if reference.column.table.name == ExternalSystem.__tablename__:
                found = await session.scalar(select(func.count()).select_from(table).where(reference.parent == key))
                if found:
                    using.append(table.name.replace("_", " "))
    return using


async def list_systems(session: AsyncSession) -> list[SystemSummary]:
    rows = await session.scalars(select(ExternalSystem).order_by(ExternalSystem.key))
    return [SystemSummary(key=row.key, name=row.name, kind=SystemKind(row.kind)) for row in rows]


async def system_kind(session: AsyncSession, *, key: str) -> SystemKind:
    return SystemKind((await _row(session, key)).kind)


async def system_out(session: AsyncSession, *, key: str) -> SystemOut:
    row = await _row(session, key)
    opened = _open(session, row)
    return SystemOut(
        key=row.key,
        name=row.name,
        kind=opened.kind,
        url=shown_url(opened.url),
        has_secret=opened.secret is not None,
        updated_at=row.updated_at,
    )


async def connection(session: AsyncSession, *, key: str) -> Connection:
    return _open(session, await _row(session, key))


@contextlib.asynccontextmanager
async def reaching(key: str) -> AsyncIterator[None]:
    """Turn any failure to reach or use a system into one answer: the system failed. Only the
    kind of failure is logged (a database's message may quote the person's data)."""
    try:
        yield
    except (OutboundRefused, BadAnswer, OSError, SQLAlchemyError, httpx.HTTPError) as error:
        reason = _reason(error)
        logger.warning("system %s failed: %s", key, reason)
        raise SystemUnavailable(
            f"the system '{key}' could not be reached or did not answer as expected", reason=reason
        ) from error


def _reason(error: Exception) -> str:
    if isinstance(error, OutboundRefused):
        return error.detail
    if isinstance(error, BadAnswer):
        return str(error)
    return type(error).__name__


async def check_system(session: AsyncSession, *, key: str, settings: Settings) -> SystemCheckOut:
    """For administrators: can the toolkit reach the system now, and if not, why."""
    found = await connection(session, key=key)
    try:
        async with reaching(key):
            await _try(found, settings)
    except SystemUnavailable as error:
        return SystemCheckOut(reachable=False, detail=str(error.extra["reason"]))
    return SystemCheckOut(reachable=True, detail="connected")


async def _try(found: Connection, settings: Settings) -> None:
    if found.kind is SystemKind.HTTP:
        target = httpx.URL(found.url)
        await admitted_addresses(target.host, target.port or (443 if target.scheme == "https" else 80), settings)
        return
    engine = await open_sql_system(found.url, read_only=True, settings=settings)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    finally:
        await engine.dispose()


# The `systems` block of the configuration file: applied first, as connectors and rules name them.


async def apply_systems_block(
    session: AsyncSession, registered: list[SystemIn], actor: Actor, settings: Settings, now: datetime
) -> list[Change]:
    known = {system.key for system in await list_systems(session)}

    async def apply_one(system: SystemIn) -> Change:
        _, changed = await save_system(session, system=system, actor=actor, settings=settings, now=now)
        return change_of(f"systems[{system.key}]", existed=system.key in known, changed=changed)

    return await apply_each("systems", registered, apply_one)


async def export_systems_block(session: AsyncSession) -> list[dict[str, Any]] | None:
    """Without URLs and secrets, which stay as stored when the file is applied again."""
    return [system.model_dump(mode="json") for system in await list_systems(session)] or None
