"""What staff do on a request's step: decide a rectification for one system or an objection for
one activity, or, as the owner of a system with no API, say what they found, erased or stopped."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from dsar import directives, objection, rectification, restriction, systems
from dsar.connector_schemas import ConnectorKind
from dsar.connectors import Erasure, Kept, Payload, Table
from dsar.fulfilment import claim_waiting, complete_step, context_of, erasure_payload, tables_payload
from dsar.models import DataRequest, RequestStep
from dsar.schemas import ManualResultIn
from dsar.service import AWAITING_DECISION, add_event
from privacy.actors import Actor
from privacy.audit import record_change
from privacy.db import rows_changed
from privacy.errors import Conflict, NotFound
from privacy.keys import encrypt_field
from privacy.settings import Settings

DECIDED_BY_STAFF = (rectification.RECTIFY, objection.OBJECT, directives.CONFIRM_DEATH, directives.CARRY_OUT)


async def complete_step_by_hand(
    session: AsyncSession,
    *,
    request_id: uuid.UUID,
    step_id: int,
    result: ManualResultIn,
    actor: Actor,
    settings: Settings,
    now: datetime,
) -> None:
    step = await session.get(RequestStep, step_id)
    request = await session.get(DataRequest, request_id)
    if step is None or request is None or step.request_id != request.id:
        raise NotFound("no such step for this request")
    if step.action in DECIDED_BY_STAFF:
        await _decide(session, step, request, result, actor=actor, settings=settings, now=now)
        return
    found = await systems.system(session, key=step.system)
    if found.config.kind is not ConnectorKind.MANUAL:
        raise Conflict("this system answers by itself; its step cannot be completed by hand")
    await claim_waiting(session, step)
    await add_event(
        session, request=request, kind="manual_step_completed", actor=actor.reference, at=now, note=found.config.name
    )
    await complete_step(session, step, request, _done_by_hand(found, step, result), settings=settings, now=now)


def _done_by_hand(found: systems.System, step: RequestStep, result: ManualResultIn) -> Payload:
    if step.action == "export":
        return tables_payload([Table(found.key, "records", "identification", list(result.rows))])
    if step.action == objection.SUPPRESS:
        return objection.suppressed(found, step)
    if step.action == restriction.RESTRICT:
        return restriction.restricted(found)
    kept = [Kept(k.what, k.why, k.until) for k in result.kept]
    return erasure_payload(Erasure(found.key, erased=list(result.erased), kept=kept))


async def retry_step(
    session: AsyncSession, *, request_id: uuid.UUID, step_id: int, actor: Actor, now: datetime
) -> None:
    """A step that failed every try (a system down for long, a flag column not mapped yet) is tried
    again from the start, once staff have seen to the cause."""
    step = await session.get(RequestStep, step_id)
    if step is None or step.request_id != request_id:
        raise NotFound("no such step for this request")
    retried = await rows_changed(
        session,
        update(RequestStep)
        .where(RequestStep.id == step_id, RequestStep.status == "failed")
        .values(status="pending", attempts=0, lease_until=None, last_error=None),
    )
    if not retried:
        raise Conflict(f"this step is {step.status}: only a failed step is tried again")
    request = await session.get(DataRequest, request_id)
    assert request is not None
    await add_event(session, request=request, kind="step_retried", actor=actor.reference, at=now, note=step.system)


async def _decide(
    session: AsyncSession,
    step: RequestStep,
    request: DataRequest,
    result: ManualResultIn,
    *,
    actor: Actor,
    settings: Settings,
    now: datetime,
) -> None:
    """A decision is taken once: claimed in one statement, so two at once (a double click) cannot
    both pass. It finishes the step, or hands a rectification's corrections to the worker, sealed in
    the step. A rectification whose writing failed (the other database refused the values) may be
    decided again. The decision is checked before it is claimed: a form sent with a mistake leaves
    the step as it was."""
    payload: Payload | None = None
    if step.action == objection.OBJECT:
        objection.check_decision(result)
        note = str(step.activity)
    elif step.action in (directives.CONFIRM_DEATH, directives.CARRY_OUT):
        directives.check_decision(step, result)
        note = "refused" if result.refused else str(result.outcome)
    else:
        found = await systems.system(session, key=step.system)
        payload, note = rectification.decided(found, result=result), found.config.name
    decidable = [AWAITING_DECISION, "failed"] if step.action == rectification.RECTIFY else [AWAITING_DECISION]
    claimed = await rows_changed(
        session,
        update(RequestStep)
        .where(RequestStep.id == step.id, RequestStep.status.in_(decidable))
        .values(status="deciding"),
    )
    if not claimed:
        raise Conflict(f"this step is {step.status}: it is decided already")
    if step.action == objection.OBJECT:
        payload = await objection.decide(session, step=step, request=request, result=result)
    elif step.action in (directives.CONFIRM_DEATH, directives.CARRY_OUT):
        payload = await directives.decide(session, step=step, request=request, result=result, now=now)
    await add_event(session, request=request, kind=f"{step.action}_decided", actor=actor.reference, at=now, note=note)
    await _audit(session, step, result, actor=actor, now=now)
    if payload is not None:
        await complete_step(session, step, request, payload, settings=settings, now=now)
        return
    sealed = await encrypt_field(session, json.dumps({"fields": result.fields}), context=context_of(step))
    step.result, step.status, step.lease_until = {"sealed": sealed}, "pending", None
    step.attempts, step.last_error = 0, None


async def _audit(
    session: AsyncSession, step: RequestStep, result: ManualResultIn, *, actor: Actor, now: datetime
) -> None:
    """Who decided what, by field name: the values stay with the request, encrypted."""
    decision = {
        "system": step.system,
        "activity": step.activity,
        "fields": sorted(result.fields),
        "refused": result.refused is not None,
        "outcome": result.outcome,
    }
    await record_change(
        session,
        actor=actor,
        action=f"request.{step.action}_decided",
        object_type="request_step",
        object_id=str(step.id),
        before=None,
        after=decision,
        now=now,
    )
