"""The request rules: intake, proof of identity, legal deadlines, extension and refusal, reminders."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any, NoReturn, cast

from sqlalchemy import CursorResult, Select, and_, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dsar import messages, systems
from dsar.connectors import TOOLKIT
from dsar.deadlines import legal_deadline
from dsar.models import DataRequest, RequestEvent, RequestStep, RequestToken, VerificationCode
from dsar.schemas import (
    Channel,
    Message,
    RefusalIn,
    RequestIn,
    RequestOut,
    RequestStatus,
    RequestStatusOut,
    RequestSummary,
    RequestType,
    StaffRequestIn,
    StepOut,
    TimelineEntry,
    TokenGranted,
)
from privacy import auth
from privacy.actors import Actor, Role
from privacy.assertions import Assertion
from privacy.audit import record_change
from privacy.bundle import Archive
from privacy.csvfile import csv_bytes
from privacy.db import field_context
from privacy.errors import Conflict, FieldError, Gone, Invalid, NotFound, TooManyRequests, Unauthorized
from privacy.keys import decrypt_field, encrypt_field, keyring_of
from privacy.mail import queue_message
from privacy.register import service as register
from privacy.settings import Settings

CODE_LIFETIME = timedelta(minutes=15)
CODE_ATTEMPTS = 5
RESEND_AFTER = timedelta(minutes=1)
MAX_SENDS = 5
OPEN = (RequestStatus.AWAITING_VERIFICATION.value, RequestStatus.IN_PROGRESS.value)
# What the person sees of the timeline; the rest (staff notes, steps) is for the privacy team.
PUBLIC_EVENTS = {"received", "verified", "extended", "refused", "completed", "package_ready"}
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


def new_reference() -> str:
    """Random, not derived from anything about the person: e.g. `R-7KQ2-M9XD`."""
    letters = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"R-{letters[:4]}-{letters[4:]}"


def _code_hash(session: AsyncSession, request_id: uuid.UUID, code: str) -> str:
    # Keyed: six digits are too few for a plain hash to hide them from whoever reads the table.
    key = keyring_of(session).subkey("request-codes")
    return hmac.new(key, f"{request_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _organisation_country(session: AsyncSession) -> str:
    return (await register.require_organisation(session)).country


def clock_start(request: DataRequest, settings: Settings) -> datetime:
    """Art. 12(3): the month runs from receipt, or from verification of identity where the setting
    says so; an extension counts three months from the same start."""
    if settings.request_clock_starts == "verification" and request.verified_at is not None:
        return request.verified_at
    return request.received_at


async def _deadline(session: AsyncSession, start: datetime, months: int) -> date:
    # The UTC date: for controllers in Europe it is the local date or the day before, so the
    # deadline is never later than the law's.
    return legal_deadline(start.date(), months=months, country=await _organisation_country(session))


async def add_event(
    session: AsyncSession, request: DataRequest, *, kind: str, actor: str, at: datetime, note: str | None = None
) -> None:
    event = RequestEvent(request_id=request.id, at=at, kind=kind, actor=actor)
    if note:
        event.note_encrypted = await encrypt_field(session, note, context=_note_context(request))
    session.add(event)


async def _new_request(
    session: AsyncSession,
    *,
    type: RequestType,
    email: str,
    name: str | None,
    details: str | None,
    language: str,
    channel: Channel,
    received_at: datetime,
) -> DataRequest:
    request_id = uuid.uuid4()
    request = DataRequest(
        id=request_id,
        reference=new_reference(),
        type=type.value,
        status=RequestStatus.AWAITING_VERIFICATION.value,
        channel=channel.value,
        language=language,
        email_hash=keyring_of(session).lookup_hash(email),
        email_encrypted=await encrypt_field(session, email, context=_field(DataRequest.email_encrypted, request_id)),
        name_encrypted=await encrypt_field(session, name, context=_field(DataRequest.name_encrypted, request_id))
        if name
        else None,
        details_encrypted=await encrypt_field(
            session, details, context=_field(DataRequest.details_encrypted, request_id)
        )
        if details
        else None,
        received_at=received_at,
    )
    session.add(request)
    return request


def _field(column: Any, request_id: uuid.UUID) -> str:
    return field_context(column, id=request_id)


def _note_context(request: DataRequest) -> str:
    return field_context(RequestEvent.note_encrypted, request_id=request.id)


def email_of(session: AsyncSession, request: DataRequest) -> str:
    return decrypt_field(session, request.email_encrypted, context=_field(DataRequest.email_encrypted, request.id))


async def tell_person(
    session: AsyncSession, request: DataRequest, letter: messages.Letter, *, purpose: str, now: datetime
) -> None:
    """A message to the person behind the request, through the outbox, in the caller's transaction."""
    await queue_message(
        session, to=email_of(session, request), subject=letter.subject, body=letter.body, purpose=purpose, now=now
    )


