"""The demo organisation (four sub-processors in use since 2024-2025) with mail going to a real
SMTP server on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from privacy.composition import background_jobs
from privacy.settings import Settings
from privacy.work import run_jobs
from tests.conftest import app_with_demo, client_of, sessions_of
from tests.mail_fixtures import Mailbox

Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
def mail_settings(settings: Settings, mailbox: Mailbox) -> Settings:
    return settings.model_copy(update={"smtp_host": mailbox.host, "smtp_port": mailbox.port, "smtp_starttls": False})


@pytest.fixture
async def org_app(mail_settings: Settings) -> Litestar:
    return await app_with_demo(mail_settings)


@pytest.fixture
async def web(org_app: Litestar) -> AsyncIterator[Client]:
    async with client_of(org_app) as client:
        yield client


@pytest.fixture
async def org_sessions(org_app: Litestar, mail_settings: Settings) -> AsyncIterator[Sessions]:
    async with sessions_of(org_app, mail_settings) as sessions:
        yield sessions


@pytest.fixture
def deliver(org_sessions: Sessions, mail_settings: Settings) -> Any:
    """One pass of the background work, as a worker runs it (mail goes out)."""

    async def run_once() -> None:
        await run_jobs(org_sessions, background_jobs(), settings=mail_settings)

    return run_once


def new_subprocessor(key: str = "plausible", **fields: Any) -> dict[str, Any]:
    return {
        "key": key,
        "name": "Plausible Insights OÜ",
        "service": "Web analytics",
        "purpose": "Counts visits to the website without cookies",
        "data_categories": ["usage"],
        "processing_locations": ["DE", "EE"],
        "corporate_location": "EE",
        "transfer_mechanism": "not_needed",
        "activities": ["web-analytics"],
        **fields,
    }
