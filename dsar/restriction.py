"""Restriction (Art. 18 GDPR). On verification every enabled system marks the person's data as
restricted (an SQL system's `restricted_column`, the same flag retention's `restrict` sets; a
signed `restrict` request to an HTTP system; a task for a manual system's owner), and the toolkit
records the restriction apart from the request, which retention sweeps. It stays until staff lift
it: the person is told first, with the reason (Art. 18(3)), and the systems are released once the
notice period has run."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dsar import messages, systems
from dsar.connector_schemas import ConnectorKind
from dsar.connectors import TOOLKIT, Payload
from dsar.http_connector import call_system
from dsar.models import DataRequest, RequestStep, Restriction
from dsar.schemas import RestrictionGround, RestrictionOut
from dsar.sql_connector import flag_person
from privacy.actors import Actor
from privacy.audit import record_change
from privacy.db import field_context, rows_changed
from privacy.errors import Conflict, NotFound
from privacy.keys import decrypt_field, encrypt_field
from privacy.leases import claim
from privacy.mail import queue_message
from privacy.settings import Settings

RESTRICT, UNRESTRICT = "restrict", "unrestrict"
logger = logging.getLogger("dsar.restriction")


async def record(session: AsyncSession, *, request: DataRequest, email: str, now: datetime) -> Payload:
    """The toolkit's step: the restriction on record, naming the systems the request's other steps
    restrict. Run again, it finds it there."""
    existing = await session.scalar(select(Restriction).where(Restriction.request_reference == request.reference))
    if existing is None:
        steps = await session.scalars(
            select(RequestStep.system).where(
                RequestStep.request_id == request.id, RequestStep.action == RESTRICT, RequestStep.system != TOOLKIT
            )
        )
        restriction_id = uuid.uuid4()
        context = field_context(Restriction.email_encrypted, id=restriction_id)
        session.add(
            Restriction(
                id=restriction_id,
                request_reference=request.reference,
                email_hash=request.email_hash,
                email_encrypted=await encrypt_field(session, email, context=context),
                ground=request.restriction_ground,
                systems=sorted(steps),
                placed_at=now,
                lifted_in=[],
            )
        )
    return {"restriction": {"system": TOOLKIT}}


async def restrict_in_system(
    found: systems.System, *, step: RequestStep, email: str, callback_url: str, settings: Settings, now: datetime
) -> Payload | None:
    """The system marks the person's data restricted; None when it answers later."""
    if found.config.kind is ConnectorKind.SQL:
        await flag_person(found, flag="restricted_column", value=True, email=email, settings=settings)
        return restricted(found)
    answer = await call_system(
        found,
        action=RESTRICT,
        email=email,
        step_reference=str(step.id),
        callback_url=callback_url,
        settings=settings,
        now=now,
    )
    return None if answer is None else restricted(found)


def restricted(found: systems.System) -> Payload:
    """A system that says it restricted the data: by its answer, or its owner in the console."""
    return {"restriction": {"system": found.config.name}}


def answer_lines(results: list[Payload]) -> tuple[str, list[str], bool]:
    systems_ = [result["restriction"]["system"] for result in results if "restriction" in result]
    lines = [f"{name}: restricted" for name in systems_ if name != TOOLKIT]
    lines.append("We will tell you, with the reason, before we lift the restriction (Art. 18(3) GDPR)")
    return "restricted", lines, False


# Lifting


async def end_with_answer(session: AsyncSession, *, request: DataRequest, now: datetime) -> str:
    """A restriction placed while a rectification or an objection was assessed ends with its
    answer, which tells the person (Art. 18(3)); the systems are released as for any lifting."""
    await session.execute(
        update(Restriction)
        .where(Restriction.request_reference == request.reference, Restriction.lift_at.is_(None))
        .values(lift_at=now)
    )
    return "The restriction on your data while we assessed your request ends with this answer (Art. 18(3) GDPR)"


async def list_restrictions(session: AsyncSession) -> list[RestrictionOut]:
    rows = await session.scalars(select(Restriction).order_by(Restriction.placed_at.desc()))
    return [restriction_out(row) for row in rows]


async def restriction_of(session: AsyncSession, *, reference: str) -> RestrictionOut | None:
    """The restriction a request placed, if it placed one."""
    row = await session.scalar(select(Restriction).where(Restriction.request_reference == reference))
    return restriction_out(row) if row is not None else None


