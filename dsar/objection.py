"""Objection (Art. 21 GDPR). Direct marketing stops at once and for good (Art. 21(2)-(3)): the
person goes on the suppression list and every system linked to a direct-marketing activity is told
to stop. For activities on legitimate interests or a public task (Art. 21(1)), the privacy team
decides per activity: the processing stops for the person (suppressed as above, for that activity)
or continues on compelling legitimate grounds, which the answer states with the right to complain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dsar import systems
from dsar.connector_schemas import ConnectorKind
from dsar.connectors import TOOLKIT, Payload
from dsar.http_connector import call_system
from dsar.models import DataRequest, RequestStep, Suppression
from dsar.schemas import ManualResultIn, ObjectableOut, ObjectionScope
from dsar.service import AWAITING_DECISION, objection_of
from dsar.sql_connector import flag_person
from privacy.errors import FieldError, Invalid, NotFound
from privacy.register import service as register
from privacy.settings import Settings

OBJECT, SUPPRESS = "object", "suppress"
DIRECT_MARKETING = "direct-marketing"


async def objectable(session: AsyncSession) -> list[ObjectableOut]:
    return [
        ObjectableOut(key=a.key, name=a.name, purpose=a.purpose, direct_marketing=bool(a.direct_marketing))
        for a in await register.objectable_activities(session)
    ]


async def check_scope(session: AsyncSession, *, scope: ObjectionScope | None) -> None:
    """At intake: what the person objects to is something they may object to."""
    if scope is None:
        return  # everything they may
    if not scope.activities and not scope.direct_marketing:
        raise Invalid("say what you object to", errors=[FieldError("objection", "name activities or direct marketing")])
    objectable = {activity.key for activity in await register.objectable_activities(session)}
    unknown = [i for i, key in enumerate(scope.activities) if key not in objectable]
    if unknown:
        raise Invalid(
            "one can object only to activities on legitimate interests, a public task, or direct marketing",
            errors=[FieldError(f"objection.activities[{i}]", "not an activity one can object to") for i in unknown],
        )


async def queue_steps(session: AsyncSession, *, request: DataRequest) -> None:
    """At verification: a decision per activity objected to, and direct marketing stopped at once."""
    objectable = await register.objectable_activities(session)
    marketing = {activity.key for activity in objectable if activity.direct_marketing}
    scope = objection_of(request)
    if scope is None:
        objected, direct = {activity.key for activity in objectable}, True
    else:
        objected = set(scope.activities)
        direct = scope.direct_marketing or bool(objected & marketing)
    for key in sorted(objected - marketing):
        session.add(
            RequestStep(request_id=request.id, system=TOOLKIT, activity=key, action=OBJECT, status=AWAITING_DECISION)
        )
    if direct:
        await queue_suppression(session, request=request, activity=DIRECT_MARKETING, linked=marketing)


async def queue_suppression(
    session: AsyncSession, *, request: DataRequest, activity: str, linked: set[str], toolkit: bool = True
) -> None:
    """The toolkit's suppression list (unless the caller's own step keeps it), then every system
    holding data for the activities."""
    own = [TOOLKIT] if toolkit else []
    for system in own + await systems.systems_linked_to(session, activities=linked):
        session.add(
            RequestStep(request_id=request.id, system=system, activity=activity, action=SUPPRESS, status="pending")
        )


def check_decision(result: ManualResultIn) -> None:
    if result.outcome is None:
        raise Invalid(
            "say whether the processing stops or continues on compelling legitimate grounds",
            errors=[FieldError("outcome", "stopped or compelling_grounds")],
        )
    if result.outcome == "compelling_grounds" and not result.reason:
        raise Invalid(
            "state the compelling legitimate grounds", errors=[FieldError("reason", "the grounds, for the person")]
        )


async def decide(session: AsyncSession, *, step: RequestStep, request: DataRequest, result: ManualResultIn) -> Payload:
    """Staff's decision on one activity (checked first); a stop suppresses the person for it in
    every linked system."""
    key = str(step.activity)
    try:
        name = (await register.get_activity(session, key=key)).name
    except NotFound:  # removed from the register since the person objected: the decision still stands
        name = key
    if result.outcome == "stopped":
        await queue_suppression(session, request=request, activity=key, linked={key})
    return {"objection": {"activity": name, "outcome": result.outcome, "reason": result.reason}}


async def suppress_in_toolkit(
    session: AsyncSession, *, step: RequestStep, request: DataRequest, now: datetime
) -> Payload:
    """The person on the suppression list, for the activity or for all direct marketing; kept when
    the request itself is swept. Run again, it finds them there."""
    activities = [str(step.activity)]
    if step.activity == DIRECT_MARKETING:
        objectable = await register.objectable_activities(session)
        activities += [activity.key for activity in objectable if activity.direct_marketing]
    await put_on_suppression_list(session, request=request, activities=activities, now=now)
    return _suppressed(TOOLKIT, step)


async def put_on_suppression_list(
    session: AsyncSession, *, request: DataRequest, activities: list[str], now: datetime
) -> None:
    """The person on the list for each activity they are not on yet."""
    listed = set(
        await session.scalars(
            select(Suppression.activity).where(
                Suppression.email_hash == request.email_hash, Suppression.activity.in_(activities)
            )
        )
    )
    for activity in sorted(set(activities) - listed):
        session.add(
            Suppression(
                email_hash=request.email_hash, activity=activity, request_reference=request.reference, created_at=now
            )
        )


async def suppress_in_system(
    found: systems.System,
    *,
    step: RequestStep,
    email: str,
    callback_url: str,
    settings: Settings,
    now: datetime,
) -> Payload | None:
    """The system stops processing the person's data for the activity; None when it answers later."""
    if found.config.kind is ConnectorKind.SQL:
        await flag_person(found, flag="suppressed_column", value=True, email=email, settings=settings)
        return _suppressed(found.config.name, step)
    answer = await call_system(
        found,
        action=SUPPRESS,
        email=email,
        step_reference=str(step.id),
        callback_url=callback_url,
        settings=settings,
        now=now,
        details={"activities": [str(step.activity)]},
    )
    return None if answer is None else _suppressed(found.config.name, step)


def suppressed(found: systems.System, step: RequestStep) -> Payload:
    """A system that says it stopped: by its callback, or its owner in the console."""
    return _suppressed(found.config.name, step)


def _suppressed(system: str, step: RequestStep) -> Payload:
    return {"suppression": {"system": system, "activity": step.activity}}


def answer_lines(results: list[Payload]) -> tuple[str, list[str], bool]:
    """The outcome, a line per decision for the person, and whether any processing continues."""
    lines, continued, stopped = [], False, False
    if any(result.get("suppression", {}).get("activity") == DIRECT_MARKETING for result in results):
        lines.append("Direct marketing: stopped for good; you are on our suppression list (Art. 21(3) GDPR)")
        stopped = True
    for decision in (result["objection"] for result in results if "objection" in result):
        if decision["outcome"] == "stopped":
            lines.append(f"{decision['activity']}: stopped")
            stopped = True
        else:
            lines.append(f"{decision['activity']}: continues, on compelling legitimate grounds: {decision['reason']}")
            continued = True
    outcome = {(True, False): "upheld", (True, True): "partly upheld"}.get((stopped, continued), "not upheld")
    return f"objection {outcome}", lines, continued
