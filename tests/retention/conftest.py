"""An organisation (the demo) and another system's table of events to sweep: a SQLite file here,
the CI's PostgreSQL there."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from privacy import config_file
from privacy.app import create_app
from privacy.db import database_config, utcnow
from privacy.settings import Settings
from tests.conftest import POSTGRES_URL, SYSTEM

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
CUTOFF = NOW - timedelta(days=180)


@pytest.fixture
async def org_app(settings: Settings) -> Litestar:
    app = create_app(settings)
    config = database_config(settings, session_info={"keyring": app.state.keyring})
    demo = config_file.parse_config(resources.files("privacy").joinpath("demo.yaml").read_text())
    async with config.create_session_maker()() as session, session.begin():
        await config_file.apply_config(session, config=demo, actor=SYSTEM, now=utcnow())
    await config.get_engine().dispose()
    return app


@pytest.fixture
async def staff(org_app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=org_app, base_url="http://testserver.local") as client:
        yield client
    await org_app.state.db_config.get_engine().dispose()


@pytest.fixture
async def org_sessions(org_app: Litestar, settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    config = database_config(settings, session_info={"keyring": org_app.state.keyring})
    yield config.create_session_maker()
    await config.get_engine().dispose()


async def run_sql(url: str, *statements: str, parameters: list[dict[str, Any]] | None = None) -> list[Any]:
    engine = create_async_engine(url, poolclass=NullPool)
    rows: list[Any] = []
    async with engine.begin() as connection:
        for statement in statements:
            result = await connection.execute(text(statement), parameters or {})
            if result.returns_rows:
                rows = list(result.all())
    await engine.dispose()
    return rows


@pytest.fixture
async def events(tmp_path: Path) -> AsyncIterator[str]:
    """web_events: 10 rows before the cutoff (two of them Ada's, one without an email), one exactly
    at it, 5 after."""
    url = POSTGRES_URL or f"sqlite+aiosqlite:///{tmp_path / 'analytics.sqlite3'}"
    await run_sql(
        url,
        "DROP TABLE IF EXISTS web_events",
        "CREATE TABLE web_events (id INTEGER PRIMARY KEY, email VARCHAR(200), ip VARCHAR(64), "
        "visited_at TIMESTAMP, page VARCHAR(200), country VARCHAR(2), restricted BOOLEAN)",
    )
    rows = [
        {
            "id": i + 1,
            "email": "ada@example.org" if i in (2, 7) else None if i == 1 else f"visitor{i}@example.org",
            "ip": f"81.2.69.{i}",
            "visited_at": CUTOFF - timedelta(days=10 - i)
            if i < 10
            else CUTOFF
            if i == 10
            else CUTOFF + timedelta(days=i),
            "page": f"/page/{i}",
            "country": "DE",
        }
        for i in range(16)
    ]
    engine = create_async_engine(url, poolclass=NullPool)
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO web_events (id, email, ip, visited_at, page, country, restricted) "
                "VALUES (:id, :email, :ip, :visited_at, :page, :country, FALSE)"
            ),
            [{**row, "visited_at": row["visited_at"].replace(tzinfo=None)} for row in rows],
        )
    await engine.dispose()
    yield url
    await run_sql(url, "DROP TABLE IF EXISTS web_events")


def events_rule(url: str | None, **fields: Any) -> dict[str, Any]:
    store = {
        "kind": "sql",
        "table": "web_events",
        "timestamp_column": "visited_at",
        "key_column": "id",
        "subject_column": "email",
        "restricted_column": "restricted",
    }
    if url:
        store["database_url"] = url
    return {"key": "web-analytics", "activity": "web-analytics", "period": "P180D", "store": store, **fields}
