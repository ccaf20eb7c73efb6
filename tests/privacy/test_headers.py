"""Security headers on every answer, those of routes that do not exist included, and nothing a
browser or proxy keeps of what staff see."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from privacy.actors import Role
from privacy.app import create_app
from privacy.settings import Settings
from tests.conftest import add_user, client_of, login, random_email

Client = AsyncTestClient[Litestar]
SECURITY_HEADERS = (
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
    "cross-origin-opener-policy",
    "permissions-policy",
    "content-security-policy",
)


def assert_secured(response: httpx.Response, *, https: bool = False) -> None:
    headers = response.headers
    for name in SECURITY_HEADERS:
        assert len(headers.get_list(name)) == 1, f"{name} once on {response}"
    assert headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert ("strict-transport-security" in headers) is https


async def test_unknown_routes_and_methods_carry_the_security_headers(client: Client) -> None:
    missing = await client.get("/no/such/page")
    assert missing.status_code == 404
    assert_secured(missing)
    wrong_method = await client.delete("/health/live")
    assert wrong_method.status_code == 405
    assert_secured(wrong_method)
    assert_secured(await client.get("/console/no/such/page", headers={"accept": "text/html"}))
    assert_secured(await client.get("/health/live"))


@pytest.fixture
async def https_client(settings: Settings) -> AsyncIterator[Client]:
    app = create_app(settings.model_copy(update={"public_url": "https://privacy.example.org"}))
    async with client_of(app) as client:
        yield client


async def test_hsts_is_on_every_answer_when_served_over_https(https_client: Client) -> None:
    assert_secured(await https_client.get("/no/such/page"), https=True)
    assert_secured(await https_client.put("/health/live"), https=True)
    assert_secured(await https_client.get("/health/live"), https=True)


async def test_console_pages_are_never_stored(client: Client, sessions: async_sessionmaker[AsyncSession]) -> None:
    assert (await client.get("/console/login")).headers["cache-control"] == "no-store"
    assert (await client.get("/console/no/such/page")).headers["cache-control"] == "no-store"
    email = random_email()
    await add_user(sessions, email, Role.AUDITOR)
    assert await login(client, email) == 303
    page = await client.get("/console")
    assert page.status_code == 200
    assert page.headers.get_list("cache-control") == ["no-store"]
    # A signed-in member of staff reading a public page: it may show what only staff see.
    assert (await client.get("/privacy/requests")).headers["cache-control"] == "no-store"


async def test_authenticated_api_answers_are_never_stored(client: Client, auditor: dict[str, str]) -> None:
    for path in ("/api/v1/admin/audit", "/api/v1/admin/activities", "/api/v1/admin/no-such-thing"):
        answer = await client.get(path, headers=auditor)
        assert answer.headers.get_list("cache-control") == ["no-store"], path
    refused = await client.get("/api/v1/admin/activities")
    assert refused.status_code == 401 and refused.headers["cache-control"] == "no-store"


async def test_public_assets_keep_their_own_cache_headers(client: Client, auditor: dict[str, str]) -> None:
    for headers in ({}, auditor):
        script = await client.get("/consent.js", headers=headers)
        assert script.headers.get_list("cache-control") == ["public, max-age=3600"]
        feed = await client.get("/subprocessors.atom", headers=headers)
        assert feed.headers.get_list("cache-control") == ["public, max-age=300"]
        assert_secured(script)


@pytest.mark.parametrize(
    "path", ["/consent.js", "/consent.css", "/subprocessors.csv", "/subprocessors.atom", "/.well-known/gpc.json"]
)
async def test_text_answers_name_their_charset_once(client: Client, path: str) -> None:
    answer = await client.get(path)
    assert answer.status_code == 200
    assert answer.headers["content-type"].count("charset=") <= 1, answer.headers["content-type"]


@pytest.mark.parametrize("path", ["/consent.js", "/consent.css"])
async def test_what_caches_keep_for_every_visitor_sets_no_cookie(client: Client, path: str) -> None:
    answer = await client.get(path)
    assert answer.status_code == 200
    assert answer.headers["cache-control"].startswith("public")
    assert "set-cookie" not in answer.headers, "a shared cache would hand one visitor's cookie to all"
