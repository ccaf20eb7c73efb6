"""Art. 19 GDPR: each recipient the person's data was disclosed to is told of a rectification, an
erasure or a restriction, unless that proves impossible or involves disproportionate effort, and
the person may ask who they are. The recipients come from the register: the recipients of the
activities the organisation's systems serve, and the sub-processors in force linked to them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dsar.connector_schemas import ConnectorIn
from dsar.models import Connector, DataRequest, RequestRecipient
from dsar.schemas import RecipientIn, RecipientOut
from privacy.actors import Actor
from privacy.db import rows_changed
from privacy.errors import Conflict, NotFound
from privacy.register import service as register
from privacy.register.schemas import ActivityOut
from subprocessors import service as subprocessors

TOLD_OF = {"rectification", "erasure", "restriction"}


async def list_recipients(session: AsyncSession, *, request: DataRequest, now: datetime) -> None:
    """At verification: who is to be told, from the register as it stands."""
    if request.type not in TOLD_OF:
        return
    activities = await _activities_served(session)
    names = {(name, "recipient") for activity in activities for name in activity.recipients}
    standing = await subprocessors.list_on(session, day=now.date())
    keys = {activity.key for activity in activities}
    names |= {(entry.name, "sub-processor") for entry in standing.subprocessors if keys & set(entry.activities)}
    for name, kind in sorted(names):
        session.add(RequestRecipient(request_id=request.id, name=name, kind=kind, status="to_inform"))


async def _activities_served(session: AsyncSession) -> list[ActivityOut]:
    """The activities the enabled systems are linked to; all of them when no system says."""
    linked = {
        key
        for row in await session.scalars(select(Connector))
        if (connector := ConnectorIn.model_validate(row.content)).enabled
        for key in connector.activities
    }
    activities = await register.list_activities(session)
    return [activity for activity in activities if activity.key in linked] if linked else activities


async def recipients_of(session: AsyncSession, *, request_id: uuid.UUID) -> list[RecipientOut]:
    rows = await session.scalars(
        select(RequestRecipient).where(RequestRecipient.request_id == request_id).order_by(RequestRecipient.name)
    )
    return [RecipientOut(id=row.id, name=row.name, kind=row.kind, status=row.status, reason=row.reason) for row in rows]


async def mark(
    session: AsyncSession, *, request_id: uuid.UUID, recipient_id: int, told: RecipientIn, actor: Actor, now: datetime
) -> None:
    """Staff say a recipient was informed, or why not; once (a second answer is a 409)."""
    row = await session.get(RequestRecipient, recipient_id)
    if row is None or row.request_id != request_id:
        raise NotFound("no such recipient for this request")
    marked = await rows_changed(
        session,
        update(RequestRecipient)
        .where(RequestRecipient.id == recipient_id, RequestRecipient.status == "to_inform")
        .values(
            status="informed" if told.informed else "not_informed",
            reason=None if told.informed else told.reason,
            decided_at=now,
            actor=actor.reference,
        ),
    )
    if not marked:
        raise Conflict("this recipient is marked already")
