"""What every part of the request domain shares: the request record (created, found, its legal
deadline, its verification and the steps that follow), its timeline, telling the person, and how
staff see it. How requests come in is `intake`, the person's follow-up `follow_up`, the privacy
team's actions `staff`, the auditors' log `log`, and the work on the systems `fulfilment`."""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dsar import messages, recipients
from dsar import systems as connectors
from dsar.connector_schemas import ConnectorIn, ConnectorKind
from dsar.deadlines import legal_deadline
from dsar.models import DataRequest, RequestEvent, RequestStep
from dsar.schemas import (
    MEANWHILE_GROUNDS,
    AskedFor,
    Channel,
    Correction,
    DeathNoticeIn,
    DirectiveIn,
    ObjectionScope,
    RequestOut,
    RequestStatus,
    RequestSummary,
    RequestType,
    RestrictionGround,
    StepOut,
    TimelineEntry,
)
from dsar.sql_connector import people_in_sql
from privacy.db import field_context
from privacy.errors import NotFound
from privacy.keys import decrypt_field, encrypt_field, keyring_of
from privacy.mail import queue_message
from privacy.register import service as register
from privacy.settings import Settings

OPEN = (RequestStatus.AWAITING_VERIFICATION.value, RequestStatus.IN_PROGRESS.value)
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
# A step's status until staff decide what it does (a rectification's system, an objection's activity).
AWAITING_DECISION = "awaiting_decision"


def new_reference() -> str:
    """Random, not derived from anything about the person: e.g. `R-7KQ2-M9XD`."""
    letters = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"R-{letters[:4]}-{letters[4:]}"


async def new_request(
    session: AsyncSession,
    *,
    asked: AskedFor,
    email: str,
    name: str | None,
    details: str | None,
    language: str,
    channel: Channel,
    received_at: datetime,
) -> DataRequest:
    """A request record, its identifying fields encrypted and the email findable by a keyed hash."""
    request_id = uuid.uuid4()
    named = asked.directive or asked.death
    particulars = named.model_dump_json() if named else None
    request = DataRequest(
        id=request_id,
        reference=new_reference(),
        type=asked.type.value,
        status=RequestStatus.AWAITING_VERIFICATION.value,
        channel=channel.value,
        language=language,
        email_hash=keyring_of(session).lookup_hash(email),
        email_encrypted=await _encrypt(session, DataRequest.email_encrypted, request_id, email),
        name_encrypted=await _encrypt(session, DataRequest.name_encrypted, request_id, name) if name else None,
        details_encrypted=await _encrypt(session, DataRequest.details_encrypted, request_id, details)
        if details
        else None,
        corrections_encrypted=await _encrypt(
            session, DataRequest.corrections_encrypted, request_id, _corrections_json(asked.corrections)
        )
        if asked.corrections
        else None,
        particulars_encrypted=await _encrypt(session, DataRequest.particulars_encrypted, request_id, particulars)
        if particulars
        else None,
        scope=_scope(asked),
        restriction_ground=_restriction_ground(asked),
        received_at=received_at,
    )
    session.add(request)
    return request


async def _encrypt(session: AsyncSession, column: Any, request_id: uuid.UUID, value: str) -> str:
    return await encrypt_field(session, value, context=field_context(column, id=request_id))


def _decrypt(session: AsyncSession, column: Any, request: DataRequest, value: str) -> str:
    return decrypt_field(session, value, context=field_context(column, id=request.id))


def email_of(session: AsyncSession, *, request: DataRequest) -> str:
    return _decrypt(session, DataRequest.email_encrypted, request, request.email_encrypted)


def _restriction_ground(asked: AskedFor) -> str | None:
    """A restriction's ground: given with a restriction, or following from the request the data is
    restricted meanwhile for."""
    if asked.restrict_meanwhile:
        return MEANWHILE_GROUNDS[asked.type].value
    return asked.restriction_ground.value if asked.restriction_ground else None


def restricted_meanwhile(request: DataRequest) -> bool:
    """A rectification or an objection with the data restricted until it is decided."""
    return request.type != RequestType.RESTRICTION.value and request.restriction_ground is not None


