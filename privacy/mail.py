"""The mail outbox: every message is written in the transaction of the change that causes it, then
delivered over SMTP by background work. Without SMTP, messages wait in the outbox for the console."""

from __future__ import annotations

import asyncio
import logging
import smtplib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from privacy.db import field_context
from privacy.keys import decrypt_field, encrypt_field
from privacy.leases import claim
from privacy.models import OutboxMessage
from privacy.settings import Settings

logger = logging.getLogger("privacy.mail")
LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 8


async def queue_message(
    session: AsyncSession,
    *,
    to: str,
    subject: str,
    body: str,
    purpose: str,
    now: datetime,
    dedupe_key: str | None = None,
) -> OutboxMessage | None:
    """Queue a message in the caller's transaction. With a `dedupe_key` already used, nothing is
    queued and None returned: that message has gone (or is going) already."""
    if dedupe_key is not None:
        already = await session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key))
        if already is not None:
            return None
    message_id = uuid.uuid4()
    to_context, body_context = _contexts(message_id)
    message = OutboxMessage(
        id=message_id,
        purpose=purpose,
        dedupe_key=dedupe_key,
        recipient_encrypted=await encrypt_field(session, to, context=to_context),
        subject=subject,
        body_encrypted=await encrypt_field(session, body, context=body_context),
        created_at=now,
        next_attempt_at=now,
    )
    session.add(message)
    return message


@dataclass(frozen=True)
class Letter:
    id: uuid.UUID
    to: str
    subject: str
    body: str
    attempts: int = 0
    last_error: str | None = None

    @property
    def given_up(self) -> bool:
        """Refused at every try: it waits for someone to send it by hand."""
        return self.attempts >= MAX_ATTEMPTS


def _contexts(message_id: uuid.UUID) -> tuple[str, str]:
    return (
        field_context(OutboxMessage.recipient_encrypted, id=message_id),
        field_context(OutboxMessage.body_encrypted, id=message_id),
    )


def open_letter(session: AsyncSession, message: OutboxMessage) -> Letter:
    to_context, body_context = _contexts(message.id)
    return Letter(
        id=message.id,
        to=decrypt_field(session, message.recipient_encrypted, context=to_context),
        subject=message.subject,
        body=decrypt_field(session, message.body_encrypted, context=body_context),
        attempts=message.attempts,
        last_error=message.last_error,
    )


async def deliver_due(session: AsyncSession, *, settings: Settings, now: datetime) -> int:
    """Send what is due, one message per claim. A message is marked sent right after the server
    accepts it; a crash in between can repeat it, and its Message-ID lets the receiver drop the copy."""
    if not settings.smtp_host:
        return 0
    sent = 0
    while True:
        messages = await claim(
            session,
            OutboxMessage,
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
            OutboxMessage.attempts < MAX_ATTEMPTS,
            now=now,
            lease=LEASE,
            limit=1,
        )
        if not messages:
            return sent
        message = messages[0]
        try:
            await asyncio.to_thread(_send, settings, open_letter(session, message))
        except (OSError, smtplib.SMTPException) as error:
            message.attempts += 1
            message.next_attempt_at = now + timedelta(minutes=2**message.attempts)
            message.lease_until = None
            message.last_error = type(error).__name__
            # Given up after the last try: the console's outbox shows it to be sent by hand.
            level = logging.ERROR if message.attempts >= MAX_ATTEMPTS else logging.WARNING
            logger.log(
                level,
                "delivering outbox message %s failed (try %s of %s): %s",
                message.id,
                message.attempts,
                MAX_ATTEMPTS,
                type(error).__name__,
            )
        else:
            message.sent_at = now
            message.attempts += 1
            sent += 1
        await session.commit()


def _send(settings: Settings, letter: Letter) -> None:
    email = EmailMessage()
    email["From"] = settings.mail_from
    email["To"] = letter.to
    email["Subject"] = letter.subject
    email["Message-ID"] = make_msgid(idstring=letter.id.hex, domain=settings.mail_from.rpartition("@")[2] or None)
    email.set_content(letter.body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls and smtp.has_extn("starttls"):
            smtp.starttls()
        if settings.smtp_username:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            smtp.login(settings.smtp_username, password)
        smtp.send_message(email)


async def pending_messages(session: AsyncSession, *, limit: int = 200) -> list[Letter]:
    """Messages not sent yet, newest first, for the console's outbox."""
    rows = await session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None))
        .order_by(OutboxMessage.created_at.desc())
        .limit(limit)
    )
    return [open_letter(session, message) for message in rows]


async def deliver_mail(session: AsyncSession, now: datetime, settings: Settings) -> None:
    """Background work: what is due goes out (last in a pass, after the work that queues mail)."""
    await deliver_due(session, settings=settings, now=now)
