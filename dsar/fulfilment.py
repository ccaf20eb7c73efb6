"""Working a verified request: each system's step runs under a lease, and once every step is done
the answer (package or certificate) is stored and the person told, in one transaction, so that a
crash at any point repeats no erasure and no email."""

from __future__ import annotations

import dataclasses
import json
import logging
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dsar import messages, rectification, systems
from dsar.connectors import TOOLKIT, Erasure, Kept, Table, toolkit_erase, toolkit_export
from dsar.http_connector import call_system, callback_answer, erasure_from, tables_from
from dsar.models import CLOSED_REQUESTS, DataRequest, RequestStep
from dsar.packages import certify_erasure, spooled, store_package, write_zip
from dsar.schemas import ConnectorKind, ManualResultIn, RequestStatus
from dsar.service import AWAITING_DECISION, add_event, email_of, tell_person
from dsar.sql_connector import erase_sql, export_sql
from privacy.actors import Actor
from privacy.errors import Conflict, Invalid, NotFound, SystemUnavailable, Unauthorized
from privacy.keys import decrypt_field, encrypt_field
from privacy.leases import claim
from privacy.mail import queue_message
from privacy.register import service as register
from privacy.register.schemas import LawfulBasis
from privacy.settings import Settings
from privacy.systems import BadAnswer
from retention import service as retention_service

logger = logging.getLogger("dsar.fulfilment")
Payload = dict[str, Any]
MAX_ATTEMPTS = 5


async def run_due_steps(session: AsyncSession, *, settings: Settings, now: datetime) -> int:
    finished = 0
    while True:
        lease = timedelta(seconds=settings.step_lease_seconds)
        steps = await claim(session, RequestStep, RequestStep.status == "pending", now=now, lease=lease, limit=1)
        if not steps:
            return finished
        step = steps[0]
        step_id = step.id  # the rollback below expires `step`
        step.attempts += 1  # counted when it starts: a try cut off by a crash counts too
        await session.commit()
        try:
            await _run_step(session, step, settings=settings, now=now)
            await session.commit()
            finished += 1
        except Exception as error:  # one system failing must not stop the others' requests
            await session.rollback()
            await _count_failure(session, step_id, error=error, now=now)


async def _run_step(session: AsyncSession, step: RequestStep, *, settings: Settings, now: datetime) -> None:
    request = await session.get(DataRequest, step.request_id)
    if request is None or request.status != RequestStatus.IN_PROGRESS.value:
        step.status = "cancelled"
        return
    email = email_of(session, request=request)
    payload: Payload | None
    if step.system == TOOLKIT:
        payload = await _toolkit_step(session, step, request, email=email, now=now)
    else:
        found = await systems.system(session, key=step.system)
        payload = await _system_step(session, step, request, found, email=email, settings=settings, now=now)
    if payload is None:
        step.status = "waiting"  # the other system or the system's owner answers later
        return
    await _complete_step(session, step, request, payload, settings=settings, now=now)


async def _toolkit_step(
    session: AsyncSession, step: RequestStep, request: DataRequest, *, email: str, now: datetime
) -> Payload:
    if step.action == "export":
        return _tables_payload(await toolkit_export(session, email=email, request=request))
    # How long the request record is kept is the retention rule's to say (None: no rule sweeps it).
    kept_until = await retention_service.kept_until(session, store=CLOSED_REQUESTS, event_at=now)
    return _erasure_payload(await toolkit_erase(session, email=email, request=request, records_kept_until=kept_until))


async def _system_step(
    session: AsyncSession,
    step: RequestStep,
    request: DataRequest,
    found: systems.System,
    *,
    email: str,
    settings: Settings,
    now: datetime,
) -> Payload | None:
    kind = found.config.kind
    if step.action == rectification.RECTIFY:
        await session.commit()  # as below: no transaction of ours open while the system works
        fields = _result_of(session, step)["fields"]
        return await rectification.write_corrections(
            found,
            fields=fields,
            email=email,
            step_reference=str(step.id),
            callback_url=_callback_url(settings, found),
            settings=settings,
            now=now,
        )
    if request.type == "portability" and not await _processed_by_consent_or_contract(session, found):
        return _tables_payload([])  # Art. 20(1)(a): only data processed on consent or a contract is portable
    if kind in (ConnectorKind.SQL, ConnectorKind.HTTP):
        # Nothing of ours is written yet: end the read transaction rather than hold it (and its
        # locks) open while another system answers.
        await session.commit()
    if kind is ConnectorKind.SQL:
        if step.action == "export":
            return _tables_payload(await export_sql(found, email=email, settings=settings))
        return _erasure_payload(await erase_sql(found, email=email, settings=settings))
    if kind is ConnectorKind.HTTP:
        answer = await call_system(
            found,
            action=step.action,
            email=email,
            step_reference=str(step.id),
            callback_url=_callback_url(settings, found),
            settings=settings,
            now=now,
        )
        return None if answer is None else _payload_from_answer(session, found, step, answer)
    await _ask_owner(session, step, request, found, now=now)
    return None