def restriction_out(row: Restriction) -> RestrictionOut:
    return RestrictionOut(
        id=str(row.id),
        request_reference=row.request_reference,
        ground=RestrictionGround(row.ground) if row.ground else None,
        systems=list(row.systems),
        placed_at=row.placed_at,
        lift_at=row.lift_at,
        lifted_at=row.lifted_at,
    )


async def announce_lift(
    session: AsyncSession, *, restriction_id: uuid.UUID, reason: str, actor: Actor, settings: Settings, now: datetime
) -> Restriction:
    """Art. 18(3): the person is told, with the reason, before the restriction is lifted; the
    systems are released once the notice period has run. Announced once."""
    row = await session.get(Restriction, restriction_id)
    if row is None:
        raise NotFound("no such restriction")
    lift_at = now + timedelta(days=settings.restriction_lift_notice_days)
    unannounced = update(Restriction).where(Restriction.id == row.id, Restriction.lift_at.is_(None))
    if not await rows_changed(session, unannounced.values(lift_at=lift_at)):
        raise Conflict("the lifting of this restriction is announced already")
    context = field_context(Restriction.lift_reason_encrypted, id=row.id)
    row.lift_reason_encrypted = await encrypt_field(session, reason, context=context)
    email = decrypt_field(session, row.email_encrypted, context=field_context(Restriction.email_encrypted, id=row.id))
    language = await session.scalar(select(DataRequest.language).where(DataRequest.reference == row.request_reference))
    letter = messages.restriction_lifting(
        row.request_reference, lift_at=lift_at, reason=reason, language=language or "en"
    )
    await queue_message(
        session, to=email, subject=letter.subject, body=letter.body, purpose="request.restriction_lifting", now=now
    )
    await record_change(
        session,
        actor=actor,
        action="restriction.lift_announced",
        object_type="restriction",
        object_id=str(row.id),
        before=None,
        after={"request": row.request_reference, "lift_at": lift_at.isoformat()},
        now=now,
    )
    return row


async def lift_due_restrictions(session: AsyncSession, *, settings: Settings, now: datetime) -> int:
    """Background work: each restriction whose notice has run is lifted in every system it holds,
    one system at a time, each remembered once done, so a failure retries only what is left."""
    due = Restriction.lift_at <= now, Restriction.lifted_at.is_(None)
    lifted = 0
    for row in await claim(session, Restriction, *due, now=now, lease=timedelta(minutes=10), limit=20):
        await _lift(session, row, settings=settings, now=now)
        lifted += row.lifted_at is not None
    return lifted


async def _lift(session: AsyncSession, row: Restriction, *, settings: Settings, now: datetime) -> None:
    email = decrypt_field(session, row.email_encrypted, context=field_context(Restriction.email_encrypted, id=row.id))
    for key in [key for key in row.systems if key not in row.lifted_in]:
        try:
            await _release(session, key, email=email, reference=row.request_reference, settings=settings, now=now)
        except NotFound:  # the connector is gone: nothing the toolkit can release there any more
            logger.warning("lifting a restriction: no connector %s any more", key)
        except Exception as error:  # one system failing must not keep the others restricted
            logger.warning("lifting a restriction in %s failed: %s", key, type(error).__name__)
            continue
        row.lifted_in = [*row.lifted_in, key]
        await session.commit()
    if set(row.systems) <= set(row.lifted_in):
        row.lifted_at, row.lease_until = now, None
        await session.commit()


async def _release(
    session: AsyncSession, key: str, *, email: str, reference: str, settings: Settings, now: datetime
) -> None:
    found = await systems.system(session, key=key)
    if found.config.kind is ConnectorKind.SQL:
        await flag_person(found, flag="restricted_column", value=False, email=email, settings=settings)
    elif found.config.kind is ConnectorKind.HTTP:
        await call_system(
            found, action=UNRESTRICT, email=email, step_reference=reference, callback_url="", settings=settings, now=now
        )
    else:
        letter = messages.manual_task(reference, UNRESTRICT, found.config.name)
        to = found.config.owner_email or ""
        await queue_message(
            session,
            to=to,
            subject=letter.subject,
            body=letter.body,
            purpose="request.manual_task",
            now=now,
            dedupe_key=f"unrestrict:{reference}:{key}",
        )
