"""Working a verified request: each system's step runs under a lease, and once every step is done
the answer (a package, a certificate, or the decisions on a rectification or an objection) is
stored and the person told, in one transaction, so that a crash at any point repeats no erasure,
no correction and no email."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dsar import consents, directives, messages, objection, rectification, restriction, systems
from dsar.connector_schemas import ConnectorKind
from dsar.connectors import TOOLKIT, Erasure, Payload, Table, toolkit_erase, toolkit_export
from dsar.http_connector import call_system, callback_answer, erasure_from, tables_from
from dsar.models import CLOSED_REQUESTS, DataRequest, RequestStep
from dsar.packages import certify_erasure, spooled, store_package, write_zip
from dsar.schemas import RequestStatus
from dsar.service import add_event, restricted_meanwhile, subject_email_of, tell_person
from dsar.sql_connector import erase_sql, export_sql
from privacy.db import rows_changed
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
MAX_ATTEMPTS = 5
# The request types whose answer is a letter of what was decided and done, and how each is said.
DECIDED = {
    "rectification": rectification.answer_lines,
    "objection": objection.answer_lines,
    "restriction": restriction.answer_lines,
    "withdrawal": consents.answer_lines,
    "death_notice": directives.answer_lines,
}


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
    email = subject_email_of(session, request=request)
    payload: Payload | None
    if step.system == TOOLKIT:
        payload = await _toolkit_step(session, step, request, email=email, now=now)
    else:
        found = await systems.system(session, key=step.system)
        payload = await _system_step(session, step, request, found, email=email, settings=settings, now=now)
    if payload is None:
        step.status = "waiting"  # the other system or the system's owner answers later
        return
    await complete_step(session, step, request, payload, settings=settings, now=now)


async def _toolkit_step(
    session: AsyncSession, step: RequestStep, request: DataRequest, *, email: str, now: datetime
) -> Payload:
    if step.action == "export":
        return tables_payload(await toolkit_export(session, email=email, request=request))
    if step.action == objection.SUPPRESS:
        return await objection.suppress_in_toolkit(session, step=step, request=request, now=now)
    if step.action == restriction.RESTRICT:
        return await restriction.record(session, request=request, email=email, now=now)
    if step.action == consents.WITHDRAW:
        return await consents.withdraw(session, request=request, now=now)
    # How long the request record is kept is the retention rule's to say (None: no rule sweeps it).
    kept_until = await retention_service.kept_until(session, store=CLOSED_REQUESTS, event_at=now)
    return erasure_payload(await toolkit_erase(session, email=email, request=request, records_kept_until=kept_until))


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
    if request.type == "portability" and not await _processed_by_consent_or_contract(session, found):
        return tables_payload([])  # Art. 20(1)(a): only data processed on consent or a contract is portable
    if found.config.kind is ConnectorKind.MANUAL:
        await _ask_owner(session, step, request, found, now=now)
        return None
    # Nothing of ours is written yet: end the read transaction rather than hold it (and its locks)
    # open while another system answers.
    fields = result_of(session, step)["fields"] if step.action == rectification.RECTIFY else {}
    await session.commit()
    callback_url = _callback_url(settings, found)
    if step.action in (rectification.RECTIFY, objection.SUPPRESS, restriction.RESTRICT):
        return await _act_on_a_right(
            found, step, fields=fields, email=email, callback_url=callback_url, settings=settings, now=now
        )
    if found.config.kind is ConnectorKind.SQL:
        if step.action == "export":
            return tables_payload(await export_sql(found, email=email, settings=settings))
        return erasure_payload(await erase_sql(found, email=email, settings=settings))
    answer = await call_system(
        found,
        action=step.action,
        email=email,
        step_reference=str(step.id),
        callback_url=callback_url,
        settings=settings,
        now=now,
    )
    return None if answer is None else _payload_from_answer(session, found, step, answer)


async def _act_on_a_right(
    found: systems.System,
    step: RequestStep,
    *,
    fields: dict[str, str | None],
    email: str,
    callback_url: str,
    settings: Settings,
    now: datetime,
) -> Payload | None:
    """Correct, stop or restrict in the system; None when it answers later."""
    if step.action == rectification.RECTIFY:
        return await rectification.write_corrections(
            found,
            fields=fields,
            email=email,
            step_reference=str(step.id),
            callback_url=callback_url,
            settings=settings,
            now=now,
        )
    if step.action == objection.SUPPRESS:
        return await objection.suppress_in_system(
            found, step=step, email=email, callback_url=callback_url, settings=settings, now=now
        )
    return await restriction.restrict_in_system(
        found, step=step, email=email, callback_url=callback_url, settings=settings, now=now
    )


def _callback_url(settings: Settings, found: systems.System) -> str:
    return f"{settings.public_url.rstrip('/')}/api/v1/connectors/{found.key}/callback"


async def _processed_by_consent_or_contract(session: AsyncSession, found: systems.System) -> bool:
    """A system linked to activities is portable when one of them rests on consent or a contract;
    one not linked to any relies on its tables' `provided_by_person` alone."""
    if not found.config.activities:
        return True
    activities = {activity.key: activity for activity in await register.list_activities(session)}
    linked = [activities[key] for key in found.config.activities if key in activities]
    return any(activity.rests_on(LawfulBasis.CONSENT) or activity.rests_on(LawfulBasis.CONTRACT) for activity in linked)


