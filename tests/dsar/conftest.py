"""An organisation (the demo) with mail going to a real SMTP server on loopback."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from importlib import resources
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from privacy import config_file
from privacy.app import background_jobs, create_app
from privacy.db import database_config, utcnow
from privacy.settings import Settings
from privacy.work import run_jobs
from tests.conftest import SYSTEM
from tests.mail_fixtures import Mailbox, body_of

Client = AsyncTestClient[Litestar]


@pytest.fixture
def dsar_settings(settings: Settings, mailbox: Mailbox) -> Settings:
    return settings.model_copy(update={"smtp_host": mailbox.host, "smtp_port": mailbox.port, "smtp_starttls": False})


@pytest.fixture
async def dsar_app(dsar_settings: Settings) -> Litestar:
    app = create_app(dsar_settings)
    config = database_config(dsar_settings, session_info={"keyring": app.state.keyring})
    demo = config_file.parse_config(resources.files("privacy").joinpath("demo.yaml").read_text())
    async with config.create_session_maker()() as session, session.begin():
        await config_file.apply_config(session, config=demo, actor=SYSTEM, now=utcnow())
    await config.get_engine().dispose()
    return app


@pytest.fixture
async def person(dsar_app: Litestar) -> AsyncIterator[Client]:
    async with AsyncTestClient(app=dsar_app, base_url="http://testserver.local") as client:
        yield client
    await dsar_app.state.db_config.get_engine().dispose()


@pytest.fixture
async def dsar_sessions(dsar_app: Litestar, dsar_settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    config = database_config(dsar_settings, session_info={"keyring": dsar_app.state.keyring})
    yield config.create_session_maker()
    await config.get_engine().dispose()


@pytest.fixture
def background(dsar_sessions: async_sessionmaker[AsyncSession], dsar_settings: Settings) -> Any:
    """One pass of the background work (requests' steps, reminders, mail), as a worker would run it."""

    async def run_once() -> None:
        await run_jobs(dsar_sessions, background_jobs(dsar_settings))

    return run_once


def code_in(mailbox: Mailbox, address: str, index: int = -1) -> str:
    found = re.search(r"Your code is (\d{6})", body_of(mailbox.to(address)[index]))
    assert found, "the message carries a six-digit code"
    return found.group(1)
