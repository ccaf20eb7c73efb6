"""The background work of every domain, wired in one place for `privacy serve` and `privacy worker`
(which imports this and not the web app: a worker needs no HTTP stack in memory)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from consent import partitions
from dsar import fulfilment, packages
from dsar import service as dsar_service
from privacy import mail
from privacy.settings import Settings
from privacy.work import Job
from retention import sweeps
from subprocessors import service as subprocessor_service


def background_jobs(settings: Settings) -> list[Job]:
    """Everything background work does, in the order of one pass."""

    async def deliver_mail(session: AsyncSession, now: datetime) -> None:
        await mail.deliver_due(session, settings=settings, now=now)

    async def work_requests(session: AsyncSession, now: datetime) -> None:
        await fulfilment.run_due_steps(session, now, settings=settings)

    async def remind_staff(session: AsyncSession, now: datetime) -> None:
        await dsar_service.send_reminders(session, now, settings=settings)

    async def make_consent_months(session: AsyncSession, now: datetime) -> None:
        connection = await session.connection()
        if await partitions.is_partitioned(connection):
            await partitions.make_months_ahead(connection, now)
            await session.commit()

    async def sweep_retention_rules(session: AsyncSession, now: datetime) -> None:
        await sweeps.sweep_due_rules(session, now, settings=settings)

    async def purge_request_records(session: AsyncSession, now: datetime) -> None:
        await dsar_service.purge_request_records(session, now, settings=settings)

    return [
        work_requests,
        remind_staff,
        packages.delete_expired_packages,
        purge_request_records,
        make_consent_months,
        subprocessor_service.put_announced_changes_into_effect,
        sweep_retention_rules,
        deliver_mail,
    ]
