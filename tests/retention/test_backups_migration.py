"""Migration 0015: each backup schedule of before becomes a store of its name with that schedule,
its place and encryption not recorded; legal holds of before keep their day; going back restores
the schedules."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from privacy.db import migration_commands
from retention import service
from tests.privacy.test_migrations import empty_database, execute_sql, settings_for

__all__ = ["empty_database"]  # the fixture, used by name

PLACED_AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


async def _fill_version_0014(url: str) -> None:
    for name, every, kept in [("hourly", "PT1H", "P1D"), ("monthly", "P1M", "P12M")]:
        insert = "INSERT INTO backup_schedules (name, every, kept) VALUES (:name, :every, :kept)"
        await execute_sql(url, insert, {"name": name, "every": every, "kept": kept})
    hold_id = uuid.uuid4()
    await execute_sql(
        url,
        "INSERT INTO legal_holds (id, rule_key, record_key, reason, placed_by, placed_at, until) "
        "VALUES (:id, 'invoices', '5', 'audit sample', 'system:tests', :placed_at, :until)",
        {
            "id": hold_id.bytes if url.startswith("sqlite") else hold_id,
            "placed_at": PLACED_AT if not url.startswith("sqlite") else PLACED_AT.replace(tzinfo=None),
            "until": date(2031, 1, 2),
        },
    )


async def _as_the_service_reads_it(url: str) -> tuple[list[Any], Any, date | None]:
    engine = create_async_engine(url)
    async with async_sessionmaker(engine)() as session:
        backups = await service.list_backups(session)
        holds = await service.active_holds(session, rule_key="invoices", now=datetime(2030, 6, 1, tzinfo=UTC))
        gone = await service.backups_gone_by(session, erased_at=PLACED_AT)
    await engine.dispose()
    return backups, holds, gone


def test_schedules_of_before_become_stores_and_holds_keep_their_day(empty_database: str, tmp_path: Path) -> None:
    commands = migration_commands(settings_for(empty_database, tmp_path))
    commands.upgrade("0014")
    asyncio.run(_fill_version_0014(empty_database))
    commands.upgrade("0015")
    backups, holds, gone = asyncio.run(_as_the_service_reads_it(empty_database))
    assert [(store.name, store.schedules_in_words) for store in backups] == [
        ("hourly", ["every hour, kept 1 day"]),
        ("monthly", ["every month, kept 12 months"]),
    ]
    assert {(store.stored_in, store.encryption) for store in backups} == {
        ("country not recorded, provider not recorded", "encryption not recorded")
    }
    assert gone == date(2027, 11, 2), "the monthly copies, kept 12 months, still say when erased data is gone"
    assert (holds.record_keys, holds.kept_after) == ({"5"}, [])
    assert holds.in_words == ["record 5 of rule invoices, until 2031-01-02"]
    commands.downgrade("0014")
    rows = asyncio.run(execute_sql(empty_database, "SELECT name, every, kept FROM backup_schedules ORDER BY name"))
    assert [tuple(row) for row in rows] == [("hourly", "PT1H", "P1D"), ("monthly", "P1M", "P12M")]
