"""Console sign-in: session cookie flags, CSRF, throttling, and what each role may see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from privacy import auth
from privacy.actors import Role
from privacy.errors import Unauthorized
from privacy.models import ApiToken, LoginFailure, StaffUser
from tests.conftest import PASSWORD, add_user, csrf_token, login

Client = AsyncTestClient[Litestar]


async def test_password_is_stored_as_argon2id(sessions: async_sessionmaker[AsyncSession]) -> None:
    await add_user(sessions, "dana@example.org", Role.ADMIN)
    async with sessions() as session:
        user = (await session.scalars(select(StaffUser))).one()
        assert user.password_hash.startswith("$argon2id$")
        assert "dana" not in user.email_encrypted


async def test_login_sets_a_safe_session_cookie(client: Client, sessions: async_sessionmaker[AsyncSession]) -> None:
    await add_user(sessions, "dana@example.org", Role.ADMIN)
    token = await csrf_token(client)
    response = await client.post(
        "/console/login",
        data={"email": "dana@example.org", "password": PASSWORD, "_csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("privacy_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    register = await client.get("/console")
    assert register.status_code == 200
    assert "dana@example.org" in register.text


async def test_form_without_csrf_token_is_refused(client: Client, sessions: async_sessionmaker[AsyncSession]) -> None:
    await add_user(sessions, "dana@example.org", Role.ADMIN)
    assert await login(client, "dana@example.org") == 303
    response = await client.post("/console/organisation", data={"legal_name": "Hijacked"})
    assert response.status_code == 403


async def test_session_cookie_cannot_change_things_through_the_api(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await add_user(sessions, "dana@example.org", Role.ADMIN)
    await login(client, "dana@example.org")
    assert (await client.get("/api/v1/admin/activities")).status_code == 200
    response = await client.post("/api/v1/admin/tokens", json={"name": "x", "role": "admin"})
    assert response.status_code == 403


async def test_repeated_failures_are_throttled(client: Client, sessions: async_sessionmaker[AsyncSession]) -> None:
    await add_user(sessions, "dana@example.org", Role.ADMIN)
    statuses = [await login(client, "dana@example.org", "wrong password") for _ in range(5)]
    assert statuses == [401] * 5
    assert await login(client, "dana@example.org") == 429, "even the right password waits out the window"


async def test_unknown_email_and_wrong_password_look_the_same(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await add_user(sessions, "dana@example.org", Role.ADMIN)
    token = await csrf_token(client)
    unknown = await client.post(
        "/console/login",
        data={"email": "nobody@example.org", "password": "x" * 12, "_csrf_token": token},
        follow_redirects=False,
    )
    wrong = await client.post(
        "/console/login",
        data={"email": "dana@example.org", "password": "x" * 12, "_csrf_token": token},
        follow_redirects=False,
    )
    assert unknown.status_code == wrong.status_code == 401
    assert "wrong email or password" in unknown.text and "wrong email or password" in wrong.text


async def test_anonymous_console_visit_gets_the_login_form(client: Client) -> None:
    response = await client.get("/console/audit", headers={"accept": "text/html"})
    assert response.status_code == 401
    assert 'action="/console/login"' in response.text
    assert 'role="alert"' not in response.text, "a first visit is asked to sign in, not shown an error"

    ended = await client.get(
        "/console/audit", headers={"accept": "text/html", "cookie": "privacy_session=expired-or-forged"}
    )
    assert ended.status_code == 401 and 'role="alert"' in ended.text


async def test_tokens_are_stored_only_as_hashes_and_record_their_use(
    client: Client, tokens: dict[Role, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await client.get("/api/v1/admin/activities", headers={"Authorization": f"Bearer {tokens[Role.ADMIN]}"})
    async with sessions() as session:
        stored = (await session.scalars(select(ApiToken))).all()
        assert all(token.token_hash not in tokens.values() for token in stored)
        assert all(secret not in {t.token_hash for t in stored} for secret in tokens.values())
        used = next(t for t in stored if t.role == "admin")
        assert used.last_used_at is not None


async def test_console_form_with_an_unknown_role_is_a_4xx_and_changes_nothing(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await add_user(sessions, "dana@example.org", Role.ADMIN)
    await add_user(sessions, "eve@example.org", Role.AUDITOR)
    await login(client, "dana@example.org")
    async with sessions() as session:
        eve = next(u for u in await auth.list_users(session) if auth.user_label(session, u) == "eve@example.org")
    token = await csrf_token(client)
    response = await client.post(
        f"/console/users/{eve.id}", data={"role": "superuser", "active": "yes", "_csrf_token": token}
    )
    assert response.status_code == 422
    async with sessions() as session:
        assert (await session.get(StaffUser, eve.id)).role == "auditor"  # type: ignore[union-attr]


async def test_failures_outside_the_window_neither_count_nor_stay(sessions: async_sessionmaker[AsyncSession]) -> None:
    await add_user(sessions, "dana@example.org", Role.ADMIN)
    policy = auth.LoginPolicy(max_failures=2, window=timedelta(minutes=15), session_lifetime=timedelta(hours=1))
    long_ago = datetime.now(UTC) - timedelta(hours=2)
    async with sessions() as session:
        for _ in range(2):
            with pytest.raises(Unauthorized):
                await auth.log_in(
                    session,
                    email="dana@example.org",
                    password="wrong password",
                    client="198.51.100.7",
                    now=long_ago,
                    policy=policy,
                )
        await session.commit()
    async with sessions() as session, session.begin():
        _, token = await auth.log_in(
            session,
            email="dana@example.org",
            password=PASSWORD,
            client="198.51.100.7",
            now=datetime.now(UTC),
            policy=policy,
        )
        assert token
        assert await session.scalar(select(func.count()).select_from(LoginFailure)) == 0
