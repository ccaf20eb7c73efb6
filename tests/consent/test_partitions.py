"""Consent records are partitioned by month on PostgreSQL (so retention drops whole months) and a
plain table on SQLite. Each engine is required to be what it should: a PostgreSQL database whose
table is not partitioned fails here instead of skipping the partition checks."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from consent import partitions
from consent.models import ConsentRecord
from privacy.db import utcnow
from privacy.settings import Settings
from retention import service, sweeps
from retention.models import RetentionRule
from retention.schemas import RuleIn
from tests.conftest import SYSTEM

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)  # the sweep's clock: its one-year cutoff is 2025-03-15 12:00


def record(at: datetime) -> ConsentRecord:
    return ConsentRecord(
        consent_id=uuid.uuid4(), recorded_at=at, site="www", policy_version="1", text_hash="0" * 64,
        country="DE", region=None, regime="opt_in", jurisdiction_source="cdn", gpc=False, action="accept_all",
        granted=["necessary"], denied=[], ui="banner", ip_truncated="81.2.0.0", valid_until=at,
    )  # fmt: skip


async def children(connection: AsyncConnection) -> dict[str, str]:
    """The partitions of consent_records on PostgreSQL, each with its bounds as PostgreSQL states them."""
    rows = await connection.execute(
        text(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'consent_records'::regclass"
        )
    )
    return dict(rows.all())  # type: ignore[arg-type]


async def sqlite_tables_named_like_consent(connection: AsyncConnection) -> list[tuple[str, str]]:
    rows = await connection.execute(
        text("SELECT name, type FROM sqlite_master WHERE name LIKE 'consent_records%' AND type = 'table'")
    )
    return sorted((name, kind) for name, kind in rows.all())


async def test_consent_records_are_partitioned_by_month_on_postgresql_and_a_plain_table_on_sqlite(
    sessions: Sessions,
) -> None:
    now = utcnow()
    async with sessions() as session, session.begin():
        session.add(record(now))
    async with sessions() as session:
        connection = await session.connection()
        engine = connection.dialect.name
        if engine == "postgresql":
            strategy = await connection.execute(
                text(
                    "SELECT p.partstrat::text, a.attname::text FROM pg_partitioned_table p JOIN pg_attribute a "
                    "ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0] "
                    "WHERE p.partrelid = 'consent_records'::regclass"
                )
            )
            assert [tuple(row) for row in strategy.all()] == [("r", "recorded_at")], "by range of recorded_at"
            found = await children(connection)
            assert found["consent_records_default"] == "DEFAULT"
            this_month = f"consent_records_p{now:%Y_%m}"
            assert this_month in found, "this month's partition is made ahead of time"
            landed = await connection.scalar(text("SELECT tableoid::regclass::text FROM consent_records"))
            assert landed == this_month, "a record lands in its month's partition"
            assert await partitions.is_partitioned(connection) is True
        else:
            assert engine == "sqlite"
            assert await sqlite_tables_named_like_consent(connection) == [("consent_records", "table")]
            assert await partitions.is_partitioned(connection) is False
        assert await session.scalar(select(func.count()).select_from(ConsentRecord)) == 1


async def make_month_partitions(connection: AsyncConnection, months: list[tuple[str, str, str]]) -> None:
    for name, start, end in months:
        await connection.execute(
            text(
                f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF consent_records "
                f"FOR VALUES FROM ('{start}') TO ('{end}')"
            )
        )


async def test_a_sweep_drops_whole_past_months_on_postgresql_and_deletes_the_same_rows_on_sqlite(
    sessions: Sessions, settings: Settings
) -> None:
    async with sessions() as session, session.begin():
        if (await session.connection()).dialect.name == "postgresql":
            await make_month_partitions(
                await session.connection(),
                [
                    ("consent_records_p2024_11", "2024-11-01 00:00+00", "2024-12-01 00:00+00"),
                    ("consent_records_p2025_03", "2025-03-01 00:00+00", "2025-04-01 00:00+00"),
                ],
            )
    moments: list[Any] = [
        datetime(2024, 11, 2, tzinfo=UTC), datetime(2024, 11, 15, tzinfo=UTC), datetime(2024, 11, 30, 23, tzinfo=UTC),
        datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 3, 15, 11, 59, tzinfo=UTC),  # before the cutoff
        datetime(2025, 3, 15, 12, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC),  # after it
    ]  # fmt: skip
    async with sessions() as session, session.begin():
        session.add_all([record(at) for at in moments])
    body = {"key": "consent-proof", "period": "P1Y", "store": {"kind": "toolkit", "name": "consent_records"}}
    async with sessions() as session, session.begin():
        await service.save_rule(session, rule=RuleIn.model_validate(body), actor=SYSTEM, now=NOW)
        # As if a person had approved its dry run (tests/retention/test_review.py shows how).
        await session.execute(
            update(RetentionRule).where(RetentionRule.key == "consent-proof").values(awaiting_review=False)
        )
    async with sessions() as session:
        swept = service.run_out(await sweeps.sweep(session, rule_key="consent-proof", settings=settings, now=NOW))
    assert (swept.counts.deleted, swept.status) == (5, "finished")

    async with sessions() as session:
        kept = sorted(at.astimezone(UTC) for at in await session.scalars(select(ConsentRecord.recorded_at)))
        assert kept == moments[5:]
        connection = await session.connection()
        if connection.dialect.name == "postgresql":
            left = await children(connection)
            assert "consent_records_p2024_11" not in left, "a month wholly past the cutoff is dropped"
            assert "consent_records_p2025_03" in left, "a month the cutoff falls in is swept row by row"
        else:
            assert await sqlite_tables_named_like_consent(connection) == [("consent_records", "table")]