def directive_of(session: AsyncSession, *, request: DataRequest) -> DirectiveIn | None:
    """The directives a directive request leaves (or revokes), as the person gave them."""
    if request.type != RequestType.DIRECTIVE.value or request.particulars_encrypted is None:
        return None
    opened = _decrypt(session, DataRequest.particulars_encrypted, request, request.particulars_encrypted)
    return DirectiveIn.model_validate_json(opened)


def death_of(session: AsyncSession, *, request: DataRequest) -> DeathNoticeIn | None:
    """Who died, as the death notice says."""
    if request.type != RequestType.DEATH_NOTICE.value or request.particulars_encrypted is None:
        return None
    opened = _decrypt(session, DataRequest.particulars_encrypted, request, request.particulars_encrypted)
    return DeathNoticeIn.model_validate_json(opened)


def subject_email_of(session: AsyncSession, *, request: DataRequest) -> str:
    """Whose data the systems look for: the person asking, or the person whose death was notified
    (the one who notified is the one told and, if named for it, given the copy)."""
    death = death_of(session, request=request)
    return death.email if death is not None else email_of(session, request=request)


def _scope(asked: AskedFor) -> dict[str, Any] | None:
    if asked.objection is not None:
        return {"objection": asked.objection.model_dump()}
    return {"withdraw": asked.withdraw} if asked.withdraw is not None else None


def objection_of(request: DataRequest) -> ObjectionScope | None:
    """What an objection is against (None: everything the person may object to)."""
    scope = (request.scope or {}).get("objection")
    return ObjectionScope.model_validate(scope) if scope is not None else None


def _corrections_json(corrections: list[Correction]) -> str:
    return json.dumps([correction.model_dump() for correction in corrections])


def corrections_of(session: AsyncSession, *, request: DataRequest) -> list[Correction]:
    """What the person asked to correct (rectification), as they gave it."""
    sealed = request.corrections_encrypted
    if sealed is None:
        return []
    opened = _decrypt(session, DataRequest.corrections_encrypted, request, sealed)
    return [Correction.model_validate(item) for item in json.loads(opened)]


async def find_request(session: AsyncSession, *, reference: str) -> DataRequest:
    request = await session.scalar(select(DataRequest).where(DataRequest.reference == reference))
    if request is None:
        raise NotFound(f"no request has the reference {reference}")
    return request


async def get_request(session: AsyncSession, *, request_id: uuid.UUID) -> DataRequest:
    request = await session.get(DataRequest, request_id)
    if request is None:
        raise NotFound("no such request")
    return request


# Deadlines


def clock_start(request: DataRequest, settings: Settings) -> datetime:
    """Art. 12(3): the month runs from receipt, or from verification of identity where the setting
    says so; an extension counts three months from the same start."""
    if settings.request_clock_starts == "verification" and request.verified_at is not None:
        return request.verified_at
    return request.received_at


async def deadline(session: AsyncSession, *, start: datetime, months: int) -> date:
    # The UTC date: for controllers in Europe it is the local date or the day before, so the
    # deadline is never later than the law's.
    country = (await register.require_organisation(session)).country
    return legal_deadline(start.date(), months=months, country=country)


def effective_due(request: DataRequest) -> date | None:
    return request.extended_due_at or request.due_at


# The timeline, and telling the person


async def add_event(
    session: AsyncSession, *, request: DataRequest, kind: str, actor: str, at: datetime, note: str | None = None
) -> None:
    event = RequestEvent(request_id=request.id, at=at, kind=kind, actor=actor)
    if note:
        event.note_encrypted = await encrypt_field(session, note, context=_note_context(request))
    session.add(event)


async def timeline(session: AsyncSession, *, request: DataRequest) -> list[RequestEvent]:
    rows = await session.scalars(
        select(RequestEvent).where(RequestEvent.request_id == request.id).order_by(RequestEvent.at, RequestEvent.id)
    )
    return list(rows)


def note_of(session: AsyncSession, *, request: DataRequest, event: RequestEvent) -> str | None:
    if event.note_encrypted is None:
        return None
    return decrypt_field(session, event.note_encrypted, context=_note_context(request))


