"""What data-subject requests bring to the toolkit."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from dsar import centre, commands, consents, endpoints, fulfilment, log, packages, pages, restriction, staff, systems
from dsar.connector_schemas import ConnectorIn
from privacy.domain import ConfigSection, Domain
from privacy.settings import Settings


async def work_requests(session: AsyncSession, now: datetime, settings: Settings) -> None:
    await fulfilment.run_due_steps(session, settings=settings, now=now)


async def remind_staff(session: AsyncSession, now: datetime, settings: Settings) -> None:
    await staff.send_reminders(session, settings=settings, now=now)


async def lift_due_restrictions(session: AsyncSession, now: datetime, settings: Settings) -> None:
    await restriction.lift_due_restrictions(session, settings=settings, now=now)


async def delete_expired_packages(session: AsyncSession, now: datetime, _settings: Settings) -> None:
    await packages.delete_expired_packages(session, now=now)


DOMAIN = Domain(
    name="dsar",
    templates=Path(__file__).parent / "templates",
    admin_routes=endpoints.ADMIN_CONTROLLERS,
    console_routes=pages.CONSOLE_PAGES,
    public_routes=[*endpoints.PUBLIC_HANDLERS, *centre.PUBLIC_PAGES],
    jobs=[work_requests, remind_staff, lift_due_restrictions, delete_expired_packages],
    config=[
        ConfigSection(
            "connectors",
            Annotated[list[ConnectorIn], Field(max_length=200)],
            systems.apply_connectors_block,
            systems.export_connectors_block,
        )
    ],
    bundle=[log.request_log_bundle_part],
    commands=[commands.requests_group],
    consents_collected=consents.activities_with_consents,
)
