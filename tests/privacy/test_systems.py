"""The register of other systems: administrators alone register them, nobody can make the toolkit's
own database one, every connection passes the outbound allow-list, and whatever fails is reported
the same way."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from privacy.models import ApiToken, AuditEntry
from privacy.outbound import OutboundRefused, admitted_addresses, open_sql_system
from privacy.settings import Settings
from tests.conftest import POSTGRES_URL, app_with_demo, client_of, register_system

Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]
SECRET = "k" * 40
FAILED = "could not be reached or did not answer as expected"


def sql_system(url: str, key: str = "crm") -> dict[str, Any]:
    return {"key": key, "name": "CRM", "kind": "sql", "url": url}


async def make_table(url: str) -> None:
    engine = create_async_engine(url, poolclass=NullPool)
    async with engine.begin() as connection:
        await connection.execute(text("DROP TABLE IF EXISTS visits"))
        await connection.execute(text("CREATE TABLE visits (id INTEGER PRIMARY KEY, email VARCHAR(200), at TIMESTAMP)"))
        await connection.execute(text("INSERT INTO visits VALUES (1, 'ada@example.org', '2020-01-01 00:00:00')"))
    await engine.dispose()


@pytest.fixture
async def demo(settings: Settings) -> AsyncIterator[Client]:
    async with client_of(await app_with_demo(settings)) as client:
        yield client


async def test_only_administrators_register_systems_and_see_their_urls(
    demo: Client, admin: dict[str, str], officer: dict[str, str], auditor: dict[str, str], other_database: str
) -> None:
    await make_table(other_database)
    url = make_url(other_database).set(password="hunter2-secret" if POSTGRES_URL else None)
    body = sql_system(url.render_as_string(hide_password=False))
    for role in (officer, auditor):
        assert (await demo.put("/api/v1/admin/systems/crm", json=body, headers=role)).status_code == 403
    saved = await demo.put("/api/v1/admin/systems/crm", json=body, headers=admin)
    assert saved.status_code == 200, saved.text
    assert "hunter2-secret" not in saved.text, "the password is never shown, not even to administrators"
    shown = (await demo.get("/api/v1/admin/systems/crm", headers=admin)).json()
    assert shown["kind"] == "sql" and make_url(shown["url"]).database == url.database
    for role in (officer, auditor):
        assert (await demo.get("/api/v1/admin/systems", headers=role)).json() == [
            {"key": "crm", "name": "CRM", "kind": "sql"}
        ]
        assert (await demo.get("/api/v1/admin/systems/crm", headers=role)).status_code == 403
        assert (await demo.delete("/api/v1/admin/systems/crm", headers=role)).status_code == 403
        assert (await demo.post("/api/v1/admin/systems/crm/check", headers=role)).status_code == 403
        trail = (await demo.get("/api/v1/admin/audit", headers=role)).text
        assert str(url.database) not in trail and "hunter2" not in trail, "the audit trail names no URL"


async def test_an_http_system_keeps_its_secret_write_only(demo: Client, admin: dict[str, str]) -> None:
    body = {"key": "helpdesk", "name": "Helpdesk", "kind": "http", "url": "https://helpdesk.example.org/privacy"}
    missing = await demo.put("/api/v1/admin/systems/helpdesk", json=body, headers=admin)
    assert missing.status_code == 422 and missing.json()["errors"][0]["path"] == "secret"
    saved = await demo.put("/api/v1/admin/systems/helpdesk", json={**body, "secret": SECRET}, headers=admin)
    assert saved.status_code == 200 and saved.json()["has_secret"] is True and SECRET not in saved.text
    renamed = await demo.put("/api/v1/admin/systems/helpdesk", json={**body, "name": "Support desk"}, headers=admin)
    assert renamed.json()["has_secret"] is True, "a secret left out stays as stored"
    credentials = {**body, "url": "https://user:pw@helpdesk.example.org/"}
    assert (await demo.put("/api/v1/admin/systems/helpdesk", json=credentials, headers=admin)).status_code == 422
    kind = await demo.put("/api/v1/admin/systems/helpdesk", json={**body, "kind": "sql"}, headers=admin)
    assert kind.status_code == 422 and kind.json()["errors"][0]["path"] == "kind"


def own_files(settings: Settings) -> list[str]:
    database = Path(make_url(settings.effective_database_url).database or "")
    return [str(database), f"{database}-wal", f"{database}-shm", str(settings.data_dir / "other.sqlite3")]


@pytest.mark.skipif(POSTGRES_URL is not None, reason="the toolkit's own database is a SQLite file only on SQLite")
async def test_the_toolkits_own_sqlite_files_can_never_be_a_system(
    demo: Client, admin: dict[str, str], settings: Settings
) -> None:
    assert settings.external_sqlite_dir is not None
    alias = settings.external_sqlite_dir / "innocent.sqlite3"
    alias.unlink(missing_ok=True)
    alias.symlink_to(make_url(settings.effective_database_url).database or "")
    for path in [*own_files(settings), str(alias)]:
        refused = await demo.put(
            "/api/v1/admin/systems/own", json=sql_system(f"sqlite:///{path}", "own"), headers=admin
        )
        assert refused.status_code == 422, path
        assert refused.json()["errors"] == [
            {"path": "url", "message": "this file belongs to the toolkit itself and can never be another system"}
        ]
    outside = await demo.put("/api/v1/admin/systems/x", json=sql_system("sqlite:////tmp/x.sqlite3", "x"), headers=admin)
    assert outside.status_code == 422 and "PRIVACY_EXTERNAL_SQLITE_DIR" in outside.text
    assert (await demo.get("/api/v1/admin/systems", headers=admin)).json() == []


@pytest.mark.skipif(POSTGRES_URL is None, reason="the toolkit's own database is on PostgreSQL only in CI")
async def test_the_toolkits_own_postgresql_database_can_never_be_a_system(
    demo: Client, admin: dict[str, str], settings: Settings
) -> None:
    own = make_url(settings.effective_database_url)
    aliases = [own, own.set(host="localhost"), own.set(drivername="postgresql", port=own.port or 5432)]
    for url in aliases:
        body = sql_system(url.render_as_string(hide_password=False), "own")
        refused = await demo.put("/api/v1/admin/systems/own", json=body, headers=admin)
        assert refused.status_code == 422, url
        assert "the toolkit's own database" in refused.json()["errors"][0]["message"]
    socket_trick = own.update_query_dict({"host": "/var/run/postgresql"})
    body = sql_system(socket_trick.render_as_string(hide_password=False), "own")
    assert (await demo.put("/api/v1/admin/systems/own", json=body, headers=admin)).status_code == 422


async def test_sqlite_systems_are_refused_when_no_folder_is_set_for_them(
    settings: Settings, admin: dict[str, str]
) -> None:
    closed = settings.model_copy(update={"external_sqlite_dir": None})
    async with client_of(await app_with_demo(closed)) as client:
        assert settings.external_sqlite_dir is not None
        url = f"sqlite:///{settings.external_sqlite_dir / 'crm.sqlite3'}"
        refused = await client.put("/api/v1/admin/systems/crm", json=sql_system(url), headers=admin)
    assert refused.status_code == 422 and "switched off" in refused.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "169.254.169.254", "10.1.2.3", "192.168.0.10", "0.0.0.0", "::1", "::ffff:127.0.0.1"],  # noqa: S104
)
async def test_the_default_allow_list_refuses_loopback_link_local_and_private_addresses(
    settings: Settings, address: str
) -> None:
    default = settings.model_copy(update={"outbound_allow": ""})
    with pytest.raises(OutboundRefused):
        await admitted_addresses(address, 80, default)


async def test_the_allow_list_admits_what_it_names_and_public_addresses(settings: Settings) -> None:
    named = settings.model_copy(update={"outbound_allow": "10.0.0.0/8, crm.internal"})
    assert await admitted_addresses("10.1.2.3", 5432, named) == ["10.1.2.3"]
    assert await admitted_addresses("93.184.215.14", 443, named) == ["93.184.215.14"]
    with pytest.raises(OutboundRefused):
        await admitted_addresses("192.168.1.1", 443, named)
    with pytest.raises(OutboundRefused):
        await admitted_addresses("localhost", 443, named), "a name resolving to loopback"


async def test_with_the_default_allow_list_no_system_can_point_at_this_machine_or_the_cloud_metadata(
    settings: Settings, admin: dict[str, str]
) -> None:
    default = settings.model_copy(update={"outbound_allow": ""})
    async with client_of(await app_with_demo(default)) as client:
        for host in ("127.0.0.1", "169.254.169.254"):
            body = {"key": "meta", "name": "Metadata", "kind": "http", "url": f"http://{host}/latest", "secret": SECRET}
            refused = await client.put("/api/v1/admin/systems/meta", json=body, headers=admin)
            assert refused.status_code == 422 and "PRIVACY_OUTBOUND_ALLOW" in refused.text, host
        # A name is resolved when the system is reached, and refused there.
        body = {"key": "local", "name": "Local", "kind": "http", "url": "http://localhost:9/", "secret": SECRET}
        assert (await client.put("/api/v1/admin/systems/local", json=body, headers=admin)).status_code == 200
        check = (await client.post("/api/v1/admin/systems/local/check", headers=admin)).json()
    assert check == {
        "reachable": False,
        "detail": "localhost is not a public address and PRIVACY_OUTBOUND_ALLOW does not admit it",
    }


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nothing listens there once the probe is closed


async def test_every_kind_of_failure_answers_the_same_to_the_privacy_team(
    demo: Client, admin: dict[str, str], officer: dict[str, str], settings: Settings
) -> None:
    assert settings.external_sqlite_dir is not None
    missing = settings.external_sqlite_dir / "never-created.sqlite3"
    urls = {
        "missing-file": f"sqlite:///{missing}",
        "closed-port": f"postgresql://user:pw@127.0.0.1:{closed_port()}/crm",
        "no-such-host": "postgresql://user:pw@no-such-host.invalid/crm",
    }
    details = set()
    for key, url in urls.items():
        await register_system(demo, admin, key, "sql", url)
        rule = {
            "key": f"sweep-{key}",
            "period": "P30D",
            "store": {"kind": "sql", "system": key, "table": "visits", "timestamp_column": "at", "key_column": "id"},
        }
        assert (
            await demo.put(f"/api/v1/admin/retention/rules/sweep-{key}", json=rule, headers=officer)
        ).status_code == 200
        dry = await demo.post(f"/api/v1/admin/retention/rules/sweep-{key}/dry-run", headers=officer)
        assert dry.status_code == 502, dry.text
        assert dry.json()["title"] == "Another system failed"
        details.add(dry.json()["detail"].replace(key, "<system>"))
        check = (await demo.post(f"/api/v1/admin/systems/{key}/check", headers=admin)).json()
        assert check["reachable"] is False and check["detail"], "administrators get the reason"
    assert details == {f"the system '<system>' {FAILED}"}
    assert not missing.exists(), "a dry run never creates the file"
    runs = (await demo.get("/api/v1/admin/retention/runs", headers=officer)).json()
    assert sorted((run["status"], run["errors"][0].split("'")[2]) for run in runs) == [("failed", f" {FAILED}")] * 3


async def test_dry_runs_and_exports_open_other_databases_read_only(settings: Settings, other_database: str) -> None:
    await make_table(other_database)
    engine = await open_sql_system(other_database, read_only=True, settings=settings)
    try:
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT count(*) FROM visits"))).scalar() == 1
            with pytest.raises(DBAPIError, match=r"read-only|readonly"):
                await connection.execute(text("DELETE FROM visits"))
    finally:
        await engine.dispose()
    writable = await open_sql_system(other_database, read_only=False, settings=settings)
    async with writable.begin() as connection:
        assert (await connection.execute(text("DELETE FROM visits"))).rowcount == 1
    await writable.dispose()


async def test_a_system_in_use_cannot_be_removed(demo: Client, admin: dict[str, str], other_database: str) -> None:
    await make_table(other_database)
    await register_system(demo, admin, "crm", "sql", other_database)
    connector = {
        "key": "crm",
        "name": "CRM",
        "kind": "sql",
        "system": "crm",
        "tables": [{"table": "visits", "identity_column": "email", "columns": ["at"]}],
    }
    assert (await demo.put("/api/v1/admin/connectors/crm", json=connector, headers=admin)).status_code == 200
    in_use = await demo.delete("/api/v1/admin/systems/crm", headers=admin)
    assert in_use.status_code == 409 and "connectors" in in_use.json()["detail"]
    assert (await demo.delete("/api/v1/admin/connectors/crm", headers=admin)).status_code == 204
    assert (await demo.delete("/api/v1/admin/systems/crm", headers=admin)).status_code == 204
    assert (await demo.get("/api/v1/admin/systems", headers=admin)).json() == []


async def test_an_officer_can_no_longer_point_a_sweep_at_the_toolkits_own_tables(
    demo: Client, admin: dict[str, str], officer: dict[str, str], settings: Settings, sessions: Sessions
) -> None:
    """The attack the audit found: a retention rule whose store is the toolkit's own database file,
    swept to rewrite `api_tokens.role` or delete `audit_entries`."""
    own = settings.effective_database_url
    rule = {
        "key": "escalate",
        "period": "P1D",
        "action": "anonymise",
        "transforms": [{"column": "role", "transform": "constant", "value": "admin"}],
        "store": {
            "kind": "sql",
            "database_url": own,
            "table": "api_tokens",
            "timestamp_column": "created_at",
            "key_column": "id",
        },
    }
    refused = await demo.put("/api/v1/admin/retention/rules/escalate", json=rule, headers=officer)
    assert refused.status_code == 422 and [e["path"] for e in refused.json()["errors"]] == ["store.database_url"]
    own_system = {"key": "own", "name": "Own", "kind": "sql", "url": own}
    assert (await demo.put("/api/v1/admin/systems/own", json=own_system, headers=officer)).status_code == 403
    assert (await demo.put("/api/v1/admin/systems/own", json=own_system, headers=admin)).status_code == 422
    async with sessions() as session:
        assert {token.role for token in await session.scalars(select(ApiToken))} == {
            "admin",
            "privacy_officer",
            "auditor",
        }
        assert await session.scalar(select(AuditEntry.seq).limit(1)) is not None