def _callback_url(settings: Settings, found: systems.System) -> str:
    return f"{settings.public_url.rstrip('/')}/api/v1/connectors/{found.key}/callback"


async def _processed_by_consent_or_contract(session: AsyncSession, found: systems.System) -> bool:
    """A system linked to activities is portable when one of them rests on consent or a contract;
    one not linked to any relies on its tables' `provided_by_person` alone."""
    if not found.config.activities:
        return True
    activities = {activity.key: activity for activity in await register.list_activities(session)}
    bases = {activities[key].lawful_basis for key in found.config.activities if key in activities}
    return bool(bases & {LawfulBasis.CONSENT, LawfulBasis.CONTRACT})


def _payload_from_answer(
    session: AsyncSession, found: systems.System, step: RequestStep, answer: dict[str, Any]
) -> Payload:
    if step.action == rectification.RECTIFY:
        return rectification.outcome_from_answer(found, answer, _result_of(session, step)["fields"])
    if step.action == "export":
        return _tables_payload(tables_from(found, answer))
    return _erasure_payload(erasure_from(found, answer))


async def _ask_owner(
    session: AsyncSession, step: RequestStep, request: DataRequest, found: systems.System, *, now: datetime
) -> None:
    """A system with no API: its owner gets a task (once) and completes it in the console."""
    letter = messages.manual_task(request.reference, step.action, found.config.name)
    await queue_message(
        session,
        to=found.config.owner_email or "",
        subject=letter.subject,
        body=letter.body,
        purpose="request.manual_task",
        now=now,
        dedupe_key=f"manual-task:{step.id}",
    )


def _tables_payload(tables: list[Table]) -> Payload:
    return {"tables": [dataclasses.asdict(table) for table in tables]}


def _erasure_payload(erasure: Erasure) -> Payload:
    return {"erasure": dataclasses.asdict(erasure)}


async def _complete_step(
    session: AsyncSession,
    step: RequestStep,
    request: DataRequest,
    payload: Payload,
    *,
    settings: Settings,
    now: datetime,
) -> None:
    """Store a system's part, encrypted, and answer the person once every part is in."""
    step.result = {"sealed": await encrypt_field(session, json.dumps(payload, default=str), context=_context(step))}
    step.status = "done"
    step.finished_at = now
    await add_event(session, request=request, kind=f"step_{step.action}_done", actor="system", at=now, note=step.system)
    await _answer_when_all_done(session, request, settings=settings, now=now)


async def accept_callback(
    session: AsyncSession,
    *,
    system_key: str,
    timestamp: str | None,
    signature: str | None,
    content_type: str,
    body: bytes,
    settings: Settings,
    now: datetime,
) -> None:
    """A system answering later (HTTP connectors), signed with its secret like the toolkit's request
    to it. Nothing in the body is read before the signature verifies."""
    try:
        found = await systems.system(session, key=system_key)
    except NotFound as error:  # the same answer as a wrong signature: keys are not probed
        raise Unauthorized("the signature does not verify") from error
    step_id, answer = callback_answer(
        found, timestamp=timestamp, signature=signature, content_type=content_type, body=body, now=now
    )
    step = await session.get(RequestStep, step_id)
    if step is None or step.system != system_key:
        raise NotFound("no such step for this connector")
    if step.status != "waiting":
        raise Conflict(f"this step is {step.status}, not waiting for an answer")
    request = await session.get(DataRequest, step.request_id)
    if request is None:
        raise NotFound("no such request")
    try:
        payload = _payload_from_answer(session, found, step, answer)
    except BadAnswer as error:
        raise Invalid(str(error)) from error
    await _complete_step(session, step, request, payload, settings=settings, now=now)


