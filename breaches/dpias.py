"""Data protection impact assessments (Art. 35-36 GDPR), the ones an activity's `dpia` status in
the register points to.

- Screening: which of the WP29 criteria apply to an activity; two or more suggest a DPIA is
  required. Staff decide (against the suggestion only with a reason); the register's status follows.
- The assessment: the processing described, its necessity, each risk with its likelihood and
  severity, the measures and what remains; the DPO's advice; a review date, with a reminder.
  Signed off, the register's status is `completed`; changed afterwards, it is a new version in
  progress until signed off again. Where the residual risk stays high, the lead authority is
  consulted first (Art. 36(1)).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from breaches.dpia_models import Dpia, DpiaScreening, DpiaVersion
from breaches.dpia_schemas import (
    LEVELS,
    REQUIRED_FROM,
    DpiaIn,
    DpiaOut,
    DpiaSummary,
    DpiaVersionOut,
    Level,
    RiskIn,
    ScreeningIn,
    ScreeningOut,
    SignOffIn,
)
from privacy import auth
from privacy.actors import Actor
from privacy.audit import record_change
from privacy.bundle import Archive
from privacy.errors import Conflict, FieldError, Invalid, NotFound
from privacy.mail import queue_message
from privacy.register import service as register
from privacy.register.schemas import ActivityIn, ActivityOut, DpiaStatus

DRAFT, SIGNED_OFF = "draft", "signed_off"


async def _activity(session: AsyncSession, key: str) -> ActivityOut:
    found = next((activity for activity in await register.list_activities(session) if activity.key == key), None)
    if found is None:
        raise NotFound(f"no activity '{key}' in the register")
    return found


async def _set_register_status(
    session: AsyncSession, activity: ActivityOut, *, actor: Actor, now: datetime, **dpia: object
) -> None:
    """The register's `dpia` of the activity, as the screening or the assessment now says."""
    content = activity.model_dump(mode="json", include=set(ActivityIn.model_fields))
    content["dpia"] = {**content["dpia"], **dpia}
    await register.update_activity(
        session, key=activity.key, activity=ActivityIn.model_validate(content), actor=actor, now=now
    )


# Screening


async def screen(
    session: AsyncSession, *, key: str, screening: ScreeningIn, actor: Actor, now: datetime
) -> ScreeningOut:
    activity = await _activity(session, key)
    suggested = len(screening.criteria) >= REQUIRED_FROM
    required = suggested if screening.required is None else screening.required
    row = DpiaScreening(
        activity=key,
        criteria=[criterion.value for criterion in screening.criteria],
        suggested_required=suggested,
        required=required,
        reason=screening.reason,
        decided_by=actor.reference,
        decided_at=now,
    )
    session.add(row)
    if activity.dpia.status in (DpiaStatus.NOT_ASSESSED, DpiaStatus.NOT_REQUIRED, DpiaStatus.REQUIRED):
        status = DpiaStatus.REQUIRED if required else DpiaStatus.NOT_REQUIRED
        await _set_register_status(session, activity, actor=actor, now=now, status=status.value)
    await session.flush()
    return screening_out(row)


def screening_out(row: DpiaScreening) -> ScreeningOut:
    return ScreeningOut.model_validate(row, from_attributes=True)


async def latest_screening(session: AsyncSession, *, key: str) -> DpiaScreening | None:
    query = select(DpiaScreening).where(DpiaScreening.activity == key)
    latest: DpiaScreening | None = await session.scalar(
        query.order_by(DpiaScreening.decided_at.desc(), DpiaScreening.id.desc()).limit(1)
    )
    return latest


# The assessment


async def save(session: AsyncSession, *, key: str, assessment: DpiaIn, actor: Actor, now: datetime) -> Dpia:
    """A new version of the assessment, in progress until signed off."""
    activity = await _activity(session, key)
    row = await session.scalar(select(Dpia).where(Dpia.activity == key))
    content = assessment.model_dump(mode="json")
    if row is None:
        row = Dpia(activity=key, version=0, content=content, status=DRAFT, updated_at=now)
        session.add(row)
    row.version, row.content, row.status, row.updated_at = row.version + 1, content, DRAFT, now
    row.signed_off_by, row.signed_off_at, row.review_on = None, None, assessment.review_on
    await _keep_version(session, row, actor=actor, now=now)
    if activity.dpia.status is not DpiaStatus.IN_PROGRESS:
        await _set_register_status(session, activity, actor=actor, now=now, status=DpiaStatus.IN_PROGRESS.value)
    return row


