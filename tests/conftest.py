"""Test set-up: every test runs against a real database migrated to head (SQLite by default,
PostgreSQL when PRIVACY_DATABASE_URL is set), with a real app and a real HTTP test client."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import sys
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from typing import Any, TypeVar

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from privacy import auth
from privacy.actors import Actor, Role
from privacy.app import create_app
from privacy.composition import configuration
from privacy.db import Base, database_config, upgrade_database, utcnow
from privacy.settings import Settings

T = TypeVar("T")
TEST_SECRET = "test-master-secret-" + "x" * 32
POSTGRES_URL = os.environ.get("PRIVACY_DATABASE_URL")
pytest_plugins = ["tests.mail_fixtures", "tests.browser_fixtures"]


def in_own_thread(work: Callable[..., T], *arguments: Any) -> T:
    """Run blocking set-up that starts its own event loop (Alembic, asyncio.run) where the
    browser tests' Playwright already runs one on this thread."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work, *arguments).result()


def run_async(work: Coroutine[Any, Any, T]) -> T:
    return in_own_thread(asyncio.run, work)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if POSTGRES_URL:
        run_async(_reset_postgres_schema(POSTGRES_URL))
        return POSTGRES_URL
    return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


async def _reset_postgres_schema(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(scope="session")
def migrated_settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Upgrading the empty database to head is itself the first migration test."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path_factory.mktemp("data"),
        database_url=database_url,
        secret_key=TEST_SECRET,
        login_max_failures=5,
        background_work=False,  # tests run the background jobs themselves, when they mean to
        outbound_allow=LOOPBACK,  # the other systems of the tests listen on loopback
        external_sqlite_dir=tmp_path_factory.mktemp("external"),
    )
    in_own_thread(upgrade_database, settings)
    return settings


LOOPBACK = "127.0.0.0/8,::1/128"


