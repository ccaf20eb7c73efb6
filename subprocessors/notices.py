"""Change notices: subscribers with double opt-in (a confirmation link first, then every announced
change, each message with a one-click unsubscribe), and customers' objections to announced changes."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from privacy.db import field_context
from privacy.errors import Conflict, NotFound
from privacy.i18n import SOURCE_LANGUAGE
from privacy.keys import Keyring, decrypt_field, encrypt_field, keyring_of
from privacy.mail import queue_message
from subprocessors import letters
from subprocessors.models import Objection, SubProcessor, SubProcessorChange, Subscriber
from subprocessors.schemas import ObjectionIn, ObjectionOut, SubscriberCounts

RESEND_AFTER = timedelta(minutes=10)


def subscriber_token(keyring: Keyring, subscriber_id: uuid.UUID) -> str:
    """The subscriber's id signed with a key of the toolkit's: the same in every message, so the
    link of any message ever sent confirms or unsubscribes, and nothing about it is stored."""
    mac = hmac.new(keyring.subkey("subprocessor-subscriptions"), subscriber_id.bytes, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(subscriber_id.bytes + mac).rstrip(b"=").decode()


def _subscriber_id(keyring: Keyring, token: str) -> uuid.UUID | None:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) != 32:
        return None
    subscriber_id = uuid.UUID(bytes=raw[:16])
    return subscriber_id if hmac.compare_digest(subscriber_token(keyring, subscriber_id), token) else None


def _email_context(subscriber_id: uuid.UUID) -> str:
    return field_context(Subscriber.email_encrypted, id=subscriber_id)


def subscription_link(public_url: str, token: str, language: str) -> str:
    return f"{public_url.rstrip('/')}/privacy/subprocessors/subscription?token={token}&lang={language}"


def list_link(public_url: str, language: str) -> str:
    return f"{public_url.rstrip('/')}/privacy/subprocessors?lang={language}"


async def subscribe(
    session: AsyncSession, *, email: str, public_url: str, now: datetime, language: str = SOURCE_LANGUAGE
) -> None:
    """Send a confirmation link, in `language` as every later message; nothing is sent to the
    address before it is confirmed. The answer is the same for a new, a waiting and a confirmed
    address, so nobody learns who subscribes."""
    email_hash = keyring_of(session).lookup_hash(email)
    subscriber = await session.scalar(select(Subscriber).where(Subscriber.email_hash == email_hash))
    if subscriber is not None and (subscriber.confirmed_at is not None or now - subscriber.created_at < RESEND_AFTER):
        return
    if subscriber is None:
        subscriber = Subscriber(id=uuid.uuid4(), email_hash=email_hash, created_at=now)
        subscriber.email_encrypted = await encrypt_field(session, email.strip(), context=_email_context(subscriber.id))
        session.add(subscriber)
    subscriber.created_at = now
    subscriber.language = language
    link = subscription_link(public_url, subscriber_token(keyring_of(session), subscriber.id), language)
    letter = letters.confirmation(link, language)
    await queue_message(
        session, to=email.strip(), subject=letter.subject, body=letter.body, purpose="subprocessors.confirm", now=now
    )


async def _subscriber_of(session: AsyncSession, token: str) -> Subscriber:
    subscriber_id = _subscriber_id(keyring_of(session), token)
    subscriber = None if subscriber_id is None else await session.get(Subscriber, subscriber_id)
    if subscriber is None:
        raise NotFound("this link is not (or no longer) valid")
    return subscriber


async def confirm(session: AsyncSession, *, token: str, now: datetime) -> None:
    subscriber = await _subscriber_of(session, token)
    if subscriber.confirmed_at is None:
        subscriber.confirmed_at = now


async def unsubscribe(session: AsyncSession, *, token: str) -> None:
    """The address is deleted, not kept as unsubscribed: nothing is kept that is no longer needed."""
    subscriber = await _subscriber_of(session, token)
    await session.execute(delete(Subscriber).where(Subscriber.id == subscriber.id))


async def subscriber_counts(session: AsyncSession) -> SubscriberCounts:
    confirmed = func.count().filter(Subscriber.confirmed_at.is_not(None))
    waiting = func.count().filter(Subscriber.confirmed_at.is_(None))
    row = (await session.execute(select(confirmed, waiting))).one()
    return SubscriberCounts(confirmed=int(row[0]), awaiting_confirmation=int(row[1]))


async def tell_subscribers(session: AsyncSession, *, change: SubProcessorChange, public_url: str, now: datetime) -> int:
    """One message per confirmed subscriber, in their language, each with their own unsubscribe
    link; each goes once (its dedupe key), whatever happens to the transaction or the worker."""
    confirmed = list(await session.scalars(select(Subscriber).where(Subscriber.confirmed_at.is_not(None))))
    keyring = keyring_of(session)
    for subscriber in confirmed:
        language = subscriber.language
        letter = letters.announcement(
            change,
            list_url=list_link(public_url, language),
            unsubscribe_link=subscription_link(public_url, subscriber_token(keyring, subscriber.id), language),
            language=language,
        )
        await queue_message(
            session,
            to=decrypt_field(session, subscriber.email_encrypted, context=_email_context(subscriber.id)),
            subject=letter.subject,
            body=letter.body,
            purpose="subprocessors.change",
            now=now,
            dedupe_key=f"subprocessor-change:{change.id}:{subscriber.id}",
        )
    return len(confirmed)


async def object_to(session: AsyncSession, *, key: str, objection: ObjectionIn, now: datetime) -> Objection:
    """A customer objects to an announced sub-processor, until the change takes effect."""
    row = await session.scalar(select(SubProcessor).where(SubProcessor.key == key))
    if row is None:
        raise NotFound(f"no sub-processor '{key}'")
    if row.pending != "activate":
        raise Conflict("objections are open only for a sub-processor announced and not yet in effect")
    change_id = await session.scalar(
        select(SubProcessorChange.id)
        .where(SubProcessorChange.key == key, SubProcessorChange.kind == "announced")
        .order_by(SubProcessorChange.id.desc())
        .limit(1)
    )
    if change_id is None:
        raise Conflict(f"'{key}' has no announcement to object to")
    objection_id = uuid.uuid4()
    recorded = Objection(
        id=objection_id,
        key=key,
        change_id=change_id,
        organisation=objection.organisation,
        email_encrypted=await encrypt_field(
            session, objection.email, context=field_context(Objection.email_encrypted, id=objection_id)
        ),
        reason_encrypted=await encrypt_field(
            session, objection.reason, context=field_context(Objection.reason_encrypted, id=objection_id)
        ),
        received_at=now,
    )
    session.add(recorded)
    return recorded


async def list_objections(session: AsyncSession) -> list[ObjectionOut]:
    rows = await session.scalars(select(Objection).order_by(Objection.received_at.desc()))
    return [
        ObjectionOut(
            id=str(row.id),
            key=row.key,
            change_id=row.change_id,
            organisation=row.organisation,
            email=decrypt_field(
                session, row.email_encrypted, context=field_context(Objection.email_encrypted, id=row.id)
            ),
            reason=decrypt_field(
                session, row.reason_encrypted, context=field_context(Objection.reason_encrypted, id=row.id)
            ),
            received_at=row.received_at,
        )
        for row in rows
    ]
