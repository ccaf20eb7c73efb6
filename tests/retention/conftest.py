"""An organisation (the demo) and another system's table of events to sweep: a SQLite file here,
the CI's PostgreSQL there."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from privacy.db import utcnow
from privacy.schemas import SystemIn
from privacy.settings import Settings
from privacy.systems import save_system
from retention import service, sweeps
from retention.models import RetentionRule
from retention.schemas import RuleIn, RunOut
from tests.conftest import SYSTEM, app_with_demo, client_of, sessions_of

Sessions = async_sessionmaker[AsyncSession]

# An hour ahead of the wall clock: sweeps given NOW meet a row exactly at the cutoff, while sweeps
# started through the API or the command line (at the real time) find that row still inside its period.
NOW = (datetime.now(UTC) + timedelta(hours=1)).replace(second=0, microsecond=0)
CUTOFF = NOW - timedelta(days=180)


@pytest.fixture
async def org_app(settings: Settings) -> Litestar:
    return await app_with_demo(settings)


@pytest.fixture
async def staff(org_app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with client_of(org_app) as client:
        yield client


@pytest.fixture
async def org_sessions(org_app: Litestar, settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with sessions_of(org_app, settings) as sessions:
        yield sessions


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
async def events(
    other_database: str, org_sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> AsyncIterator[str]:
    """web_events in the registered system `analytics`: 10 rows before the cutoff (two of them
    Ada's, one without an email), one exactly at it, 5 after. Answers the database's URL."""
    url = other_database
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
            "visited_at": visited_at(i).replace(tzinfo=None),  # as another system keeps it: UTC, no zone
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
            rows,
        )
    await engine.dispose()
    async with org_sessions() as session, session.begin():
        analytics = SystemIn(key="analytics", name="Web analytics", kind="sql", url=url)
        await save_system(session, system=analytics, actor=SYSTEM, settings=settings, now=utcnow())
    yield url
    await run_sql(url, "DROP TABLE IF EXISTS web_events")


def visited_at(i: int) -> datetime:
    if i < 10:
        return CUTOFF - timedelta(days=10 - i)
    return CUTOFF if i == 10 else CUTOFF + timedelta(days=i)


def events_rule(**fields: Any) -> dict[str, Any]:
    store = {
        "kind": "sql",
        "system": "analytics",
        "table": "web_events",
        "timestamp_column": "visited_at",
        "key_column": "id",
        "subject_column": "email",
        "restricted_column": "restricted",
    }
    return {"key": "web-analytics", "activity": "web-analytics", "period": "P180D", "store": store, **fields}


async def save(sessions: Sessions, rule: dict[str, Any], *, approved: bool = True) -> None:
    """Save a rule at NOW; `approved`: as if a person had approved its dry run already (tests of
    sweeps), else it awaits review as a new rule does."""
    async with sessions() as session, session.begin():
        await service.save_rule(session, rule=RuleIn.model_validate(rule), actor=SYSTEM, now=NOW)
        if approved:
            await session.execute(
                update(RetentionRule).where(RetentionRule.key == rule["key"]).values(awaiting_review=False)
            )


async def run(sessions: Sessions, settings: Settings, **options: Any) -> RunOut:
    """Sweep the rule `web-analytics` at NOW."""
    async with sessions() as session:
        swept = await sweeps.sweep(session, rule_key="web-analytics", settings=settings, now=NOW, **options)
        return service.run_out(swept)


async def ids(url: str) -> list[int]:
    return [row[0] for row in await run_sql(url, "SELECT id FROM web_events ORDER BY id")]
