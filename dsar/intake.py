"""How a person's request comes in: from the public form, proven by a one-time code sent to the
email given (hashed, short-lived, limited tries and sends), or from the organisation's own
application, which vouches for its signed-in customer. Either way the person gets a token to follow
the request (`follow_up`)."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any, NoReturn, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dsar import directives, follow_up, messages, objection
from dsar.models import DataRequest, VerificationCode
from dsar.schemas import ApplicationRequestIn, AskedFor, Channel, RequestIn, TokenGranted
from dsar.service import add_event, deadline, find_request, new_request, tell_person
from dsar.steps import mark_verified
from privacy.assertions import Assertion, read_assertion, use_once
from privacy.errors import Conflict, FieldError, Gone, Invalid, TooManyRequests, Unauthorized
from privacy.keys import keyring_of
from privacy.register import service as register
from privacy.settings import Settings

CODE_LIFETIME = timedelta(minutes=15)
CODE_ATTEMPTS = 5
RESEND_AFTER = timedelta(minutes=1)
MAX_SENDS = 5


async def submit_request(session: AsyncSession, *, data: RequestIn, settings: Settings, now: datetime) -> DataRequest:
    """A request from the public form. The answer is the same whether or not the email is known:
    nothing is looked up until the person proves they hold it."""
    await check_asked(session, asked=data, email=data.email, settings=settings)
    request = await new_request(
        session,
        asked=data,
        email=data.email,
        name=data.name,
        details=data.details,
        language=data.language or "en",
        channel=Channel.WEB,
        received_at=now,
    )
    if settings.request_clock_starts == "receipt":
        request.due_at = await deadline(session, start=now, months=1)
    await add_event(session, request=request, kind="received", actor="person", at=now)
    await send_first_code(session, request, now=now)
    return request


async def submit_from_application(
    session: AsyncSession, *, data: ApplicationRequestIn, settings: Settings, now: datetime
) -> TokenGranted:
    """A request from inside the organisation's product: the application vouched for its customer
    with a signed, single-use assertion, so the request counts as verified."""
    person = await _vouched_for(session, data=data, now=now)
    if person.email is None:
        raise Invalid("the identity assertion carries no email", errors=[FieldError("identity", "email claim missing")])
    await check_asked(session, asked=data, email=person.email, settings=settings)
    request = await new_request(
        session,
        asked=data,
        email=person.email,
        name=None,
        details=data.details,
        language=data.language or "en",
        channel=Channel.APPLICATION,
        received_at=now,
    )
    request.due_at = await deadline(session, start=now, months=1)
    await add_event(session, request=request, kind="received", actor="application", at=now)
    method = "signed-in customer (identity assertion)"
    await mark_verified(session, request=request, method=method, settings=settings, now=now)
    return await follow_up.grant_token(session, request=request, settings=settings, now=now)


async def check_asked(session: AsyncSession, *, asked: AskedFor, email: str, settings: Settings) -> None:
    """What a request asks is something this organisation answers, however it came in."""
    await objection.check_scope(session, scope=asked.objection)
    await directives.check_offered(session, asked=asked, email=email, settings=settings)


async def _vouched_for(session: AsyncSession, *, data: ApplicationRequestIn, now: datetime) -> Assertion:
    """The customer the registered application signed for, once: a replayed assertion is refused."""
    organisation = await register.require_organisation(session)
    application = next((a for a in organisation.applications if a.key == data.application), None)
    if application is None:
        raise Unauthorized(f"no application '{data.application}' is registered")
    person = read_assertion(data.identity, keys=application.identity_keys, audience=application.key, now=now)
    await use_once(session, person)
    return person


# The one-time code


def _code_hash(session: AsyncSession, request_id: uuid.UUID, code: str) -> str:
    # Keyed: six digits are too few for a plain hash to hide them from whoever reads the table.
    key = keyring_of(session).subkey("request-codes")
    return hmac.new(key, f"{request_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _new_code(session: AsyncSession, request: DataRequest) -> tuple[str, str]:
    code = f"{secrets.randbelow(1_000_000):06d}"
    return code, _code_hash(session, request.id, code)


async def send_first_code(session: AsyncSession, request: DataRequest, *, now: datetime) -> None:
    code, code_hash = _new_code(session, request)
    session.add(
        VerificationCode(request_id=request.id, code_hash=code_hash, expires_at=now + CODE_LIFETIME, sent_at=now)
    )
    await _mail_code(session, request, code, now=now)


async def _mail_code(session: AsyncSession, request: DataRequest, code: str, *, now: datetime) -> None:
    letter = messages.verification_code(request.reference, code, request.language)
    await tell_person(session, request=request, letter=letter, purpose="request.code", now=now)


async def resend_code(session: AsyncSession, *, reference: str, now: datetime) -> None:
    """A new code, at most once a minute and MAX_SENDS in all."""
    request = await find_request(session, reference=reference)
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
    """The person proves the email with the code; answers a token to follow the request."""
    request = await find_request(session, reference=reference)
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
    await _use_up_code(session, request)
    if request.verified_at is None:
        method = "one-time code sent to the email given"
        await mark_verified(session, request=request, method=method, settings=settings, now=now)
    # Already verified: a new code opens the request in another browser.
    return await follow_up.grant_token(session, request=request, settings=settings, now=now)


async def _use_up_code(session: AsyncSession, request: DataRequest) -> None:
    # Used: the row stays, so the resend limits still hold. It expires as of its sending, before any
    # concurrent guess's clock, which waits on this row and then finds it expired.
    await session.execute(
        update(VerificationCode)
        .where(VerificationCode.request_id == request.id)
        .values(expires_at=VerificationCode.sent_at)
        .execution_options(synchronize_session=False)
    )


async def _refuse_uncounted(session: AsyncSession, request: DataRequest) -> NoReturn:
    stored = await session.get(VerificationCode, request.id, populate_existing=True)
    if stored is None:
        raise Conflict("no code was sent for this request; ask for one")
    if stored.attempts >= CODE_ATTEMPTS:
        raise TooManyRequests("too many wrong codes; ask for a new code", retry_after=60)
    raise Gone("this code has expired; ask for a new code")
