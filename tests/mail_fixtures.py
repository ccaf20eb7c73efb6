"""A real SMTP server on loopback (aiosmtpd), receiving what the outbox delivers."""

from __future__ import annotations

import email
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Mailbox:
    host: str
    port: int
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted"

    def to(self, address: str) -> list[Message]:
        return [message for message in self.messages if message["To"] == address]

    def wait_for(self, address: str, count: int = 1, timeout: float = 10) -> list[Message]:
        deadline = time.monotonic() + timeout
        while len(self.to(address)) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.to(address)


def body_of(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve_mailbox() -> Iterator[Mailbox]:
    box = Mailbox("127.0.0.1", free_port())
    server = Controller(box, hostname=box.host, port=box.port)
    server.start()
    yield box
    server.stop()


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    yield from _serve_mailbox()


@pytest.fixture(scope="session")
def live_mailbox() -> Iterator[Mailbox]:
    """Where the live server (browser tests) delivers its mail."""
    yield from _serve_mailbox()
