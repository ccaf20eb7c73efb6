"""The consent set-up: sites, categories, services, regimes, lifetimes and the banner's texts, kept
in one row. Saved from the admin API, the console and the `consent` block of the configuration
file; every change is in the audit trail, and every process picks it up (`consent.cache`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from consent.decisions import LoadedSetup, in_memory
from consent.models import ConsentSetupRow
from consent.schemas import ConsentSetup
from privacy.actors import Actor
from privacy.audit import record_change
from privacy.config_file import Change, change_of
from privacy.errors import NotFound
from privacy.settings import Settings
from privacy.yaml_input import load_yaml

SETUP_ROW = 1


def loaded(row: ConsentSetupRow) -> LoadedSetup:
    return in_memory(ConsentSetup.model_validate(row.setup), revision=row.revision, etag=row.etag)


async def load_setup(session: AsyncSession) -> LoadedSetup | None:
    row = await session.get(ConsentSetupRow, SETUP_ROW)
    return loaded(row) if row else None


async def current_setup(session: AsyncSession) -> ConsentSetup:
    current = await load_setup(session)
    if current is None:
        raise NotFound("consent has not been set up yet")
    return current.setup


async def setup_etag(session: AsyncSession) -> str | None:
    etag = await session.scalar(select(ConsentSetupRow.etag).where(ConsentSetupRow.id == SETUP_ROW))
    return str(etag) if etag else None


async def save_setup(session: AsyncSession, *, setup: ConsentSetup, actor: Actor, now: datetime) -> bool:
    """Create or replace the set-up; returns whether anything changed."""
    row = await session.get(ConsentSetupRow, SETUP_ROW)
    after = setup.model_dump(mode="json")
    if row is not None and row.setup == after:
        return False
    before = row.setup if row else None
    if row is None:
        row = ConsentSetupRow(id=SETUP_ROW, revision=0, setup={})
        session.add(row)
    row.revision += 1
    row.etag = uuid.uuid4().hex
    row.setup, row.updated_at = after, now
    await record_change(
        session,
        actor=actor,
        action="consent.setup_updated",
        object_type="consent_setup",
        object_id=str(SETUP_ROW),
        before=before,
        after=after,
        now=now,
    )
    return True


async def save_setup_document(
    session: AsyncSession, *, document: str, max_bytes: int, actor: Actor, now: datetime
) -> bool:
    """The set-up as a YAML document (the console's editor): read within the size limits, checked,
    then saved. Raises `Invalid` or pydantic's `ValidationError`, saving nothing."""
    setup = ConsentSetup.model_validate(load_yaml(document, max_bytes=max_bytes))
    return await save_setup(session, setup=setup, actor=actor, now=now)


def setup_document(current: LoadedSetup | None) -> dict[str, Any]:
    """The set-up as the configuration file writes it: what differs from the defaults."""
    return current.setup.model_dump(mode="json", exclude_defaults=True) if current else {}


# The `consent` block of the configuration file.


async def apply_setup_block(
    session: AsyncSession, setup: ConsentSetup, actor: Actor, _settings: Settings, now: datetime
) -> list[Change]:
    existed = await setup_etag(session) is not None
    changed = await save_setup(session, setup=setup, actor=actor, now=now)
    return [change_of("consent", existed=existed, changed=changed, fields=["set-up"])]


async def export_setup_block(session: AsyncSession) -> dict[str, Any] | None:
    current = await load_setup(session)
    return setup_document(current) if current else None
