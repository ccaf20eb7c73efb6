"""The privacy team's side of requests: recording those that came by letter, email or phone, the
inbox by due date, extending (once, with reasons, before the first deadline), refusing (with
reasons and the right to complain), and reminders before deadlines."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from dsar import directives, messages
from dsar.intake import check_asked, send_first_code
from dsar.models import DataRequest, RequestStep
from dsar.schemas import RefusalIn, RequestStatus, RequestSummary, RequestType, StaffRequestIn
from dsar.service import (
    OPEN,
    add_event,
    clock_start,
    deadline,
    effective_due,
    get_request,
    new_request,
    summary,
    tell_person,
)
from dsar.steps import mark_verified
from privacy import auth
from privacy.actors import Actor
from privacy.audit import record_change
from privacy.errors import Conflict, FieldError, Invalid
from privacy.mail import queue_message
from privacy.register import service as register
from privacy.settings import Settings

# The inbox marks requests due within this many days.
SOON_DAYS = 7


async def record_staff_request(
    session: AsyncSession, *, data: StaffRequestIn, actor: Actor, settings: Settings, now: datetime
) -> DataRequest:
    """A request that came by letter, email or phone, with its real time of receipt."""
    if data.received_at > now:
        raise Invalid("the time of receipt is in the future", errors=[FieldError("received_at", "in the future")])
    await check_asked(session, asked=data, email=data.email, settings=settings)
    request = await new_request(
        session,
        asked=data,
        email=data.email,
        name=data.name,
        details=data.notes,
        language=data.language or "en",
        channel=data.channel,
        received_at=data.received_at,
    )
    await add_event(
        session, request=request, kind="received", actor=actor.reference, at=data.received_at, note=data.notes
    )
    if data.type.value in directives.POST_MORTEM:
        # Whoever records it, the person proves the email themselves: no one on staff can name
        # themselves someone's trusted person.
        if settings.request_clock_starts == "receipt":
            request.due_at = await deadline(session, start=data.received_at, months=1)
        await send_first_code(session, request, now=now)
    else:
        await mark_verified(session, request=request, method=data.verification, settings=settings, now=now)
    await session.flush()
    await _audit(session, request, actor=actor, action="request.recorded", now=now)
    return request


async def _audit(session: AsyncSession, request: DataRequest, *, actor: Actor, action: str, now: datetime) -> None:
    # The request log's own fields, never the person's identity.
    state = {
        "reference": request.reference,
        "type": request.type,
        "status": request.status,
        "due_at": request.due_at,
        "extended_due_at": request.extended_due_at,
        "outcome": request.outcome,
    }
    await record_change(
        session,
        actor=actor,
        action=action,
        object_type="request",
        object_id=str(request.id),
        before=None,
        after=state,
        now=now,
    )


async def inbox(
    session: AsyncSession,
    *,
    status: RequestStatus | None,
    type: RequestType | None,
    due_before: date | None,
    due_after: date | None,
    today: date,
) -> list[RequestSummary]:
    """Requests by due date, earliest first; those without one (awaiting proof of identity with the
    clock at verification) last."""
    query = _inbox_query(status=status, type=type, due_before=due_before, due_after=due_after)
    return [summary(request, today=today, soon_days=SOON_DAYS) for request in await session.scalars(query)]


def _inbox_query(
    *, status: RequestStatus | None, type: RequestType | None, due_before: date | None, due_after: date | None
) -> Select[tuple[DataRequest]]:
    query = select(DataRequest)
    if status is not None:
        query = query.where(DataRequest.status == status.value)
    if type is not None:
        query = query.where(DataRequest.type == type.value)
    if due_before is not None:
        query = query.where(DataRequest.due_at <= due_before)
    if due_after is not None:
        query = query.where(DataRequest.due_at >= due_after)
    return query.order_by(DataRequest.due_at.is_(None), DataRequest.due_at, DataRequest.received_at).limit(500)


def _require_open(request: DataRequest) -> None:
    if request.status not in OPEN:
        raise Conflict(f"this request is {request.status.replace('_', ' ')} already")


async def extend_deadline(
    session: AsyncSession,
    *,
    request_id: uuid.UUID,
    reason: str,
    actor: Actor,
    settings: Settings,
    today: date,
    now: datetime,
) -> DataRequest:
    """Art. 12(3): two further months for complex or numerous requests, with the person told why
    before the first deadline."""
    request = await get_request(session, request_id=request_id)
    _require_open(request)
    if request.extended_due_at is not None:
        raise Conflict("this request has already been extended; the law allows one extension")
    if request.due_at is None or today > request.due_at:
        raise Conflict("an extension must be notified before the first deadline, which has passed")
    request.extended_due_at = await deadline(session, start=clock_start(request, settings), months=3)
    await add_event(session, request=request, kind="extended", actor=actor.reference, at=now, note=reason)
    letter = messages.extension(request.reference, reason, request.extended_due_at, request.language)
    await tell_person(session, request=request, letter=letter, purpose="request.extended", now=now)
    await _audit(session, request, actor=actor, action="request.extended", now=now)
    return request


async def refuse_request(
    session: AsyncSession, *, request_id: uuid.UUID, refusal: RefusalIn, actor: Actor, now: datetime
) -> DataRequest:
    """Art. 12(4): the reasons and the right to complain to a supervisory authority; the work on the
    systems stops."""
    request = await get_request(session, request_id=request_id)
    _require_open(request)
    organisation = await register.require_organisation(session)
    request.status = RequestStatus.REFUSED.value
    request.outcome = f"refused: {refusal.reason.value}"
    request.replied_at = now
    await add_event(session, request=request, kind="refused", actor=actor.reference, at=now, note=refusal.explanation)
    await session.execute(delete(RequestStep).where(RequestStep.request_id == request.id))
    if request.type == RequestType.DEATH_NOTICE.value:
        await directives.release(session, request=request)
    letter = messages.refusal(request.reference, refusal, organisation.lead_supervisory_authority, request.language)
    await tell_person(session, request=request, letter=letter, purpose="request.refused", now=now)
    await _audit(session, request, actor=actor, action="request.refused", now=now)
    return request


async def send_reminders(session: AsyncSession, *, settings: Settings, now: datetime) -> int:
    """Remind the privacy team of open requests at each lead time and once when overdue; each
    reminder goes once (its outbox key)."""
    today = now.date()
    team = await auth.privacy_team_emails(session)
    queued = 0
    for request in await session.scalars(select(DataRequest).where(DataRequest.status.in_(OPEN))):
        due = effective_due(request)
        if due is None:
            continue
        for lead in _reminders_due(due, today, settings.reminder_days):
            letter = messages.staff_reminder(request.reference, request.type, due, overdue=lead == "overdue")
            for index, address in enumerate(team):
                sent = await queue_message(
                    session,
                    to=address,
                    subject=letter.subject,
                    body=letter.body,
                    purpose="request.reminder",
                    now=now,
                    dedupe_key=f"reminder:{request.id}:{due}:{lead}:{index}",
                )
                queued += sent is not None
    return queued


def _reminders_due(due: date, today: date, lead_days: tuple[int, ...]) -> list[str]:
    if today > due:
        return ["overdue"]
    days_left = (due - today).days
    # Only the nearest lead time reached: a request seen first two days before its deadline gets
    # the two-day reminder, not the seven-day one as well.
    reached = [lead for lead in lead_days if days_left <= lead]
    return [str(min(reached))] if reached else []