async def sign_off(session: AsyncSession, *, key: str, sign_off: SignOffIn, actor: Actor, now: datetime) -> Dpia:
    """Art. 35(2): the DPO's advice is sought first; the register then points to this version."""
    row = await get(session, key=key)
    assessment = DpiaIn.model_validate(row.content)
    if row.status == SIGNED_OFF:
        raise Conflict("this version is signed off already")
    missing = [name for name in ("dpo_opinion", "review_on") if getattr(assessment, name) is None]
    missing += ["risks"] if not assessment.risks else []
    if missing:
        raise Invalid(
            "an assessment is signed off with its risks, the DPO's advice and a review date",
            errors=[FieldError(name, "required to sign off") for name in missing],
        )
    row.status, row.signed_off_by, row.signed_off_at = SIGNED_OFF, sign_off.signed_by, now
    await _keep_version(session, row, actor=actor, now=now)
    reference = f"DPIA version {row.version}, signed off {now.date().isoformat()} by {sign_off.signed_by}"
    review_on = assessment.review_on.isoformat() if assessment.review_on else None
    activity = await _activity(session, key)
    await _set_register_status(
        session,
        activity,
        actor=actor,
        now=now,
        status=DpiaStatus.COMPLETED.value,
        reference=reference,
        review_on=review_on,
    )
    return row


async def _keep_version(session: AsyncSession, row: Dpia, *, actor: Actor, now: datetime) -> None:
    await session.flush()
    session.add(
        DpiaVersion(
            dpia_id=row.id, version=row.version, status=row.status, content=row.content, actor=actor.reference, at=now
        )
    )
    await record_change(
        session,
        actor=actor,
        action=f"dpia.{row.status}",
        object_type="dpia",
        object_id=row.activity,
        before=None,
        after={"version": row.version, "status": row.status},
        now=now,
    )


async def get(session: AsyncSession, *, key: str) -> Dpia:
    row = await session.scalar(select(Dpia).where(Dpia.activity == key))
    if row is None:
        raise NotFound(f"no DPIA for '{key}' yet")
    return row


async def versions(session: AsyncSession, *, key: str) -> list[DpiaVersionOut]:
    row = await get(session, key=key)
    query = select(DpiaVersion).where(DpiaVersion.dpia_id == row.id).order_by(DpiaVersion.version, DpiaVersion.id)
    return [DpiaVersionOut.model_validate(item, from_attributes=True) for item in await session.scalars(query)]


def residual_risk(risks: list[RiskIn]) -> Level | None:
    """The highest residual risk: the greater of each risk's residual likelihood and severity."""
    if not risks:
        return None
    return max((max(r.residual_likelihood, r.residual_severity, key=LEVELS.index) for r in risks), key=LEVELS.index)


def stays_high(risks: list[RiskIn]) -> bool:
    """Art. 36(1): a residual risk that is high (both at least significant, or either at maximum)."""
    significant = LEVELS.index(Level.SIGNIFICANT)
    return any(
        Level.MAXIMUM in (r.residual_likelihood, r.residual_severity)
        or min(LEVELS.index(r.residual_likelihood), LEVELS.index(r.residual_severity)) >= significant
        for r in risks
    )


def dpia_out(row: Dpia) -> DpiaOut:
    assessment = DpiaIn.model_validate(row.content)
    return DpiaOut(
        **assessment.model_dump(),
        activity=row.activity,
        version=row.version,
        status=row.status,
        residual_risk=residual_risk(assessment.risks),
        prior_consultation=stays_high(assessment.risks),
        signed_off_by=row.signed_off_by,
        signed_off_at=row.signed_off_at,
        updated_at=row.updated_at,
    )


async def summaries(session: AsyncSession, *, now: datetime) -> list[DpiaSummary]:
    """Every activity of the register with its screening and its DPIA status."""
    answer = []
    for activity in await register.list_activities(session):
        screening = await latest_screening(session, key=activity.key)
        review_on = activity.dpia.review_on
        answer.append(
            DpiaSummary(
                activity=activity.key,
                name=activity.name,
                screening=screening_out(screening) if screening else None,
                status=activity.dpia.status.value,
                review_on=review_on,
                review_overdue=review_on is not None and review_on < now.date(),
            )
        )
    return answer


async def remind_reviews(session: AsyncSession, *, now: datetime) -> int:
    """Art. 35(11): the privacy team is told once when a signed-off assessment's review date comes."""
    team = await auth.privacy_team_emails(session)
    due = await session.scalars(select(Dpia).where(Dpia.status == SIGNED_OFF, Dpia.review_on <= now.date()))
    queued = 0
    for row in due:
        for index, address in enumerate(team):
            sent = await queue_message(
                session,
                to=address,
                subject=f"DPIA of {row.activity}: its review is due",
                body=f"The DPIA of the activity {row.activity} was to be reviewed by {row.review_on}. Review the "
                "risks and measures in the console's DPIA page, and sign off a new version.",
                purpose="dpia.review",
                now=now,
                dedupe_key=f"dpia-review:{row.id}:{row.review_on}:{index}",
            )
            queued += sent is not None
    return queued


async def dpias_bundle_part(session: AsyncSession, archive: Archive, now: datetime) -> None:
    """Each activity's screening and DPIA status, and every assessment as it stands."""
    archive.add_json(
        "dpias/screenings.json", [item.model_dump(mode="json") for item in await summaries(session, now=now)]
    )
    assessments = await session.scalars(select(Dpia).order_by(Dpia.activity))
    archive.add_json("dpias/assessments.json", [dpia_out(row).model_dump(mode="json") for row in assessments])
