"""A running app with the demo's consent set-up, trusting Cloudflare's headers and a local proxy,
and what the consent tests share: a visitor's choice and the requests a banner makes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from privacy.settings import Settings
from tests.conftest import app_with_demo, client_of

Client = AsyncTestClient[Litestar]
SITE_ORIGIN = "https://www.nordlicht-hosting.example"
CHOICE = {"site": "www", "policy_version": "2026-11", "action": "custom", "choices": {"analytics": True}}


async def record(visitor: Client, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Any:
    return await visitor.post("/api/v1/consent/records", json=body or CHOICE, headers=headers or {})


async def decision(visitor: Client, headers: dict[str, str] | None = None, **query: str) -> dict[str, Any]:
    response = await visitor.get("/api/v1/consent/decision", params={"site": "www", **query}, headers=headers or {})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def consent_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"geo_headers": "cloudflare", "trusted_proxies": "10.0.0.0/8", "consent_refresh_seconds": 0.05}
    )


@pytest.fixture
async def consent_app(consent_settings: Settings) -> Litestar:
    return await app_with_demo(consent_settings)


@pytest.fixture
async def visitor(consent_app: Litestar) -> AsyncIterator[Client]:
    async with client_of(consent_app) as client:
        yield client
