"""Public intake: the same answer for anyone, a one-time code by email, a token to follow the request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dsar.models import DataRequest, VerificationCode
from privacy.db import utcnow
from privacy.models import OutboxMessage
from tests.dsar.conftest import code_in
from tests.mail_fixtures import Mailbox

Client = AsyncTestClient[Litestar]
ADA = "ada@example.org"


async def submit(person: Client, email: str = ADA, **fields: Any) -> Any:
    return await person.post("/api/v1/requests", json={"type": "access", "email": email, **fields})


async def verified(
    person: Client, mailbox: Mailbox, background: Any, email: str = ADA, **fields: Any
) -> dict[str, Any]:
    reference = (await submit(person, email, **fields)).json()["reference"]
    await background()
    answer = await person.post(f"/api/v1/requests/{reference}/verify", json={"code": code_in(mailbox, email)})
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_intake_answers_alike_and_mails_a_code_that_unlocks_the_request(
    person: Client, mailbox: Mailbox, background: Any, dsar_sessions: async_sessionmaker[AsyncSession]
) -> None:
    first = await submit(person, name="Ada Lovelace")
    second = await submit(person, "nobody-we-know@example.net")
    assert first.status_code == second.status_code == 202
    assert first.json().keys() == second.json().keys() == {"reference", "status"}
    assert first.json()["status"] == "awaiting_verification"
    async with dsar_sessions() as session:  # stored encrypted, found by a keyed hash
        stored = (await session.scalars(select(DataRequest.email_encrypted))).all()
    assert all(ADA not in value for value in stored)

    await background()
    reference = first.json()["reference"]
    answer = await person.post(f"/api/v1/requests/{reference}/verify", json={"code": code_in(mailbox, ADA)})
    assert answer.status_code == 200
    token = answer.json()["token"]
    status = await person.get(f"/api/v1/requests/{reference}", headers={"authorization": f"Bearer {token}"})
    assert status.status_code == 200
    body = status.json()
    assert body["status"] == "in_progress" and body["due_at"] is not None
    assert [message["kind"] for message in body["messages"]] == ["received", "verified"]
    assert status.headers["cache-control"] == "no-store"


async def test_following_a_request_needs_its_own_valid_token(
    person: Client, mailbox: Mailbox, background: Any, dsar_sessions: async_sessionmaker[AsyncSession]
) -> None:
    mine = await verified(person, mailbox, background)
    theirs = await verified(person, mailbox, background, email="grace@example.org")
    url = f"/api/v1/requests/{mine['reference']}"
    assert (await person.get(url)).status_code == 401
    assert (await person.get(url, headers={"authorization": f"Bearer {theirs['token']}"})).status_code == 401
    assert (await person.get(url, headers={"authorization": "Bearer forged"})).status_code == 401
    async with dsar_sessions() as session, session.begin():
        from dsar.models import RequestToken

        await session.execute(update(RequestToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    expired = await person.get(url, headers={"authorization": f"Bearer {mine['token']}"})
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]


async def test_wrong_codes_count_and_five_lock_the_code(person: Client, mailbox: Mailbox, background: Any) -> None:
    reference = (await submit(person)).json()["reference"]
    await background()
    right = code_in(mailbox, ADA)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    answers = [await person.post(f"/api/v1/requests/{reference}/verify", json={"code": wrong}) for _ in range(5)]
    assert [a.status_code for a in answers] == [422] * 5
    assert "4 attempts left" in answers[0].text
    locked = await person.post(f"/api/v1/requests/{reference}/verify", json={"code": right})
    assert locked.status_code == 429, "even the right code is refused after five wrong ones"


async def test_expired_code_and_resend_throttle(
    person: Client, mailbox: Mailbox, background: Any, dsar_sessions: async_sessionmaker[AsyncSession]
) -> None:
    reference = (await submit(person)).json()["reference"]
    await background()
    code = code_in(mailbox, ADA)
    too_soon = await person.post(f"/api/v1/requests/{reference}/code")
    assert too_soon.status_code == 429 and "retry-after" in too_soon.headers
    async with dsar_sessions() as session, session.begin():
        later = utcnow() - timedelta(minutes=16)
        await session.execute(update(VerificationCode).values(expires_at=later, sent_at=later))
    expired = await person.post(f"/api/v1/requests/{reference}/verify", json={"code": code})
    assert expired.status_code == 410
    assert (await person.post(f"/api/v1/requests/{reference}/code")).status_code == 202
    await background()
    assert len(mailbox.to(ADA)) == 2
    fresh = await person.post(f"/api/v1/requests/{reference}/verify", json={"code": code_in(mailbox, ADA)})
    assert fresh.status_code == 200


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"type": "delete-everything", "email": ADA}, 400),
        ({"type": "access", "email": "not-an-email"}, 400),
        ({"type": "access", "email": ADA, "details": "x" * 2001}, 400),
        ({"type": "access", "email": ADA, "name": "x" * 301}, 400),
        ({"type": "access"}, 400),
    ],
)
async def test_bad_intake_is_refused_and_stores_nothing(
    person: Client, dsar_sessions: async_sessionmaker[AsyncSession], body: dict[str, Any], status: int
) -> None:
    answer = await person.post("/api/v1/requests", json=body)
    assert answer.status_code in (400, 422)
    assert answer.headers["content-type"].startswith("application/problem+json")
    async with dsar_sessions() as session:
        assert (await session.scalars(select(DataRequest))).all() == []
        assert (await session.scalars(select(OutboxMessage))).all() == []


async def test_unknown_reference_and_oversized_body(person: Client) -> None:
    unknown = await person.post("/api/v1/requests/R-AAAA-BBBB/verify", json={"code": "123456"})
    assert unknown.status_code == 404
    huge = await person.post(
        "/api/v1/requests", content=b'{"type": "access", "email": "' + b"a" * 2_000_000 + b'@x.org"}'
    )
    assert huge.status_code == 413


async def test_public_request_posts_are_rate_limited_per_client(dsar_settings: Any, dsar_app: Litestar) -> None:
    from privacy.app import create_app

    app = create_app(dsar_settings.model_copy(update={"request_posts_per_minute": 3}))
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        answers = [(await submit(client, f"p{i}@example.org")).status_code for i in range(4)]
        assert answers == [202, 202, 202, 429]
        limited = await submit(client)
        assert limited.headers["content-type"].startswith("application/problem+json")
        assert (await client.get("/health/live")).status_code == 200, "only request posts are limited"
    await app.state.db_config.get_engine().dispose()
