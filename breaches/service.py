"""The breach register (Art. 33-34 GDPR). Every breach is documented (Art. 33(5)), notified to
the lead supervisory authority or not with the reason; the notification is due 72 hours after the
organisation became aware (Art. 33(1)), may come in phases (Art. 33(4)), and when late carries the
reasons for the delay. Where the organisation processes for a controller, that controller is told
without undue delay (Art. 33(2)). Every change is a dated version in the audit trail."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from breaches import communication, letters
from breaches.models import Breach, BreachNotification
from breaches.schemas import (
    AuthorityNotificationIn,
    BreachIn,
    BreachOut,
    ClockState,
    ControllersNotified,
    NotificationOut,
)
from privacy import auth
from privacy import systems as systems_register
from privacy.actors import Actor
from privacy.audit import record_change
from privacy.bundle import Archive
from privacy.errors import Conflict, FieldError, Invalid, NotFound
from privacy.mail import queue_message
from privacy.register import service as register
from privacy.register.schemas import ActivityRole
from subprocessors import service as subprocessors

# Art. 33(1): "not later than 72 hours after having become aware of it". Counted in UTC: hours are
# hours, whatever the clocks of the organisation's country do in between.
NOTIFY_WITHIN = timedelta(hours=72)
# When the privacy team is reminded, counted from awareness; each reminder goes once.
REMINDERS = ((timedelta(hours=24), "24h"), (timedelta(hours=48), "48h"), (timedelta(hours=66), "66h"))
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


def notification_due(aware_at: datetime) -> datetime:
    return aware_at.astimezone(UTC) + NOTIFY_WITHIN


def _new_reference() -> str:
    letters_ = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"B-{letters_[:4]}-{letters_[4:]}"


async def record_breach(session: AsyncSession, *, breach: BreachIn, actor: Actor, now: datetime) -> Breach:
    await _check(session, breach, now=now)
    row = Breach(
        reference=_new_reference(),
        aware_at=breach.aware_at.astimezone(UTC),
        content=breach.model_dump(mode="json"),
        recorded_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    await _audit(session, row, before=None, actor=actor, action="breach.recorded", now=now)
    return row


async def update_breach(
    session: AsyncSession, *, breach_id: uuid.UUID, breach: BreachIn, actor: Actor, now: datetime
) -> Breach:
    """What the team has learnt since: the breach as it now stands, the former one kept in the audit trail."""
    row = await get_breach(session, breach_id=breach_id)
    await _check(session, breach, now=now)
    before = dict(row.content)
    row.aware_at, row.content, row.updated_at = breach.aware_at.astimezone(UTC), breach.model_dump(mode="json"), now
    await _audit(session, row, before=before, actor=actor, action="breach.updated", now=now)
    return row


async def _check(session: AsyncSession, breach: BreachIn, *, now: datetime) -> None:
    """The breach names what the register holds, and awareness is not in the future."""
    errors = [FieldError("aware_at", "in the future")] if breach.aware_at > now else []
    known = {
        "activities": {activity.key for activity in await register.list_activities(session)},
        "systems": {system.key for system in await systems_register.list_systems(session)},
        "subprocessors": {row.key for row in await subprocessors.list_subprocessors(session)},
        "data_categories": {category.key for category in await register.data_categories(session)},
    }
    for field, keys in known.items():
        named: list[str] = getattr(breach, field)
        errors += [FieldError(f"{field}[{i}]", "not in the register") for i, key in enumerate(named) if key not in keys]
    if errors:
        raise Invalid("the breach names what the register does not hold", errors=errors)


async def _audit(
    session: AsyncSession, row: Breach, *, before: dict[str, object] | None, actor: Actor, action: str, now: datetime
) -> None:
    await record_change(
        session,
        actor=actor,
        action=action,
        object_type="breach",
        object_id=row.reference,
        before=before,
        after=dict(row.content),
        now=now,
    )


async def list_breaches(session: AsyncSession) -> list[Breach]:
    return list(await session.scalars(select(Breach).order_by(Breach.aware_at.desc())))


async def get_breach(session: AsyncSession, *, breach_id: uuid.UUID) -> Breach:
    row = await session.get(Breach, breach_id)
    if row is None:
        raise NotFound("no such breach")
    return row


async def notifications_of(session: AsyncSession, *, breach: Breach) -> list[BreachNotification]:
    query = select(BreachNotification).where(BreachNotification.breach_id == breach.id)
    return list(await session.scalars(query.order_by(BreachNotification.sent_at, BreachNotification.id)))


# The clock


def clock_of(row: Breach, notifications: list[BreachNotification], *, now: datetime) -> tuple[ClockState, float | None]:
    if row.content.get("notify_authority") is False:
        return ClockState.NOT_NOTIFIED, None
    if any(item.recipient == "authority" for item in notifications):
        return ClockState.NOTIFIED, None
    left = notification_due(row.aware_at) - now
    return (ClockState.RUNNING if left > timedelta(0) else ClockState.LATE), round(left.total_seconds() / 3600, 1)


async def breach_out(session: AsyncSession, *, row: Breach, now: datetime) -> BreachOut:
    notifications = await notifications_of(session, breach=row)
    clock, hours_left = clock_of(row, notifications, now=now)
    return BreachOut(
        **BreachIn.model_validate(row.content).model_dump(),
        id=str(row.id),
        reference=row.reference,
        notification_due_at=notification_due(row.aware_at),
        clock=clock,
        hours_left=hours_left,
        recorded_at=row.recorded_at,
        updated_at=row.updated_at,
        notifications=[notification_out(item) for item in notifications],
        people_told=await communication.people_told(session, row=row),
    )


def notification_out(item: BreachNotification) -> NotificationOut:
    return NotificationOut.model_validate(item, from_attributes=True)


async def remind_privacy_team(session: AsyncSession, *, now: datetime) -> int:
    """At 24, 48 and 66 hours after awareness, and once late, while the lead authority has been
    neither notified nor decided against: the latest reminder due goes, each once."""
    team = await auth.privacy_team_emails(session)
    queued = 0
    for row in await list_breaches(session):
        clock, hours_left = clock_of(row, await notifications_of(session, breach=row), now=now)
        if hours_left is None:
            continue
        due = [name for after, name in REMINDERS if row.aware_at + after <= now]
        mark = "late" if clock is ClockState.LATE else (due[-1] if due else None)
        if mark is None:
            continue
        letter = letters.reminder(row.reference, row.content["summary"], hours_left=hours_left)
        for index, address in enumerate(team):
            queued += bool(
                await queue_message(
                    session,
                    to=address,
                    subject=letter.subject,
                    body=letter.body,
                    purpose="breach.reminder",
                    now=now,
                    dedupe_key=f"breach:{row.id}:{mark}:{index}",
                )
            )
    return queued


# Notifications


async def notify_authority(
    session: AsyncSession,
    *,
    breach_id: uuid.UUID,
    notification: AuthorityNotificationIn,
    document: dict[str, object],
    actor: Actor,
    now: datetime,
) -> BreachNotification:
    """The notification made, on the authority's form: the first, then complements (Art. 33(4)).
    A late first notification says why (Art. 33(1))."""
    row = await get_breach(session, breach_id=breach_id)
    earlier = [item for item in await notifications_of(session, breach=row) if item.recipient == "authority"]
    if notification.notified_at > now:
        raise Invalid("the notification is in the future", errors=[FieldError("notified_at", "in the future")])
    if (notification.phase == "initial") == bool(earlier):
        raise Conflict("the first notification is the initial one, and there is one" if earlier else "notify first")
    late = notification.notified_at.astimezone(UTC) > notification_due(row.aware_at)
    if late and notification.phase == "initial" and notification.delay_reason is None:
        raise Invalid(
            "notified later than 72 hours: give the reasons for the delay (Art. 33(1))",
            errors=[FieldError("delay_reason", "required when late")],
        )
    if row.content.get("notify_authority") is False:
        raise Conflict("the breach is recorded as not notified: record it as notified first")
    item = BreachNotification(
        breach_id=row.id,
        recipient="authority",
        name=(await register.require_organisation(session)).lead_supervisory_authority or "lead supervisory authority",
        phase=notification.phase,
        sent_at=notification.notified_at.astimezone(UTC),
        late=late,
        delay_reason=notification.delay_reason,
        authority_reference=notification.authority_reference,
        document=document,
    )
    session.add(item)
    await session.flush()
    if row.content.get("notify_authority") is None:
        await _decide_notified(session, row, actor=actor, now=now)
    after = {"breach": row.reference, "phase": item.phase, "sent_at": item.sent_at.isoformat(), "late": late}
    await record_change(
        session,
        actor=actor,
        action="breach.authority_notified",
        object_type="breach_notification",
        object_id=str(item.id),
        before=None,
        after=after,
        now=now,
    )
    return item


async def _decide_notified(session: AsyncSession, row: Breach, *, actor: Actor, now: datetime) -> None:
    """A notification made is the decision to notify: the breach says so from then on."""
    before = dict(row.content)
    row.content, row.updated_at = {**before, "notify_authority": True}, now
    await _audit(session, row, before=before, actor=actor, action="breach.updated", now=now)


async def notify_controllers(
    session: AsyncSession, *, breach_id: uuid.UUID, actor: Actor, now: datetime
) -> ControllersNotified:
    """Art. 33(2): the controllers of the activities the organisation performs as processor that
    the breach touched, each told once, through the outbox."""
    row = await get_breach(session, breach_id=breach_id)
    told = {item.name for item in await notifications_of(session, breach=row) if item.recipient == "controller"}
    answer = ControllersNotified(notified=[], already=[], without_email=[])
    for activity in await register.list_activities(session):
        controller = activity.controller
        if activity.key not in row.content["activities"] or activity.role is not ActivityRole.PROCESSOR:
            continue
        if controller is None or controller.email is None:
            answer.without_email.append(controller.name if controller else activity.name)
        elif controller.name in told:
            answer.already.append(controller.name)
        else:
            await _tell_controller(session, row, name=controller.name, email=controller.email, now=now)
            told.add(controller.name)
            answer.notified.append(controller.name)
    if answer.notified:
        after = {"breach": row.reference, "controllers": answer.notified}
        await record_change(
            session,
            actor=actor,
            action="breach.controllers_notified",
            object_type="breach",
            object_id=row.reference,
            before=None,
            after=after,
            now=now,
        )
    return answer


async def _tell_controller(session: AsyncSession, row: Breach, *, name: str, email: str, now: datetime) -> None:
    organisation = await register.require_organisation(session)
    letter = letters.to_controller(row.reference, row.content, processor=organisation.legal_name)
    await queue_message(
        session,
        to=email,
        subject=letter.subject,
        body=letter.body,
        purpose="breach.controller",
        now=now,
        dedupe_key=f"breach:{row.id}:controller:{name}",
    )
    session.add(
        BreachNotification(
            breach_id=row.id,
            recipient="controller",
            name=name,
            phase="initial",
            sent_at=now,
            late=False,
            document={"letter": letter.body},
        )
    )


# The auditor's bundle

# What the register shows an auditor: no one's identity (not who handles it, not the free description).
BUNDLE_LEAVES_OUT = ("handler", "description")


async def breaches_bundle_part(session: AsyncSession, archive: Archive, now: datetime) -> None:
    """The breach register (Art. 33(5)): every breach, notified or not and why, and its notifications."""
    register_: list[dict[str, object]] = []
    for row in await list_breaches(session):
        notifications = await notifications_of(session, breach=row)
        clock, _ = clock_of(row, notifications, now=now)
        content = {key: value for key, value in row.content.items() if key not in BUNDLE_LEAVES_OUT}
        register_.append(
            {
                "reference": row.reference,
                **content,
                "notification_due_at": notification_due(row.aware_at).isoformat(),
                "clock": clock.value,
                "notifications": [
                    notification_out(item).model_dump(mode="json", exclude={"id"}) for item in notifications
                ],
                "people_told": (await communication.people_told(session, row=row)).model_dump(),
            }
        )
    archive.add_json("breaches/register.json", register_)
