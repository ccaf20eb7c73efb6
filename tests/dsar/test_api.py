"""The request API as HTTP: bad input refused in problem format and storing nothing, bodies too
large, public posts rate limited, the inbox closed to anyone but staff."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dsar.models import DataRequest
from privacy.actors import Role
from privacy.models import OutboxMessage
from tests.conftest import bearer
from tests.dsar.conftest import ADA, submit

Client = AsyncTestClient[Litestar]


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


async def test_anonymous_and_person_tokens_cannot_reach_the_inbox(person: Client, tokens: dict[Role, str]) -> None:
    assert (await person.get("/api/v1/admin/requests")).status_code == 401
    assert (await person.get("/api/v1/admin/requests", headers=bearer("made-up"))).status_code == 401
