"""What the sub-processor register brings to the toolkit."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from privacy.domain import ConfigSection, Domain
from privacy.settings import Settings
from subprocessors import endpoints, pages, service
from subprocessors.schemas import SubProcessorIn


async def put_announced_changes_into_effect(session: AsyncSession, now: datetime, _settings: Settings) -> None:
    await service.put_announced_changes_into_effect(session, now=now)


DOMAIN = Domain(
    name="subprocessors",
    templates=Path(__file__).parent / "templates",
    admin_routes=endpoints.ADMIN_CONTROLLERS,
    console_routes=pages.CONSOLE_PAGES,
    public_routes=[*endpoints.PUBLIC_HANDLERS, *pages.PUBLIC_PAGES],
    jobs=[put_announced_changes_into_effect],
    config=[
        ConfigSection(
            "subprocessors",
            Annotated[list[SubProcessorIn], Field(max_length=1000)],
            service.apply_subprocessors_block,
            service.export_subprocessors_block,
        )
    ],
    bundle=[service.subprocessors_bundle_part],
)
