"""A running app with the demo's consent set-up, trusting Cloudflare's headers and a local proxy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from importlib import resources

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from privacy import config_file
from privacy.app import create_app
from privacy.db import database_config, utcnow
from privacy.settings import Settings
from tests.conftest import SYSTEM

SITE_ORIGIN = "https://www.nordlicht-hosting.example"


@pytest.fixture
def consent_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"geo_headers": "cloudflare", "trusted_proxies": "10.0.0.0/8", "consent_refresh_seconds": 0.05}
    )


@pytest.fixture
async def consent_app(consent_settings: Settings) -> Litestar:
    app = create_app(consent_settings)
    config = database_config(consent_settings, session_info={"keyring": app.state.keyring})
    demo = config_file.parse_config(resources.files("privacy").joinpath("demo.yaml").read_text())
    async with config.create_session_maker()() as session, session.begin():
        await config_file.apply_config(session, config=demo, actor=SYSTEM, now=utcnow())
    await config.get_engine().dispose()
    return app


@pytest.fixture
async def visitor(consent_app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=consent_app, base_url="http://testserver.local") as client:
        yield client
    await consent_app.state.db_config.get_engine().dispose()
