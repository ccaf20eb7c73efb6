"""The demo organisation, with a processor activity whose controller can be written to, and mail
going to a real SMTP server on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from privacy.composition import background_jobs
from privacy.register.schemas import ActivityIn, Contact
from privacy.settings import Settings
from privacy.work import run_jobs
from tests.conftest import app_with_demo, client_of, sessions_of
from tests.mail_fixtures import Mailbox

Client = AsyncTestClient[Litestar]
CONTROLLER_EMAIL = "privacy@kunde.example"


def with_a_customer_controller(demo: Any) -> Any:
    """The demo and, as processor, the mailboxes of one named customer (a controller with an email)."""
    hosted = next(activity for activity in demo.activities if activity.role.value == "processor")
    mail = ActivityIn.model_validate(
        {
            **hosted.model_dump(),
            "key": "hosting-kunde-mail",
            "name": "Mailboxes of Kunde GmbH",
            "controller": Contact(name="Kunde GmbH", email=CONTROLLER_EMAIL).model_dump(),
        }
    )
    return demo.model_copy(update={"activities": [*demo.activities, mail]})


@pytest.fixture
def breach_settings(settings: Settings, mailbox: Mailbox) -> Settings:
    return settings.model_copy(update={"smtp_host": mailbox.host, "smtp_port": mailbox.port, "smtp_starttls": False})


@pytest.fixture
async def breach_app(breach_settings: Settings) -> Litestar:
    return await app_with_demo(breach_settings, with_a_customer_controller)


@pytest.fixture
async def web(breach_app: Litestar) -> AsyncIterator[Client]:
    async with client_of(breach_app) as client:
        yield client


@pytest.fixture
async def breach_sessions(
    breach_app: Litestar, breach_settings: Settings
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with sessions_of(breach_app, breach_settings) as sessions:
        yield sessions


@pytest.fixture
def background(breach_sessions: async_sessionmaker[AsyncSession], breach_settings: Settings) -> Any:
    async def run_once() -> None:
        await run_jobs(breach_sessions, background_jobs(), settings=breach_settings)

    return run_once
