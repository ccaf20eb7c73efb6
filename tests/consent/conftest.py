"""A running app with the demo's consent set-up, trusting Cloudflare's headers and a local proxy."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from privacy.settings import Settings
from tests.conftest import app_with_demo, client_of

SITE_ORIGIN = "https://www.nordlicht-hosting.example"


@pytest.fixture
def consent_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"geo_headers": "cloudflare", "trusted_proxies": "10.0.0.0/8", "consent_refresh_seconds": 0.05}
    )


@pytest.fixture
async def consent_app(consent_settings: Settings) -> Litestar:
    return await app_with_demo(consent_settings)


@pytest.fixture
async def visitor(consent_app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with client_of(consent_app) as client:
        yield client