def _payload_from_answer(
    session: AsyncSession, found: systems.System, step: RequestStep, answer: dict[str, Any]
) -> Payload:
    if step.action == rectification.RECTIFY:
        return rectification.outcome_from_answer(found, answer=answer, fields=result_of(session, step)["fields"])
    if step.action == objection.SUPPRESS:
        return objection.suppressed(found, step)
    if step.action == restriction.RESTRICT:
        return restriction.restricted(found)
    if step.action == "export":
        return tables_payload(tables_from(found, answer))
    return erasure_payload(erasure_from(found, answer))


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


def tables_payload(tables: list[Table]) -> Payload:
    return {"tables": [dataclasses.asdict(table) for table in tables]}


def erasure_payload(erasure: Erasure) -> Payload:
    return {"erasure": dataclasses.asdict(erasure)}


async def claim_waiting(session: AsyncSession, step: RequestStep) -> None:
    """A step waiting for its owner or its system, taken in one statement: two answers at once
    (a double click, a callback sent twice) complete it once."""
    waiting = update(RequestStep).where(RequestStep.id == step.id, RequestStep.status == "waiting")
    if not await rows_changed(session, waiting.values(status="completing")):
        raise Conflict(f"this step is {step.status}, not waiting for an answer")


async def complete_step(
    session: AsyncSession,
    step: RequestStep,
    request: DataRequest,
    payload: Payload,
    *,
    settings: Settings,
    now: datetime,
) -> None:
    """Store a system's part, encrypted, and answer the person once every part is in."""
    step.result = {"sealed": await encrypt_field(session, json.dumps(payload, default=str), context=context_of(step))}
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
    await claim_waiting(session, step)
    request = await session.get(DataRequest, step.request_id)
    if request is None:
        raise NotFound("no such request")
    try:
        payload = _payload_from_answer(session, found, step, answer)
    except BadAnswer as error:
        raise Invalid(str(error)) from error
    await complete_step(session, step, request, payload, settings=settings, now=now)


def context_of(step: RequestStep) -> str:
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
    # Steps finishing at once on two workers: the second waits for the first to commit, then sees
    # its step done (without the lock, each would see the other's as unfinished and none answer).
    locked = select(DataRequest.replied_at).where(DataRequest.id == request.id).with_for_update()
    if await session.scalar(locked) is not None:
        return  # answered already, by the step that finished just before
    steps = list(await session.scalars(select(RequestStep).where(RequestStep.request_id == request.id)))
    if any(step.status != "done" for step in steps):
        return
    request.replied_at = now
    answer = request.type
    if request.type == "death_notice":
        answer = directives.answered_as(steps)
        await directives.settle(session, request=request, now=now)
    if answer in DECIDED:
        await _answer_decisions(session, request, [result_of(session, step) for step in steps], now=now)
        return
    if answer == "erasure":
        results = [result_of(session, step) for step in steps if step.action == "erase"]
        await certify_erasure(session, request=request, results=results, settings=settings, now=now)
    else:
        await _package_data(session, request, steps, settings=settings, now=now)
    request.status = RequestStatus.COMPLETED.value
    await add_event(session, request=request, kind="completed", actor="system", at=now)
    package_link = f"{settings.public_url.rstrip('/')}/privacy/requests/{request.reference}"
    letter = messages.package_ready(
        request.reference, now + timedelta(days=settings.package_days), package_link, request.language
    )
    await tell_person(
        session, request=request, letter=letter, purpose="request.answered", now=now, once_as=f"answer:{request.id}"
    )


async def _answer_decisions(
    session: AsyncSession, request: DataRequest, results: list[Payload], *, now: datetime
) -> None:
    """A rectification's or an objection's outcome: on the request, on its page, and in one letter,
    with the right to complain where a decision went against the person (Art. 12(4))."""
    request.outcome, lines, contested = DECIDED[request.type](results)
    if restricted_meanwhile(request):
        lines.append(await restriction.end_with_answer(session, request=request, now=now))
    request.status = RequestStatus.COMPLETED.value
    await add_event(session, request=request, kind="completed", actor="system", at=now, note="\n".join(lines))
    authority = (await register.require_organisation(session)).lead_supervisory_authority
    letter = messages.decisions_answered(
        request.reference, request.type, lines, contested=contested, authority=authority, language=request.language
    )
    await tell_person(
        session, request=request, letter=letter, purpose="request.answered", now=now, once_as=f"answer:{request.id}"
    )


def result_of(session: AsyncSession, step: RequestStep) -> Payload:
    assert step.result is not None
    result: Payload = json.loads(decrypt_field(session, step.result["sealed"], context=context_of(step)))
    return result


async def _package_data(
    session: AsyncSession, request: DataRequest, steps: list[RequestStep], *, settings: Settings, now: datetime
) -> None:
    def systems_tables() -> Iterator[list[Table]]:
        # One system's rows in memory at a time, opened again for each pass over the package.
        for step in steps:
            if step.result:
                yield [Table(**table) for table in result_of(session, step).get("tables", [])]

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
