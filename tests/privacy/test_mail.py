"""The outbox against real SMTP servers that refuse, or are not there: a failed delivery is tried
again after 2, 4, 8... minutes, never before, and given up after its eighth try; what the server
takes arrives once."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from privacy import mail
from privacy.models import OutboxMessage
from privacy.settings import Settings

Sessions = async_sessionmaker[AsyncSession]
QUEUED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # the clock is passed in: any fixed moment will do
ADA = "ada@example.org"


@dataclass
class FlakyServer:
    """A real SMTP server that answers each message with the next reply of `replies` (the last
    one repeated), and records every delivery it accepts."""

    replies: list[str]
    attempts: int = 0
    delivered: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        reply = self.replies[min(self.attempts, len(self.replies) - 1)]
        self.attempts += 1
        if reply.startswith("250"):
            self.delivered.append(email.message_from_bytes(envelope.content))
        return reply


@dataclass
class RefusingRecipient:
    """A real SMTP server that refuses the recipient outright (550 at RCPT)."""

    attempts: int = 0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        self.attempts += 1
        return "550 5.1.1 No such mailbox here"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(handler: Any) -> Iterator[int]:
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield port
    controller.stop()


def smtp_on(settings: Settings, port: int) -> Settings:
    return settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": False})


async def queue(sessions: Sessions, subject: str = "Your request R-TEST-0001") -> None:
    async with sessions() as session, session.begin():
        await mail.queue_message(
            session, to=ADA, subject=subject, body="We have your request.", purpose="test", now=QUEUED_AT
        )


async def deliver(sessions: Sessions, settings: Settings, at: datetime) -> int:
    async with sessions() as session:
        return await mail.deliver_due(session, settings=settings, now=at)


async def outbox(sessions: Sessions) -> list[OutboxMessage]:
    async with sessions() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.subject)))


@pytest.fixture
def flaky() -> Iterator[tuple[FlakyServer, int]]:
    handler = FlakyServer(["451 4.3.0 Try again later"] * 3 + ["250 Message accepted"])
    for port in serve(handler):
        yield handler, port


async def test_a_refused_message_is_tried_again_after_2_4_and_8_minutes_and_arrives_once(
    sessions: Sessions, settings: Settings, flaky: tuple[FlakyServer, int]
) -> None:
    server, port = flaky
    settings = smtp_on(settings, port)
    await queue(sessions)
    # (minutes after queueing, tries the server has seen by then, sent by then): the waits double.
    timeline = [
        (0, 1, 0),  # refused (451): the next try is due 2 minutes later
        (1, 1, 0),
        (2, 2, 0),  # refused again: due 4 minutes later
        (5, 2, 0),
        (6, 3, 0),  # refused a third time: due 8 minutes later
        (13, 3, 0),
        (14, 4, 1),  # accepted
        (60, 4, 1),  # never sent twice
    ]
    seen = []
    for minutes, _, _ in timeline:
        await deliver(sessions, settings, QUEUED_AT + timedelta(minutes=minutes))
        seen.append((minutes, server.attempts, len(server.delivered)))
    assert seen == timeline
    [message] = server.delivered
    assert (message["To"], message["Subject"]) == (ADA, "Your request R-TEST-0001")
    [stored] = await outbox(sessions)
    assert stored.attempts == 4 and stored.sent_at is not None


async def test_a_message_the_server_never_takes_is_given_up_after_eight_tries(
    sessions: Sessions, settings: Settings, client: AsyncTestClient[Litestar], auditor: dict[str, str]
) -> None:
    handler = RefusingRecipient()
    for port in serve(handler):
        settings = smtp_on(settings, port)
        await queue(sessions)
        # Tries at 0, 2, 6, 14, 30, 62, 126 and 254 minutes (each wait twice the one before); a pass
        # every minute for six hours, as a worker would make.
        tries_at = []
        for minute in range(6 * 60):
            before = handler.attempts
            await deliver(sessions, settings, QUEUED_AT + timedelta(minutes=minute))
            if handler.attempts > before:
                tries_at.append(minute)
        assert tries_at == [0, 2, 6, 14, 30, 62, 126, 254]
        await deliver(sessions, settings, QUEUED_AT + timedelta(days=30))
        assert handler.attempts == 8, "no ninth try, however long we wait"
    [stored] = await outbox(sessions)
    assert (stored.sent_at, stored.attempts, stored.last_error) == (None, 8, "SMTPRecipientsRefused")
    async with sessions() as session:
        waiting = await mail.pending_messages(session)
    assert [(letter.subject, letter.given_up) for letter in waiting] == [("Your request R-TEST-0001", True)]
    page = " ".join((await client.get("/console/outbox", headers=auditor)).text.split())
    assert "Not delivered: the mail server refused it 8 times (SMTPRecipientsRefused)" in page
    assert "Send it by hand." in page


async def test_no_server_listening_counts_as_a_failed_try_and_other_messages_still_go(
    sessions: Sessions, settings: Settings
) -> None:
    closed = smtp_on(settings, free_port())  # nothing listens there
    await queue(sessions, "First")
    await queue(sessions, "Second")
    assert await deliver(sessions, closed, QUEUED_AT) == 0
    assert [(m.subject, m.attempts, m.last_error, m.sent_at) for m in await outbox(sessions)] == [
        ("First", 1, "ConnectionRefusedError", None),
        ("Second", 1, "ConnectionRefusedError", None),
    ]
    # The server is back: both go at their next try, two minutes later, not before.
    handler = FlakyServer(["250 Message accepted"])
    for port in serve(handler):
        back = smtp_on(settings, port)
        assert await deliver(sessions, back, QUEUED_AT + timedelta(minutes=1)) == 0
        assert await deliver(sessions, back, QUEUED_AT + timedelta(minutes=2)) == 2
    assert sorted(m["Subject"] for m in handler.delivered) == ["First", "Second"]
