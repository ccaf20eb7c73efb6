"""What retention brings to the toolkit."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from privacy.domain import ConfigSection, Domain
from privacy.settings import Settings
from retention import commands, endpoints, pages, service, sweeps
from retention.schemas import RetentionConfig


async def sweep_due_rules(session: AsyncSession, now: datetime, settings: Settings) -> None:
    await sweeps.sweep_due_rules(session, now=now, settings=settings)


DOMAIN = Domain(
    name="retention",
    templates=Path(__file__).parent / "templates",
    admin_routes=endpoints.ADMIN_CONTROLLERS,
    console_routes=pages.CONSOLE_PAGES,
    jobs=[sweep_due_rules],
    config=[ConfigSection("retention", RetentionConfig, service.apply_retention_block, service.export_retention_block)],
    bundle=[service.retention_bundle_part],
    commands=[commands.retention_group],
)