async def complete_manual_step(
    session: AsyncSession,
    *,
    request_id: uuid.UUID,
    step_id: int,
    result: ManualResultIn,
    actor: Actor,
    settings: Settings,
    now: datetime,
) -> None:
    """Staff's part of a step: a rectification decided for one system, or the owner of a system
    with no API saying what they found or erased."""
    step = await session.get(RequestStep, step_id)
    request = await session.get(DataRequest, request_id)
    if step is None or request is None or step.request_id != request.id:
        raise NotFound("no such step for this request")
    found = await systems.system(session, key=step.system)
    if step.action == rectification.RECTIFY:
        await _decide_rectification(session, step, request, found, result, actor=actor, settings=settings, now=now)
        return
    if found.config.kind is not ConnectorKind.MANUAL:
        raise Conflict("this system answers by itself; its step cannot be completed by hand")
    if step.status != "waiting":
        raise Conflict(f"this step is {step.status}, not waiting for its owner")
    if step.action == "export":
        payload = _tables_payload([Table(found.key, "records", "identification", list(result.rows))])
    else:
        kept = [Kept(k.what, k.why, k.until) for k in result.kept]
        payload = _erasure_payload(Erasure(found.key, erased=list(result.erased), kept=kept))
    await add_event(
        session, request=request, kind="manual_step_completed", actor=actor.reference, at=now, note=found.config.name
    )
    await _complete_step(session, step, request, payload, settings=settings, now=now)


async def _decide_rectification(
    session: AsyncSession,
    step: RequestStep,
    request: DataRequest,
    found: systems.System,
    result: ManualResultIn,
    *,
    actor: Actor,
    settings: Settings,
    now: datetime,
) -> None:
    """A decision finishes the step, or hands the corrections to the worker, sealed in the step."""
    if step.status != AWAITING_DECISION:
        raise Conflict(f"this step is {step.status}: its rectification is decided already")
    payload = rectification.decided(found, result)
    await add_event(
        session, request=request, kind="rectification_decided", actor=actor.reference, at=now, note=found.config.name
    )
    if payload is not None:
        await _complete_step(session, step, request, payload, settings=settings, now=now)
        return
    sealed = await encrypt_field(session, json.dumps({"fields": result.fields}), context=_context(step))
    step.result, step.status, step.lease_until = {"sealed": sealed}, "pending", None


def _context(step: RequestStep) -> str:
    return f"request-step:{step.id}"


async def _count_failure(session: AsyncSession, step_id: int, *, error: Exception, now: datetime) -> None:
    step = await session.get(RequestStep, step_id)
    if step is None:
        return
    step.lease_until = now + timedelta(minutes=2**step.attempts)  # back off before the next try
    if step.attempts >= MAX_ATTEMPTS:
        step.status = "failed"
    # What staff read: the same whatever failed (the log has the kind of failure).
    step.last_error = error.detail if isinstance(error, SystemUnavailable) else "the step failed; see the service log"
    logger.warning("request step %s on %s failed: %s", step.id, step.system, type(error).__name__)
    await session.commit()


async def _answer_when_all_done(
    session: AsyncSession, request: DataRequest, *, settings: Settings, now: datetime
) -> None:
    steps = list(await session.scalars(select(RequestStep).where(RequestStep.request_id == request.id)))
    if any(step.status != "done" for step in steps):
        return
    request.replied_at = now
    if request.type == "rectification":
        results = [_result_of(session, step) for step in steps if step.result]
        await rectification.answer_person(session, request, results, now=now)
        return
    if request.type == "erasure":
        results = [_result_of(session, step) for step in steps if step.result]
        await certify_erasure(session, request=request, results=results, settings=settings, now=now)
    else:
        await _package_data(session, request, steps, settings=settings, now=now)
    request.status = RequestStatus.COMPLETED.value
    await add_event(session, request=request, kind="completed", actor="system", at=now)
    package_link = f"{settings.public_url.rstrip('/')}/privacy/requests/{request.reference}"
    letter = messages.package_ready(request.reference, now + timedelta(days=settings.package_days), package_link)
    await tell_person(session, request=request, letter=letter, purpose="request.answered", now=now)


def _result_of(session: AsyncSession, step: RequestStep) -> Payload:
    assert step.result is not None
    result: Payload = json.loads(decrypt_field(session, step.result["sealed"], context=_context(step)))
    return result


async def _package_data(
    session: AsyncSession, request: DataRequest, steps: list[RequestStep], *, settings: Settings, now: datetime
) -> None:
    def systems_tables() -> Iterator[list[Table]]:
        # One system's rows in memory at a time, opened again for each pass over the package.
        for step in steps:
            if step.result:
                yield [Table(**table) for table in _result_of(session, step).get("tables", [])]

    information = await register.information_for_the_person(session)
    with spooled() as archive:
        summaries = write_zip(archive, request=request, systems_tables=systems_tables, information=information)
        await store_package(
            session,
            request=request,
            source=archive,
            filename=f"{request.reference}-{request.type}.zip",
            media_type="application/zip",
            now=now,
            days=settings.package_days,
        )
    request.outcome = "answered" if any(summary.count for summary in summaries) else "answered: no data held"
    await add_event(session, request=request, kind="package_ready", actor="system", at=now)
