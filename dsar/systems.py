"""The register of systems holding personal data (connectors): each linked to the register's
activities, its secrets encrypted at rest and never shown again."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dsar.models import Connector
from dsar.schemas import ConnectorIn, ConnectorOut
from privacy import register
from privacy.actors import Actor
from privacy.audit import record_change
from privacy.errors import FieldError, Invalid, NotFound
from privacy.keys import decrypt_field, encrypt_field

SECRET_FIELDS = ("database_url", "secret")


@dataclass(frozen=True)
class System:
    """A connector as the work on a request uses it: its settings with the secrets opened."""

    config: ConnectorIn

    @property
    def key(self) -> str:
        return self.config.key


def _context(key: str) -> str:
    return f"connector:{key}:secrets"


async def save_connector(
    session: AsyncSession, *, connector: ConnectorIn, actor: Actor, now: datetime
) -> tuple[Connector, bool]:
    """Create or replace a connector; answers whether anything changed."""
    await _check_activities(session, connector)
    row = await session.scalar(select(Connector).where(Connector.key == connector.key))
    secrets = {name: getattr(connector, name) for name in SECRET_FIELDS if getattr(connector, name)}
    if row is not None and row.secrets_encrypted:
        secrets = {**_open_secrets(session, row), **secrets}  # left out on an update: the stored one stays
    sealed = await encrypt_field(session, json.dumps(secrets, sort_keys=True), context=_context(connector.key))
    before = row.content if row is not None else None
    if row is not None and row.content == connector.public() and _open_secrets(session, row) == secrets:
        return row, False
    if row is None:
        row = Connector(key=connector.key, kind=connector.kind.value, content={}, updated_at=now)
        session.add(row)
    row.kind, row.content, row.secrets_encrypted, row.updated_at = connector.kind.value, connector.public(), sealed, now
    await session.flush()
    after = {**connector.public(), "secrets": sorted(secrets)}  # which secrets are set, never their values
    await record_change(
        session,
        actor=actor,
        action="connector.saved",
        object_type="connector",
        object_id=connector.key,
        before=before,
        after=after,
        now=now,
    )
    return row, True


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


def _open_secrets(session: AsyncSession, row: Connector) -> dict[str, str]:
    if not row.secrets_encrypted:
        return {}
    opened: dict[str, str] = json.loads(decrypt_field(session, row.secrets_encrypted, context=_context(row.key)))
    return opened


def connector_out(session: AsyncSession, row: Connector) -> ConnectorOut:
    config = ConnectorIn.model_validate(row.content)
    secrets = _open_secrets(session, row)
    return ConnectorOut(
        key=config.key,
        name=config.name,
        kind=config.kind,
        activities=config.activities,
        enabled=config.enabled,
        tables=config.tables,
        url=config.url,
        owner_email=config.owner_email,
        has_database_url="database_url" in secrets,
        has_secret="secret" in secrets,
    )


async def list_connectors(session: AsyncSession) -> list[Connector]:
    return list(await session.scalars(select(Connector).order_by(Connector.key)))


async def system(session: AsyncSession, key: str) -> System:
    row = await session.scalar(select(Connector).where(Connector.key == key))
    if row is None:
        raise NotFound(f"no connector '{key}'")
    return System(ConnectorIn.model_validate({**row.content, **_open_secrets(session, row)}))


async def enabled_systems(session: AsyncSession) -> list[str]:
    return [row.key for row in await list_connectors(session) if row.content.get("enabled", True)]


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