async def submit_request(session: AsyncSession, *, data: RequestIn, settings: Settings, now: datetime) -> DataRequest:
    """A request from the public form. The answer is the same whether or not the email is known:
    nothing is looked up until the person proves they hold it."""
    request = await _new_request(
        session,
        type=data.type,
        email=data.email,
        name=data.name,
        details=data.details,
        language=data.language or "en",
        channel=Channel.WEB,
        received_at=now,
    )
    if settings.request_clock_starts == "receipt":
        request.due_at = await _deadline(session, now, 1)
    await add_event(session, request, kind="received", actor="person", at=now)
    await _send_code(session, request, now=now)
    return request


def _new_code(session: AsyncSession, request: DataRequest) -> tuple[str, str]:
    code = f"{secrets.randbelow(1_000_000):06d}"
    return code, _code_hash(session, request.id, code)


async def _send_code(session: AsyncSession, request: DataRequest, *, now: datetime) -> None:
    """The request's first code."""
    code, code_hash = _new_code(session, request)
    session.add(
        VerificationCode(request_id=request.id, code_hash=code_hash, expires_at=now + CODE_LIFETIME, sent_at=now)
    )
    await _mail_code(session, request, code, now=now)


async def _mail_code(session: AsyncSession, request: DataRequest, code: str, *, now: datetime) -> None:
    letter = messages.verification_code(request.reference, code, request.language)
    await tell_person(session, request, letter, purpose="request.code", now=now)


async def find_request(session: AsyncSession, reference: str) -> DataRequest:
    request = await session.scalar(select(DataRequest).where(DataRequest.reference == reference))
    if request is None:
        raise NotFound(f"no request has the reference {reference}")
    return request


