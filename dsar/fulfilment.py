"""Working a verified request: each system's step runs under a lease, and once every step is done
the answer (package or certificate) is stored and the person told, in one transaction, so that a
crash at any point repeats no erasure and no email."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dsar import messages
from dsar.connectors import Erasure, Kept, Table, toolkit_erase, toolkit_export
from dsar.models import DataRequest, RequestStep
from dsar.packages import art15_information, certificate_pdf, spooled, store_package, write_zip
from dsar.schemas import RequestStatus
from dsar.service import add_event, email_of
from privacy import register
from privacy.keys import decrypt_field, encrypt_field
from privacy.leases import claim
from privacy.mail import queue_message
from privacy.settings import Settings

logger = logging.getLogger("dsar.fulfilment")
LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 5


async def run_due_steps(session: AsyncSession, now: datetime, *, settings: Settings) -> int:
    finished = 0
    while True:
        steps = await claim(session, RequestStep, RequestStep.status == "pending", now=now, lease=LEASE, limit=1)
        if not steps:
            return finished
        step = steps[0]
        try:
            await _run_step(session, step, settings=settings, now=now)
            await session.commit()
            finished += 1
        except Exception as error:  # one system failing must not stop the others' requests
            await session.rollback()
            await _count_failure(session, step.id, error=error, now=now)


async def _run_step(session: AsyncSession, step: RequestStep, *, settings: Settings, now: datetime) -> None:
    request = await session.get(DataRequest, step.request_id)
    if request is None or request.status != RequestStatus.IN_PROGRESS.value:
        step.status = "cancelled"
        return
    email = email_of(session, request)
    if step.action == "export":
        tables = await toolkit_export(session, email=email, request=request)
        payload: dict[str, Any] = {"tables": [dataclasses.asdict(table) for table in tables]}
    else:
        kept_until = (now + timedelta(days=settings.request_records_kept_days)).date()
        erasure = await toolkit_erase(session, email=email, request=request, records_kept_until=kept_until)
        payload = {"erasure": dataclasses.asdict(erasure)}
    step.result = {"sealed": await encrypt_field(session, json.dumps(payload, default=str), context=_context(step))}
    step.status = "done"
    step.finished_at = now
    step.attempts += 1
    await add_event(session, request, kind=f"step_{step.action}_done", actor="system", at=now, note=step.system)
    await _answer_when_all_done(session, request, settings=settings, now=now)


def _context(step: RequestStep) -> str:
    return f"request-step:{step.id}"


async def _count_failure(session: AsyncSession, step_id: int, *, error: Exception, now: datetime) -> None:
    step = await session.get(RequestStep, step_id)
    if step is None:
        return
    step.attempts += 1
    step.lease_until = now + timedelta(minutes=2**step.attempts)  # back off before the next try
    if step.attempts >= MAX_ATTEMPTS:
        step.status = "failed"
    logger.warning("request step %s on %s failed: %s", step.id, step.system, type(error).__name__)
    await session.commit()


async def _answer_when_all_done(
    session: AsyncSession, request: DataRequest, *, settings: Settings, now: datetime
) -> None:
    steps = list(await session.scalars(select(RequestStep).where(RequestStep.request_id == request.id)))
    if any(step.status != "done" for step in steps):
        return
    results = [
        json.loads(decrypt_field(session, step.result["sealed"], context=_context(step)))
        for step in steps
        if step.result
    ]
    request.replied_at = now
    if request.type == "erasure":
        await _certify_erasure(session, request, results, settings=settings, now=now)
    else:
        await _package_data(session, request, results, settings=settings, now=now)
    request.status = RequestStatus.COMPLETED.value
    await add_event(session, request, kind="completed", actor="system", at=now)
    package_link = f"{settings.public_url.rstrip('/')}/privacy/requests/{request.reference}"
    letter = messages.package_ready(request.reference, now + timedelta(days=settings.package_days), package_link)
    await queue_message(
        session,
        to=email_of(session, request),
        subject=letter.subject,
        body=letter.body,
        purpose="request.answered",
        now=now,
    )


async def _package_data(
    session: AsyncSession, request: DataRequest, results: list[dict[str, Any]], *, settings: Settings, now: datetime
) -> None:
    tables = [Table(**table) for result in results for table in result.get("tables", [])]
    information = await art15_information(session)
    with spooled() as archive:
        write_zip(archive, request=request, tables=tables, information=information)
        await store_package(
            session,
            request=request,
            source=archive,
            filename=f"{request.reference}-{request.type}.zip",
            media_type="application/zip",
            now=now,
            days=settings.package_days,
        )
    request.outcome = "answered" if any(table.rows for table in tables) else "answered: no data held"
    await add_event(session, request, kind="package_ready", actor="system", at=now)


async def _certify_erasure(
    session: AsyncSession, request: DataRequest, results: list[dict[str, Any]], *, settings: Settings, now: datetime
) -> None:
    erasures = [
        Erasure(
            system=result["erasure"]["system"],
            erased=result["erasure"]["erased"],
            kept=[Kept(k["what"], k["why"], _date(k["until"])) for k in result["erasure"]["kept"]],
        )
        for result in results
        if "erasure" in result
    ]
    organisation = await register.require_organisation(session)
    pdf = certificate_pdf(
        request=request, erasures=erasures, organisation_name=organisation.legal_name, backups_gone_by=None
    )
    await store_package(
        session,
        request=request,
        source=io.BytesIO(pdf),
        filename=f"{request.reference}-erasure-certificate.pdf",
        media_type="application/pdf",
        now=now,
        days=settings.package_days,
    )
    request.outcome = "erased"
    await add_event(session, request, kind="package_ready", actor="system", at=now)


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
