"""One-time codes: five attempts in all, however many clients guess at once; a new code at most once
a minute and five in all (docs/requests.md), through the API and the form alike, the last one sent
still working."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dsar.models import DataRequest, VerificationCode
from privacy import mail
from privacy.db import utcnow
from privacy.settings import Settings
from tests.conftest import app_with_demo, client_of, sessions_of
from tests.dsar.conftest import ADA, code_in
from tests.live_app import serving
from tests.mail_fixtures import Mailbox

Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]
GUESSES = 200


def wrong_codes(right: str, count: int) -> list[str]:
    codes = [f"{n:06d}" for n in range(count + 1)]
    return [code for code in codes if code != right][:count]


async def test_concurrent_wrong_guesses_from_many_clients_evaluate_five_codes_in_all(
    dsar_settings: Settings, mailbox: Mailbox, background: Any
) -> None:
    # The test client's own address is loopback: it is the trusted proxy, and each guess claims
    # another client behind it, so no per-client limit stands between the guesses and the code.
    settings = dsar_settings.model_copy(update={"trusted_proxies": "127.0.0.1"})
    app = await app_with_demo(settings)
    with serving(app) as url:
        async with httpx.AsyncClient(base_url=url, timeout=60, limits=httpx.Limits(max_connections=GUESSES)) as client:
            submitted = await client.post("/api/v1/requests", json={"type": "access", "email": ADA})
            assert submitted.status_code == 202, submitted.text
            reference = submitted.json()["reference"]
            await background()
            right = code_in(mailbox, ADA)

            async def guess(index: int, code: str) -> httpx.Response:
                address = f"198.18.{index // 250}.{index % 250 + 1}"
                return await client.post(
                    f"/api/v1/requests/{reference}/verify",
                    json={"code": code},
                    headers={"x-forwarded-for": address},
                )

            answers = await asyncio.gather(*(guess(i, code) for i, code in enumerate(wrong_codes(right, GUESSES))))
            statuses = [answer.status_code for answer in answers]
            assert set(statuses) <= {422, 429}, f"only wrong-code and locked answers: {sorted(set(statuses))}"
            assert statuses.count(422) == 5, f"{statuses.count(422)} codes were evaluated, five at most may be"
            assert all(int(a.headers["retry-after"]) > 0 for a in answers if a.status_code == 429)

            locked = await client.post(
                f"/api/v1/requests/{reference}/verify", json={"code": right}, headers={"x-forwarded-for": "198.19.0.1"}
            )
            assert locked.status_code == 429, "the reference is locked: even the right code waits for a new one"
            assert int(locked.headers["retry-after"]) > 0
    async with sessions_of(app, settings) as sessions, sessions() as session:
        request_id = await session.scalar(select(DataRequest.id).where(DataRequest.reference == reference))
        stored = await session.get(VerificationCode, request_id)
        assert stored is not None and stored.attempts == 5


async def test_concurrent_right_codes_grant_one_token(
    dsar_settings: Settings, mailbox: Mailbox, background: Any
) -> None:
    settings = dsar_settings.model_copy(update={"trusted_proxies": "127.0.0.1"})
    app = await app_with_demo(settings)
    with serving(app) as url:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            reference = (await client.post("/api/v1/requests", json={"type": "access", "email": ADA})).json()[
                "reference"
            ]
            await background()
            right = code_in(mailbox, ADA)
            answers = await asyncio.gather(
                *(
                    client.post(
                        f"/api/v1/requests/{reference}/verify",
                        json={"code": right},
                        headers={"x-forwarded-for": f"198.18.0.{i + 1}"},
                    )
                    for i in range(10)
                )
            )
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses.count(200) == 1, f"a code is used once: {statuses}"
    assert set(statuses) <= {200, 410}


async def test_concurrent_resends_send_one_code_and_respect_the_overall_limit(
    dsar_settings: Settings, mailbox: Mailbox, background: Any
) -> None:
    settings = dsar_settings.model_copy(update={"trusted_proxies": "127.0.0.1"})
    app = await app_with_demo(settings)

    async def resend_all(client: httpx.AsyncClient, reference: str, offset: int) -> list[httpx.Response]:
        return await asyncio.gather(
            *(
                client.post(f"/api/v1/requests/{reference}/code", headers={"x-forwarded-for": f"198.18.{offset}.{i}"})
                for i in range(1, 21)
            )
        )

    async def age_the_code(reference: str, *, sends: int) -> None:
        async with sessions_of(app, settings) as sessions, sessions() as session, session.begin():
            request_id = await session.scalar(select(DataRequest.id).where(DataRequest.reference == reference))
            await session.execute(
                update(VerificationCode)
                .where(VerificationCode.request_id == request_id)
                .values(sent_at=utcnow() - timedelta(minutes=2), sends=sends)
            )

    with serving(app) as url:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            reference = (await client.post("/api/v1/requests", json={"type": "access", "email": ADA})).json()[
                "reference"
            ]
            await age_the_code(reference, sends=1)
            answers = await resend_all(client, reference, 0)
            assert sorted(a.status_code for a in answers) == [202] + [429] * 19, "one new code a minute, at most"
            assert all(0 < int(a.headers["retry-after"]) <= 60 for a in answers if a.status_code == 429)

            await age_the_code(reference, sends=4)
            answers = await resend_all(client, reference, 1)
            assert sorted(a.status_code for a in answers) == [202] + [429] * 19, "five codes in all"
            await age_the_code(reference, sends=5)
            last = await client.post(f"/api/v1/requests/{reference}/code", headers={"x-forwarded-for": "198.18.2.1"})
            assert last.status_code == 429 and "no more codes" in last.json()["detail"]
    await background()
    assert len(mailbox.to(ADA)) == 3, "the first code and one per accepted resend"


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
