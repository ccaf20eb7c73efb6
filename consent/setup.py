"""The consent set-up: sites, categories, services, regimes, lifetimes and the banner's texts, kept
in one row. Saved from the admin API, the console and the `consent` block of the configuration
file; every change is in the audit trail, and every process picks it up (`consent.cache`)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from consent.decisions import LoadedSetup, banner_text_hash, in_memory
from consent.declarations import declaration_problems
from consent.exemption import exemption_problems
from consent.models import ConsentSetupRow
from consent.schemas import ConsentSetup
from privacy.actors import Actor
from privacy.audit import record_change
from privacy.config_file import Change, change_of
from privacy.errors import Invalid, NotFound
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


def check_setup(setup: ConsentSetup) -> None:
    """What the categories declare agrees, and exempt measurement meets its conditions."""
    problems = declaration_problems(setup) + exemption_problems(setup)
    if problems:
        raise Invalid("the consent set-up has errors; nothing was saved", errors=problems)


async def save_setup(session: AsyncSession, *, setup: ConsentSetup, actor: Actor, now: datetime) -> bool:
    """Create or replace the set-up, once checked; returns whether anything changed."""
    check_setup(setup)
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

# The policy version publishing a material change of the privacy notice gives the set-up
# (`privacy.notice.service`). The notice owns it from then on: a configuration file re-applied
# would otherwise put its own version back, and the banner would ask every visitor again.
NOTICE_POLICY_VERSION = re.compile(r"notice-[0-9]+")


async def apply_setup_block(
    session: AsyncSession, setup: ConsentSetup, actor: Actor, _settings: Settings, now: datetime
) -> list[Change]:
    """The file's set-up, but the notice's policy version once it has one; says what changed,
    and when the banner will ask every visitor again."""
    current = await load_setup(session)
    before = current.setup if current else None
    kept = None
    if before is not None and NOTICE_POLICY_VERSION.fullmatch(before.policy_version):
        if setup.policy_version != before.policy_version:
            kept = _kept_line(owned=before.policy_version, given=setup.policy_version)
        setup = setup.model_copy(update={"policy_version": before.policy_version})
    changed = await save_setup(session, setup=setup, actor=actor, now=now)
    fields = _what_changed(before, setup) if changed and before else []
    return [change_of("consent", existed=before is not None, changed=changed, fields=fields), *([kept] if kept else [])]


def _kept_line(*, owned: str, given: str) -> Change:
    number = owned.removeprefix("notice-")
    note = (
        f"stays {owned}, set by version {number} of the privacy notice; the file's {given} is not applied "
        "(publishing a material change of the notice asks visitors again)"
    )
    return Change("consent.policy_version", "kept", note=note)


def _what_changed(before: ConsentSetup, after: ConsentSetup) -> list[str]:
    """The parts of the set-up that changed, and whether visitors are asked again for it."""
    old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
    fields = [key for key in new if key != "policy_version" and old.get(key) != new[key]]
    if before.policy_version != after.policy_version:
        fields.insert(0, f"policy_version from {before.policy_version} to {after.policy_version}")
    if before.policy_version != after.policy_version or banner_text_hash(before) != banner_text_hash(after):
        fields.append("the banner asks every visitor again")
    return fields


async def export_setup_block(session: AsyncSession) -> dict[str, Any] | None:
    current = await load_setup(session)
    return setup_document(current) if current else None
