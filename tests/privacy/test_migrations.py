"""Migrations: an empty database upgrades to head, and the models agree with the migrations."""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from dsar.models import Connector
from privacy import systems
from privacy.db import Base, database_config, migration_commands, upgrade_database
from privacy.keys import Keyring
from privacy.models import AuditChainHead
from privacy.settings import Settings
from retention.models import RetentionRule
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


async def execute_sql(url: str, statement: str, parameters: dict[str, Any] | None = None) -> list[Any]:
    """One statement on the database at `url`, committed; its rows, if any."""
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        result = await connection.execute(text(statement), parameters or {})
        rows = list(result.all()) if result.returns_rows else []
    await engine.dispose()
    return rows


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


async def _fill_version_0009(url: str, keyring: Keyring) -> None:
    """Connectors and a retention rule as they were stored before the register of systems: their
    URLs and secrets inline, sealed under their own contexts."""
    engine = create_async_engine(url)
    crm_url = "postgresql://crm:pw@crm.example.org/crm"

    def sealed(value: dict[str, str], context: str) -> str:
        return keyring.encrypt(json.dumps(value), key_id=1, context=context)

    now = datetime.now(UTC).replace(tzinfo=None)
    connectors = [
        ("crm", "sql", {"key": "crm", "name": "CRM", "kind": "sql", "tables": []}, {"database_url": crm_url}),
        (
            "helpdesk",
            "http",
            {"key": "helpdesk", "name": "Helpdesk", "kind": "http", "url": "https://help.example.org/p"},
            {"secret": "h" * 40},
        ),
    ]
    store = {"kind": "sql", "table": "events", "timestamp_column": "at", "key_column": "id"}
    rule = {"key": "events", "period": "P30D", "store": store}
    async with engine.begin() as connection:
        for key, kind, content, secrets_ in connectors:
            await connection.execute(
                text(
                    "INSERT INTO connectors (id, key, kind, content, secrets_encrypted, updated_at) "
                    "VALUES (:id, :key, :kind, :content, :sealed, :now)"
                ),
                {
                    "id": uuid.uuid4().bytes if url.startswith("sqlite") else uuid.uuid4(),
                    "key": key,
                    "kind": kind,
                    "content": json.dumps(content),
                    "sealed": sealed(secrets_, f"connector:{key}:secrets"),
                    "now": now,
                },
            )
        await connection.execute(
            text(
                "INSERT INTO retention_rules (key, content, secrets_encrypted, updated_at) "
                "VALUES ('events', :content, :sealed, :now)"
            ),
            {
                "content": json.dumps(rule),
                "sealed": sealed({"database_url": crm_url}, "retention-rule:events:secrets"),
                "now": now,
            },
        )
        await connection.execute(
            text(
                "INSERT INTO audit_entries (seq, at, actor, action, object_type, object_id, payload_digest, prev_hash, "
                "entry_hash) VALUES (7, :now, 'system:x', 'x', 'x', 'x', 'd', 'p', 'head-hash')"
            ),
            {"now": now},
        )
    await engine.dispose()


def test_inline_connections_move_into_registered_systems(empty_database: str, tmp_path: Path) -> None:
    settings = settings_for(empty_database, tmp_path)
    keyring = Keyring(TEST_SECRET.encode())
    migration_commands(settings).upgrade("0009")
    asyncio.run(_fill_version_0009(empty_database, keyring))
    upgrade_database(settings)
    migration_commands(settings).check()

    async def moved() -> None:
        config = database_config(settings, session_info={"keyring": keyring})
        async with config.create_session_maker()() as session:
            crm = await systems.connection(session, key="crm")
            helpdesk = await systems.connection(session, key="helpdesk")
            assert (crm.kind.value, crm.url) == ("sql", "postgresql://crm:pw@crm.example.org/crm")
            assert (helpdesk.url, helpdesk.secret) == ("https://help.example.org/p", "h" * 40)
            mapped = {row.key: (row.system_key, row.content) for row in await session.scalars(select(Connector))}
            assert mapped["crm"][0] == "crm" and mapped["crm"][1]["system"] == "crm"
            assert mapped["helpdesk"][1] == {
                "key": "helpdesk",
                "name": "Helpdesk",
                "kind": "http",
                "system": "helpdesk",
            }
            rule = await session.scalar(select(RetentionRule))
            assert rule is not None and rule.system_key == "crm", "the store reaches the connector's system"
            assert rule.content["store"] == {
                "kind": "sql",
                "system": "crm",
                "table": "events",
                "timestamp_column": "at",
                "key_column": "id",
            }
            head = await session.get(AuditChainHead, 1)
            assert head is not None and (head.seq, head.entry_hash) == (7, "head-hash")
        await config.get_engine().dispose()

    asyncio.run(moved())
