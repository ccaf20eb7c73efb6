"""What retention brings to the toolkit."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from privacy.domain import ConfigSection, Domain
from privacy.settings import Settings
from retention import commands, configuration, endpoints, pages, record, sweeps
from retention.schemas import RetentionConfig


async def sweep_due_rules(session: AsyncSession, now: datetime, settings: Settings) -> None:
    await sweeps.sweep_due_rules(session, now=now, settings=settings)


DOMAIN = Domain(
    name="retention",
    templates=Path(__file__).parent / "templates",
    admin_routes=endpoints.ADMIN_CONTROLLERS,
    console_routes=pages.CONSOLE_PAGES,
    jobs=[sweep_due_rules],
    config=[
        ConfigSection(
            "retention", RetentionConfig, configuration.apply_retention_block, configuration.export_retention_block
        )
    ],
    bundle=[configuration.retention_bundle_part],
    commands=[commands.retention_group],
    record_annexes=[record.BACKUPS],
)