def _note_context(request: DataRequest) -> str:
    return field_context(RequestEvent.note_encrypted, request_id=request.id)


async def tell_person(
    session: AsyncSession,
    *,
    request: DataRequest,
    letter: messages.Letter,
    purpose: str,
    now: datetime,
    once_as: str | None = None,
) -> None:
    """A message to the person behind the request, through the outbox, in the caller's transaction;
    with `once_as`, a second message under the same key is not sent."""
    to = email_of(session, request=request)
    await queue_message(
        session, to=to, subject=letter.subject, body=letter.body, purpose=purpose, now=now, dedupe_key=once_as
    )


# How staff see a request


async def request_out(session: AsyncSession, *, request: DataRequest) -> RequestOut:
    name = request.name_encrypted
    return RequestOut(
        id=str(request.id),
        reference=request.reference,
        type=RequestType(request.type),
        status=RequestStatus(request.status),
        channel=Channel(request.channel),
        email=email_of(session, request=request),
        name=_decrypt(session, DataRequest.name_encrypted, request, name) if name else None,
        received_at=request.received_at,
        verified_at=request.verified_at,
        verification_method=request.verification_method,
        due_at=request.due_at,
        extended_due_at=request.extended_due_at,
        replied_at=request.replied_at,
        outcome=request.outcome,
        corrections=corrections_of(session, request=request),
        objection=objection_of(request),
        restriction_ground=RestrictionGround(request.restriction_ground) if request.restriction_ground else None,
        directive=directive_of(session, request=request),
        death=death_of(session, request=request),
        recipients=await recipients.recipients_of(session, request_id=request.id),
        timeline=[
            TimelineEntry(
                at=event.at, kind=event.kind, actor=event.actor, note=note_of(session, request=request, event=event)
            )
            for event in await timeline(session, request=request)
        ],
        steps=await _steps_out(session, request),
    )


async def request_detail(session: AsyncSession, *, request_id: uuid.UUID) -> RequestOut:
    return await request_out(session, request=await get_request(session, request_id=request_id))


async def _steps_out(session: AsyncSession, request: DataRequest) -> list[StepOut]:
    steps = await session.scalars(
        select(RequestStep).where(RequestStep.request_id == request.id).order_by(RequestStep.id)
    )
    return [
        StepOut(
            id=step.id,
            system=step.system,
            activity=step.activity,
            action=step.action,
            status=step.status,
            attempts=step.attempts,
            finished_at=step.finished_at,
            last_error=step.last_error,
        )
        for step in steps
    ]


def summary(request: DataRequest, *, today: date, soon_days: int) -> RequestSummary:
    due = effective_due(request)
    open_ = request.status in OPEN
    return RequestSummary(
        id=str(request.id),
        reference=request.reference,
        type=RequestType(request.type),
        status=RequestStatus(request.status),
        channel=Channel(request.channel),
        received_at=request.received_at,
        due_at=request.due_at,
        extended_due_at=request.extended_due_at,
        overdue=open_ and due is not None and due < today,
        due_soon=open_ and due is not None and today <= due <= today + timedelta(days=soon_days),
    )


async def people_in_systems(
    session: AsyncSession, *, systems: list[str], activities: list[str], limit: int, settings: Settings
) -> tuple[dict[str, list[str]], list[str]]:
    """Whom the enabled connectors reaching these registered systems, or holding data for these
    activities, hold: the emails each SQL connector finds (at most `limit` and one more each), and
    the names of the others (HTTP, manual), whose people are listed by hand."""
    found: dict[str, list[str]] = {}
    by_hand: list[str] = []
    for row in await connectors.list_connectors(session):
        config = ConnectorIn.model_validate(row.content)
        linked = config.system in systems or set(config.activities) & set(activities)
        if not config.enabled or not linked:
            continue
        if config.kind is ConnectorKind.SQL:
            system = await connectors.system(session, key=config.key)
            found[config.name] = await people_in_sql(system, limit=limit, settings=settings)
        else:
            by_hand.append(config.name)
    return found, by_hand