async def resend_code(session: AsyncSession, *, reference: str, now: datetime) -> None:
    request = await find_request(session, reference)
    code, code_hash = _new_code(session, request)
    # One statement checks both limits and replaces the code: concurrent asks cannot send more.
    replaced = await session.execute(
        update(VerificationCode)
        .where(
            VerificationCode.request_id == request.id,
            VerificationCode.sends < MAX_SENDS,
            VerificationCode.sent_at <= now - RESEND_AFTER,
        )
        .values(
            code_hash=code_hash,
            expires_at=now + CODE_LIFETIME,
            attempts=0,
            sent_at=now,
            sends=VerificationCode.sends + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if not cast(CursorResult[Any], replaced).rowcount:
        await _first_code_or_refusal(session, request, code_hash, now=now)
    await _mail_code(session, request, code, now=now)


async def _first_code_or_refusal(session: AsyncSession, request: DataRequest, code_hash: str, *, now: datetime) -> None:
    """No code was replaced: the request has none yet (recorded by staff or from the application),
    or a limit stands."""
    stored = await session.get(VerificationCode, request.id, populate_existing=True)
    if stored is None:
        try:
            async with session.begin_nested():
                session.add(
                    VerificationCode(
                        request_id=request.id, code_hash=code_hash, expires_at=now + CODE_LIFETIME, sent_at=now
                    )
                )
            return
        except IntegrityError:  # a concurrent ask sent the first code
            stored = await session.get(VerificationCode, request.id, populate_existing=True)
    if stored is None or stored.sends >= MAX_SENDS:
        raise TooManyRequests("no more codes can be sent for this request; please submit it again", retry_after=3600)
    # A concurrent ask may have sent it a moment after this one's clock read: never more than a minute.
    wait = min(max(stored.sent_at + RESEND_AFTER - now, timedelta(0)), RESEND_AFTER)
    raise TooManyRequests(
        "a code was sent a moment ago; please wait before asking again",
        retry_after=max(1, math.ceil(wait.total_seconds())),
    )


async def verify_code(
    session: AsyncSession, *, reference: str, code: str, settings: Settings, now: datetime
) -> TokenGranted:
    request = await find_request(session, reference)
    # The attempt is counted in the statement that checks the limit, so however many guesses arrive
    # at once, no more than CODE_ATTEMPTS are ever compared with the code.
    counted = await session.execute(
        update(VerificationCode)
        .where(
            VerificationCode.request_id == request.id,
            VerificationCode.attempts < CODE_ATTEMPTS,
            VerificationCode.expires_at > now,
        )
        .values(attempts=VerificationCode.attempts + 1)
        .returning(VerificationCode.attempts, VerificationCode.code_hash)
        .execution_options(synchronize_session=False)
    )
    attempt = counted.first()
    if attempt is None:
        await _refuse_uncounted(session, request)
    attempts, code_hash = attempt
    if not hmac.compare_digest(code_hash, _code_hash(session, request.id, code)):
        await session.commit()  # the failed attempt counts even though the answer is an error
        left = CODE_ATTEMPTS - attempts
        raise Invalid("the code is not right", errors=[FieldError("code", f"wrong code; {left} attempts left")])
    # Used: the row stays, so the resend limits still hold. It expires as of its sending, before any
    # concurrent guess's clock, which waits on this row and then finds it expired.
    await session.execute(
        update(VerificationCode)
        .where(VerificationCode.request_id == request.id)
        .values(expires_at=VerificationCode.sent_at)
        .execution_options(synchronize_session=False)
    )
    if request.verified_at is None:
        await mark_verified(
            session, request, method="one-time code sent to the email given", settings=settings, now=now
        )
    # Already verified: a new code opens the request in another browser.
    return await grant_token(session, request, settings=settings, now=now)


async def _refuse_uncounted(session: AsyncSession, request: DataRequest) -> NoReturn:
    stored = await session.get(VerificationCode, request.id, populate_existing=True)
    if stored is None:
        raise Conflict("no code was sent for this request; ask for one")
    if stored.attempts >= CODE_ATTEMPTS:
        raise TooManyRequests("too many wrong codes; ask for a new code", retry_after=60)
    raise Gone("this code has expired; ask for a new code")


async def mark_verified(
    session: AsyncSession, request: DataRequest, *, method: str, settings: Settings, now: datetime
) -> None:
    request.verified_at = now
    request.verification_method = method
    request.status = RequestStatus.IN_PROGRESS.value
    if request.due_at is None:
        request.due_at = await _deadline(session, clock_start(request, settings), 1)
    await add_event(session, request, kind="verified", actor="person", at=now)
    await queue_steps(session, request)


async def grant_token(
    session: AsyncSession, request: DataRequest, *, settings: Settings, now: datetime
) -> TokenGranted:
    token = secrets.token_urlsafe(32)
    expires_at = now + timedelta(days=settings.request_token_days)
    session.add(RequestToken(token_hash=_token_hash(token), request_id=request.id, expires_at=expires_at))
    return TokenGranted(reference=request.reference, token=token, expires_at=expires_at)


async def submit_for_signed_in_customer(
    session: AsyncSession,
    *,
    person: Assertion,
    type: RequestType,
    details: str | None,
    language: str | None,
    settings: Settings,
    now: datetime,
) -> TokenGranted:
    """A request from inside the organisation's product: the application vouched for its customer
    with a single-use assertion, so the request counts as verified."""
    if person.email is None:
        raise Invalid("the identity assertion carries no email", errors=[FieldError("identity", "email claim missing")])
    request = await _new_request(
        session,
        type=type,
        email=person.email,
        name=None,
        details=details,
        language=language or "en",
        channel=Channel.APPLICATION,
        received_at=now,
    )
    request.due_at = await _deadline(session, now, 1)
    await add_event(session, request, kind="received", actor="application", at=now)
    await mark_verified(session, request, method="signed-in customer (identity assertion)", settings=settings, now=now)
    return await grant_token(session, request, settings=settings, now=now)


async def request_for_token(session: AsyncSession, *, reference: str, token: str | None, now: datetime) -> DataRequest:
    """The request, when `token` was granted for it and is still valid; 401 otherwise, without
    telling whether the reference exists."""
    if not token:
        raise Unauthorized("a token is needed to follow a request")
    granted = await session.get(RequestToken, _token_hash(token))
    request = await session.get(DataRequest, granted.request_id) if granted is not None else None
    if granted is None or request is None or request.reference != reference:
        raise Unauthorized("this token does not open this request")
    if granted.expires_at <= now:
        raise Unauthorized("this token has expired; submit the request again or contact us")
    return request


async def status_for_person(
    session: AsyncSession, request: DataRequest, *, package_until: datetime | None
) -> RequestStatusOut:
    events = await _events(session, request)
    return RequestStatusOut(
        reference=request.reference,
        type=RequestType(request.type),
        status=RequestStatus(request.status),
        received_at=request.received_at,
        due_at=request.due_at,
        extended_due_at=request.extended_due_at,
        package_available_until=package_until,
        messages=[
            Message(at=event.at, kind=event.kind, text=_note(session, request, event))
            for event in events
            if event.kind in PUBLIC_EVENTS
        ],
    )


async def _events(session: AsyncSession, request: DataRequest) -> list[RequestEvent]:
    rows = await session.scalars(
        select(RequestEvent).where(RequestEvent.request_id == request.id).order_by(RequestEvent.at, RequestEvent.id)
    )
    return list(rows)


def _note(session: AsyncSession, request: DataRequest, event: RequestEvent) -> str | None:
    if event.note_encrypted is None:
        return None
    return decrypt_field(session, event.note_encrypted, context=_note_context(request))


async def record_staff_request(
    session: AsyncSession, *, data: StaffRequestIn, actor: Actor, settings: Settings, now: datetime
) -> DataRequest:
    """A request that came by letter, email or phone, with its real time of receipt."""
    if data.received_at > now:
        raise Invalid("the time of receipt is in the future", errors=[FieldError("received_at", "in the future")])
    request = await _new_request(
        session,
        type=data.type,
        email=data.email,
        name=data.name,
        details=data.notes,
        language=data.language or "en",
        channel=data.channel,
        received_at=data.received_at,
    )
    await add_event(session, request, kind="received", actor=actor.reference, at=data.received_at, note=data.notes)
    await mark_verified(session, request, method=data.verification, settings=settings, now=now)
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


async def get_request(session: AsyncSession, *, request_id: uuid.UUID) -> DataRequest:
    request = await session.get(DataRequest, request_id)
    if request is None:
        raise NotFound("no such request")
    return request


async def request_out(session: AsyncSession, request: DataRequest) -> RequestOut:
    return RequestOut(
        id=str(request.id),
        reference=request.reference,
        type=RequestType(request.type),
        status=RequestStatus(request.status),
        channel=Channel(request.channel),
        email=email_of(session, request),
        name=decrypt_field(session, request.name_encrypted, context=_field(DataRequest.name_encrypted, request.id))
        if request.name_encrypted
        else None,
        received_at=request.received_at,
        verified_at=request.verified_at,
        verification_method=request.verification_method,
        due_at=request.due_at,
        extended_due_at=request.extended_due_at,
        replied_at=request.replied_at,
        outcome=request.outcome,
        timeline=[
            TimelineEntry(at=event.at, kind=event.kind, actor=event.actor, note=_note(session, request, event))
            for event in await _events(session, request)
        ],
        steps=[
            StepOut(
                id=step.id,
                system=step.system,
                action=step.action,
                status=step.status,
                attempts=step.attempts,
                finished_at=step.finished_at,
                last_error=step.last_error,
            )
            for step in await session.scalars(
                select(RequestStep).where(RequestStep.request_id == request.id).order_by(RequestStep.id)
            )
        ],
    )


def effective_due(request: DataRequest) -> date | None:
    return request.extended_due_at or request.due_at


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


def inbox_query(
    *, status: RequestStatus | None, type: RequestType | None, due_before: date | None, due_after: date | None
) -> Select[tuple[DataRequest]]:
    """Requests by due date, earliest first; those without one (awaiting proof of identity with the
    clock at verification) last."""
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


async def list_requests(session: AsyncSession, **filters: Any) -> list[DataRequest]:
    return list(await session.scalars(inbox_query(**filters)))


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
    request.extended_due_at = await _deadline(session, clock_start(request, settings), 3)
    await add_event(session, request, kind="extended", actor=actor.reference, at=now, note=reason)
    letter = messages.extension(request.reference, reason, request.extended_due_at)
    await tell_person(session, request, letter, purpose="request.extended", now=now)
    await _audit(session, request, actor=actor, action="request.extended", now=now)
    return request


async def refuse_request(
    session: AsyncSession, *, request_id: uuid.UUID, refusal: RefusalIn, actor: Actor, now: datetime
) -> DataRequest:
    request = await get_request(session, request_id=request_id)
    _require_open(request)
    organisation = await register.require_organisation(session)
    request.status = RequestStatus.REFUSED.value
    request.outcome = f"refused: {refusal.reason.value}"
    request.replied_at = now
    await add_event(session, request, kind="refused", actor=actor.reference, at=now, note=refusal.explanation)
    await session.execute(delete(RequestStep).where(RequestStep.request_id == request.id))
    letter = messages.refusal(request.reference, refusal, organisation.lead_supervisory_authority)
    await tell_person(session, request, letter, purpose="request.refused", now=now)
    await _audit(session, request, actor=actor, action="request.refused", now=now)
    return request


async def queue_steps(session: AsyncSession, request: DataRequest) -> None:
    """A step per system holding personal data (the toolkit's own and every enabled connector);
    other request types are worked by staff."""
    action = {"access": "export", "portability": "export", "erasure": "erase"}.get(request.type)
    if action is None:
        return
    for system in [TOOLKIT, *await systems.enabled_systems(session)]:
        session.add(RequestStep(request_id=request.id, system=system, action=action, status="pending"))


async def send_reminders(session: AsyncSession, now: datetime, *, settings: Settings) -> int:
    """Remind the privacy team of open requests at each lead time and once when overdue; each
    reminder goes once (its outbox key)."""
    today = now.date()
    staff = await _privacy_team_emails(session)
    queued = 0
    for request in await session.scalars(select(DataRequest).where(DataRequest.status.in_(OPEN))):
        due = effective_due(request)
        if due is None:
            continue
        for lead in _reminders_due(due, today, settings.reminder_days):
            letter = messages.staff_reminder(request.reference, request.type, due, overdue=lead == "overdue")
            for index, address in enumerate(staff):
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


async def _privacy_team_emails(session: AsyncSession) -> list[str]:
    team = {Role.ADMIN.value, Role.PRIVACY_OFFICER.value}
    return [
        auth.user_label(session, user) for user in await auth.list_users(session) if user.active and user.role in team
    ]


REQUEST_LOG_COLUMNS = [
    "reference", "type", "channel", "status", "received_at", "verified_at", "due_at", "extended_due_at",
    "replied_at", "outcome",
]  # fmt: skip


async def request_log(session: AsyncSession, *, batch: int = 2000) -> AsyncIterator[list[list[str]]]:
    """Every request as the log for auditors shows it, in batches: dates and outcomes, never who."""
    columns = [getattr(DataRequest, name) for name in REQUEST_LOG_COLUMNS]
    after: datetime | None = None
    last_reference = ""
    while True:
        query = select(*columns).order_by(DataRequest.received_at, DataRequest.reference).limit(batch)
        if after is not None:
            query = query.where(
                or_(
                    DataRequest.received_at > after,
                    and_(DataRequest.received_at == after, DataRequest.reference > last_reference),
                )
            )
        rows = (await session.execute(query)).all()
        if not rows:
            return
        yield [["" if value is None else _log_value(value) for value in row] for row in rows]
        after, last_reference = rows[-1].received_at, rows[-1].reference


def _log_value(value: object) -> str:
    return value.isoformat() if isinstance(value, date | datetime) else str(value)


async def purge_request_records(session: AsyncSession, now: datetime, *, settings: Settings) -> int:
    """Request records are kept for accountability a set time after the reply (one year by
    default), then removed with everything hanging off them: events, steps, tokens, packages."""
    cutoff = now - timedelta(days=settings.request_records_kept_days)
    expired = list(
        await session.scalars(
            select(DataRequest.id).where(
                DataRequest.status.in_([RequestStatus.COMPLETED.value, RequestStatus.REFUSED.value]),
                DataRequest.replied_at < cutoff,
            )
        )
    )
    for request_id in expired:
        await session.execute(delete(DataRequest).where(DataRequest.id == request_id))
    return len(expired)


async def request_log_bundle_part(session: AsyncSession, archive: Archive, now: datetime) -> None:
    """The request log for auditors: dates and outcomes, never who."""
    with archive.member("requests/request-log.csv") as writer:
        writer.write(csv_bytes([REQUEST_LOG_COLUMNS]))
        async for rows in request_log(session):
            writer.write(csv_bytes(rows))
