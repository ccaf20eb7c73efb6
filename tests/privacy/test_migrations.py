"""Migrations: an empty database upgrades to head, and the models agree with the migrations."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from privacy.db import Base, migration_commands, upgrade_database
from privacy.settings import Settings
from tests.conftest import POSTGRES_URL, TEST_SECRET


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    if POSTGRES_URL is None:
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    name = f"privacy_migration_{secrets.token_hex(4)}"
    asyncio.run(_admin(f"CREATE DATABASE {name}"))
    yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    asyncio.run(_admin(f"DROP DATABASE {name}"))


async def _admin(statement: str) -> None:
    assert POSTGRES_URL
    engine = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(statement))
    await engine.dispose()


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    await engine.dispose()
    return names


def settings_for(url: str, data_dir: Path) -> Settings:
    return Settings(_env_file=None, data_dir=data_dir, database_url=url, secret_key=TEST_SECRET)  # type: ignore[call-arg]


def test_empty_database_upgrades_to_head_and_matches_the_models(empty_database: str, tmp_path: Path) -> None:
    settings = settings_for(empty_database, tmp_path)
    upgrade_database(settings)
    assert {table.name for table in Base.metadata.sorted_tables} <= asyncio.run(_tables(empty_database))
    migration_commands(settings).check()  # raises when autogenerate would find a difference


def test_downgrade_to_base_and_up_again(empty_database: str, tmp_path: Path) -> None:
    settings = settings_for(empty_database, tmp_path)
    upgrade_database(settings)
    migration_commands(settings).downgrade("base")
    assert asyncio.run(_tables(empty_database)) <= {"alembic_version"}
    upgrade_database(settings)
    migration_commands(settings).check()