@pytest.fixture(scope="session")
def external_postgres() -> str | None:
    """On PostgreSQL, another system's database on the same server (never the toolkit's own)."""
    if not POSTGRES_URL:
        return None
    own = make_url(POSTGRES_URL)
    name = f"{own.database}_external"
    run_async(_on_server(f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"))
    return own.set(database=name).render_as_string(hide_password=False)


async def _on_server(*statements: str) -> None:
    assert POSTGRES_URL
    engine = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        for statement in statements:
            await connection.execute(text(statement))
    await engine.dispose()


@pytest.fixture
def other_database(settings: Settings, external_postgres: str | None) -> str:
    """A database of another system: a SQLite file in the folder for them, or PostgreSQL's."""
    if external_postgres:
        return external_postgres
    assert settings.external_sqlite_dir is not None
    return f"sqlite+aiosqlite:///{settings.external_sqlite_dir / f'system-{secrets.token_hex(4)}.sqlite3'}"


async def register_system(
    client: AsyncTestClient[Litestar], admin: dict[str, str], key: str, kind: str, url: str, secret: str | None = None
) -> None:
    """What an administrator does before anyone can name the system in a connector or a rule."""
    body = {"key": key, "name": key.title(), "kind": kind, "url": url, **({"secret": secret} if secret else {})}
    saved = await client.put(f"/api/v1/admin/systems/{key}", json=body, headers=admin)
    assert saved.status_code == 200, saved.text


@pytest.fixture
def settings(migrated_settings: Settings) -> Iterator[Settings]:
    yield migrated_settings
    run_async(empty_tables(migrated_settings.effective_database_url))


async def empty_tables(url: str) -> None:
    engine = create_async_engine(url)
    # The browser tests' live server keeps doing background work (retention sweeps, mail) while a
    # test ends: on PostgreSQL the TRUNCATE can meet it in a deadlock or wait on its locks; it is
    # then retried, and a lock never released fails the test instead of hanging the suite.
    for attempt in range(5):
        try:
            async with engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    await connection.execute(text("SET LOCAL lock_timeout = '10s'"))
                    names = ", ".join(table.name for table in Base.metadata.sorted_tables)
                    await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
                else:
                    for table in reversed(Base.metadata.sorted_tables):
                        await connection.execute(table.delete())
            break
        except DBAPIError:
            if attempt == 4:
                raise
            await asyncio.sleep(0.2)
    await engine.dispose()


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(settings)


@contextlib.asynccontextmanager
async def client_of(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as test_client:
        yield test_client
    # Close pooled connections on this test's event loop, before pytest-asyncio closes it.
    await app.state.db_config.get_engine().dispose()


@contextlib.asynccontextmanager
async def sessions_of(app: Litestar, settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions of the test's own engine: the app's pool may live on another event loop."""
    config = database_config(settings, session_info={"keyring": app.state.keyring})
    yield config.create_session_maker()
    await config.get_engine().dispose()


async def app_with_demo(settings: Settings, adjust: Callable[[Any], Any] | None = None) -> Litestar:
    """An app whose database holds the demo organisation (`adjust` may change the file first)."""
    app = create_app(settings)
    demo = configuration().parse(resources.files("privacy").joinpath("demo.yaml").read_text())
    async with sessions_of(app, settings) as sessions, sessions() as session, session.begin():
        await configuration().apply(
            session, config=adjust(demo) if adjust else demo, actor=SYSTEM, settings=settings, now=utcnow()
        )
    return app


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with client_of(app) as test_client:
        yield test_client


@pytest.fixture
async def sessions(app: Litestar, settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with sessions_of(app, settings) as factory:
        yield factory


SYSTEM = Actor.system("tests")


@pytest.fixture
async def tokens(sessions: async_sessionmaker[AsyncSession]) -> dict[Role, str]:
    """One API token per role."""
    created = {}
    async with sessions() as session, session.begin():
        for role in Role:
            _, secret = await auth.create_token(session, name=f"{role.value} token", role=role, actor=SYSTEM)
            created[role] = secret
    return created


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def admin(tokens: dict[Role, str]) -> dict[str, str]:
    return bearer(tokens[Role.ADMIN])


@pytest.fixture
def officer(tokens: dict[Role, str]) -> dict[str, str]:
    return bearer(tokens[Role.PRIVACY_OFFICER])


@pytest.fixture
def auditor(tokens: dict[Role, str]) -> dict[str, str]:
    return bearer(tokens[Role.AUDITOR])


def random_email() -> str:
    return f"staff-{secrets.token_hex(4)}@example.org"


ORGANISATION: dict[str, Any] = {
    "legal_name": "Example Hosting SA",
    "address": "1 Rue de l'Exemple, 1000 Brussels",
    "country": "BE",
    "contact_email": "privacy@example.org",
    "dpo": {"name": "Dana Officer", "email": "dpo@example.org"},
    "lead_supervisory_authority": "Autorité de protection des données",
}


def activity(key: str = "billing", **fields: Any) -> dict[str, Any]:
    """A complete controller activity: no gaps unless a test takes something away."""
    single_basis = {} if "lawful_bases" in fields else {"lawful_basis": "contract"}
    return {
        "key": key,
        "name": fields.pop("name", f"Activity {key}"),
        "purpose": "Invoice customers and keep accounting records",
        "data_subject_categories": ["Customers"],
        "personal_data_categories": ["contact", "billing"],
        **single_basis,
        "recipients": ["Payment provider"],
        "retention": "Ten years",
        "security_measures": ["Encryption at rest"],
        "dpia": {"status": "not_required"},
        **fields,
    }


def environment_for(settings: Settings) -> dict[str, str]:
    """Environment for running the `privacy` command or server against the test database."""
    return {
        **os.environ,
        "PRIVACY_DATABASE_URL": settings.effective_database_url,
        "PRIVACY_DATA_DIR": str(settings.data_dir),
        "PRIVACY_SECRET_KEY": TEST_SECRET,
        "PRIVACY_OUTBOUND_ALLOW": settings.outbound_allow,
        "PRIVACY_EXTERNAL_SQLITE_DIR": str(settings.external_sqlite_dir or ""),
    }


def privacy_command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "privacy", *arguments]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: Playwright keeps an event loop running on the main thread for the rest
    of the session, where pytest-asyncio could no longer start its own."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


PASSWORD = "correct horse battery"


async def add_user(sessions: async_sessionmaker[AsyncSession], email: str, role: Role) -> None:
    async with sessions() as session, session.begin():
        await auth.create_user(session, email=email, password=PASSWORD, role=role, actor=SYSTEM)


async def csrf_token(client: AsyncTestClient[Litestar]) -> str:
    page = await client.get("/console/login")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token
    return token.group(1)


async def login(client: AsyncTestClient[Litestar], email: str, password: str = PASSWORD) -> int:
    token = await csrf_token(client)
    response = await client.post(
        "/console/login",
        data={"email": email, "password": password, "_csrf_token": token},
        follow_redirects=False,
    )
    return response.status_code
