"""The work a verified request makes: a step per system, durable and leased (`fulfilment` runs
them). What each type asks of each system:

- access and portability: every system exports the person's data, the toolkit's own included;
- erasure: every system erases it;
- rectification: every connector's step awaits staff's decision (the toolkit's own records, the
  request itself and consent choices, hold nothing a person would correct);
- objection: a decision per activity objected to, and the suppressions that follow (`objection`);
- restriction: the toolkit records it, and every system restricts the data (`restriction`), as for
  a rectification or an objection asked with the data restricted meanwhile;
- withdrawal: the toolkit ends the consents, and their activities' systems stop (`consents`);
- directive: the directives are in force at once, and the request answered (`directives`);
- death notice: staff check the evidence, then the directives are carried out (`directives`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from dsar import consents, directives, objection, recipients, systems
from dsar.models import DataRequest, RequestStep
from dsar.schemas import RequestStatus
from dsar.service import AWAITING_DECISION, add_event, clock_start, deadline, restricted_meanwhile
from privacy.settings import Settings

SYSTEM_ACTIONS = {"access": "export", "portability": "export", "erasure": "erase", "restriction": "restrict"}


async def mark_verified(
    session: AsyncSession, *, request: DataRequest, method: str, settings: Settings, now: datetime
) -> None:
    """The person is who they say: the clock runs (if it waited for this) and the work begins."""
    request.verified_at = now
    request.verification_method = method
    request.status = RequestStatus.IN_PROGRESS.value
    if request.due_at is None:
        request.due_at = await deadline(session, start=clock_start(request, settings), months=1)
    await add_event(session, request=request, kind="verified", actor="person", at=now)
    if request.type == "directive":
        await directives.put_in_force(session, request=request, now=now)
        return
    await _queue_steps(session, request)
    await recipients.list_recipients(session, request=request, now=now)


async def _queue_steps(session: AsyncSession, request: DataRequest) -> None:
    if restricted_meanwhile(request):
        await systems.queue_for_every_system(session, request_id=request.id, action=SYSTEM_ACTIONS["restriction"])
    if request.type == "objection":
        await objection.queue_steps(session, request=request)
    elif request.type == "death_notice":
        directives.queue_confirmation(session, request=request)
    elif request.type == "withdrawal":
        await consents.queue_steps(session, request=request)
    elif request.type == "rectification":
        for system in await systems.enabled_systems(session):
            session.add(RequestStep(request_id=request.id, system=system, action="rectify", status=AWAITING_DECISION))
    elif action := SYSTEM_ACTIONS.get(request.type):
        await systems.queue_for_every_system(session, request_id=request.id, action=action)
