"""What the breach register brings to the toolkit."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from breaches import commands, dpia_endpoints, dpia_pages, dpias, endpoints, pages, record, service
from privacy.domain import Domain
from privacy.settings import Settings


async def remind_of_breach_clocks(session: AsyncSession, now: datetime, _settings: Settings) -> None:
    await service.remind_privacy_team(session, now=now)


async def remind_of_dpia_reviews(session: AsyncSession, now: datetime, _settings: Settings) -> None:
    await dpias.remind_reviews(session, now=now)


DOMAIN = Domain(
    name="breaches",
    templates=Path(__file__).parent / "templates",
    admin_routes=[*endpoints.ADMIN_CONTROLLERS, dpia_endpoints.DpiasController],
    console_routes=[*pages.CONSOLE_PAGES, *dpia_pages.CONSOLE_PAGES],
    jobs=[remind_of_breach_clocks, remind_of_dpia_reviews],
    bundle=[service.breaches_bundle_part, dpias.dpias_bundle_part],
    commands=[commands.breaches_group],
    record_annexes=[record.BREACH_REGISTER],
)
