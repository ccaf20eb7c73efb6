"""A request's one-time code goes out at most five times in all (docs/requests.md: "a new code at
most once a minute and five in all"): the sixth ask is refused, through the API and the form alike,
and sends nothing; the last code sent still works."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dsar.models import VerificationCode
from privacy import mail
from privacy.db import utcnow
from privacy.settings import Settings
from tests.conftest import app_with_demo, client_of, sessions_of

Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]
ADA = "ada@example.org"


@pytest.fixture
async def centre(settings: Settings) -> AsyncIterator[tuple[Client, Sessions]]:
    app = await app_with_demo(settings)  # no SMTP: the codes wait in the outbox, where the test reads them
    async with client_of(app) as person, sessions_of(app, settings) as sessions:
        yield person, sessions


async def codes_sent(sessions: Sessions) -> list[str]:
    async with sessions() as session:
        letters = await mail.pending_messages(session)
    return [found.group(1) for letter in letters if (found := re.search(r"Your code is (\d{6})", letter.body))]


async def a_minute_passes(sessions: Sessions) -> None:
    """The once-a-minute wait, skipped: the last code was sent two minutes ago (it stays valid)."""
    async with sessions() as session, session.begin():
        await session.execute(update(VerificationCode).values(sent_at=utcnow() - timedelta(minutes=2)))


async def test_a_code_goes_out_five_times_in_all_and_the_last_one_still_works(
    centre: tuple[Client, Sessions],
) -> None:
    person, sessions = centre
    reference = (await person.post("/api/v1/requests", json={"type": "access", "email": ADA})).json()["reference"]
    assert len(await codes_sent(sessions)) == 1
    for sends in range(2, 6):
        await a_minute_passes(sessions)
        assert (await person.post(f"/api/v1/requests/{reference}/code")).status_code == 202
        assert len(await codes_sent(sessions)) == sends

    await a_minute_passes(sessions)
    sixth = await person.post(f"/api/v1/requests/{reference}/code")
    assert sixth.status_code == 429 and "no more codes" in sixth.json()["detail"]
    assert int(sixth.headers["retry-after"]) > 0
    page = await person.get(f"/privacy/requests/{reference}/verify")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token
    from_the_form = await person.post(
        f"/privacy/requests/{reference}/code", data={"_csrf_token": token.group(1)}, follow_redirects=False
    )
    assert from_the_form.status_code == 429 and "no more codes" in from_the_form.text
    sent = await codes_sent(sessions)
    assert len(sent) == 5, "nothing more was sent"
    async with sessions() as session:
        assert (await session.scalars(select(VerificationCode.sends))).one() == 5

    verified = await person.post(f"/api/v1/requests/{reference}/verify", json={"code": sent[0]})
    assert verified.status_code == 200, "the newest code works"
