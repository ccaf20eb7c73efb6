"""Consents the organisation collects itself, outside the cookie banner (a newsletter sign-up, an
opt-in in its product), each for an activity of the register resting on consent: recorded with
their proof (Art. 7(1)), shown in the person's access package, and withdrawn as easily as given
(Art. 7(3)): a withdrawal request from the privacy centre or the person's account ends them and
reaches every system linked to their activities as a suppression does."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dsar import objection
from dsar.connectors import TOOLKIT, Payload
from dsar.models import DataRequest, RecordedConsent, RequestStep
from dsar.schemas import ConsentIn, ConsentOut
from privacy.actors import Actor
from privacy.audit import record_change
from privacy.db import field_context
from privacy.domain import ConsentsCollected
from privacy.errors import FieldError, Invalid
from privacy.keys import encrypt_field, keyring_of
from privacy.register import service as register
from privacy.register.schemas import LawfulBasis

WITHDRAW = "withdraw"


async def activities_with_consents(session: AsyncSession) -> ConsentsCollected:
    """The activities the organisation's own forms have recorded consents for."""
    keys = await session.scalars(select(RecordedConsent.activity).distinct())
    return ConsentsCollected(activities=frozenset(keys))


async def record_consent(session: AsyncSession, *, consent: ConsentIn, actor: Actor, now: datetime) -> ConsentOut:
    """A consent given on one of the organisation's own forms, for an activity resting on consent."""
    activities = {activity.key: activity for activity in await register.list_activities(session)}
    activity = activities.get(consent.activity)
    if activity is None or not activity.rests_on(LawfulBasis.CONSENT):
        raise Invalid(
            "a consent is recorded for an activity of the register resting on consent",
            errors=[FieldError("activity", "not an activity resting on consent")],
        )
    if consent.given_at > now:
        raise Invalid("the consent is given in the future", errors=[FieldError("given_at", "in the future")])
    row_id = uuid.uuid4()
    context = field_context(RecordedConsent.email_encrypted, id=row_id)
    row = RecordedConsent(
        id=row_id,
        email_hash=keyring_of(session).lookup_hash(consent.email),
        email_encrypted=await encrypt_field(session, consent.email, context=context),
        activity=consent.activity,
        wording=consent.wording,
        source=consent.source,
        given_at=consent.given_at,
    )
    session.add(row)
    after = {"activity": consent.activity, "source": consent.source, "given_at": consent.given_at.isoformat()}
    await record_change(
        session,
        actor=actor,
        action="consent.recorded",
        object_type="recorded_consent",
        object_id=str(row_id),
        before=None,
        after=after,
        now=now,
    )
    return consent_out(row)


def consent_out(row: RecordedConsent) -> ConsentOut:
    return ConsentOut(
        id=str(row.id), activity=row.activity, source=row.source, given_at=row.given_at, withdrawn_at=row.withdrawn_at
    )


async def _standing(session: AsyncSession, request: DataRequest) -> list[RecordedConsent]:
    """The person's consents not yet withdrawn that the request asks to withdraw."""
    query = select(RecordedConsent).where(
        RecordedConsent.email_hash == request.email_hash, RecordedConsent.withdrawn_at.is_(None)
    )
    asked = (request.scope or {}).get("withdraw")
    if asked:
        query = query.where(RecordedConsent.activity.in_(asked))
    return list(await session.scalars(query))


async def queue_steps(session: AsyncSession, *, request: DataRequest) -> None:
    """At verification: the toolkit ends the consents, and each activity's linked systems stop."""
    session.add(RequestStep(request_id=request.id, system=TOOLKIT, action=WITHDRAW, status="pending"))
    for activity in sorted({row.activity for row in await _standing(session, request)}):
        await objection.queue_suppression(session, request=request, activity=activity, linked={activity}, toolkit=False)


async def withdraw(session: AsyncSession, *, request: DataRequest, now: datetime) -> Payload:
    """The toolkit's step: each consent marked withdrawn (its proof kept), and the person on the
    suppression list for its activity. Run again, it finds nothing left to withdraw."""
    names = {activity.key: activity.name for activity in await register.list_activities(session)}
    withdrawn = set()
    for row in await _standing(session, request):
        row.withdrawn_at, row.withdrawal_reference = now, request.reference
        withdrawn.add(row.activity)
    await objection.put_on_suppression_list(session, request=request, activities=sorted(withdrawn), now=now)
    return {"withdrawal": {"activities": sorted(names.get(key, key) for key in withdrawn)}}


def answer_lines(results: list[Payload]) -> tuple[str, list[str], bool]:
    names = [name for result in results if "withdrawal" in result for name in result["withdrawal"]["activities"]]
    if not names:
        return "no consent to withdraw", ["We hold no consent of yours that was still standing"], False
    return "consent withdrawn", [f"{name}: your consent is withdrawn and we have stopped" for name in names], False
