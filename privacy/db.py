"""Database: declarative base, engine and session configuration, migrations."""

from __future__ import annotations

import contextlib
import io
import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, cast

from advanced_alchemy.extensions.litestar import (
    AlembicAsyncConfig,
    AlembicCommands,
    AsyncSessionConfig,
    EngineConfig,
    SQLAlchemyAsyncConfig,
)
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, CursorResult, Executable, MetaData, Table, event, make_url
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import ConnectionPoolEntry, NullPool

from privacy.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


JSONDocument = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: DateTimeUTC(timezone=True), dict[str, Any]: JSONDocument, list[Any]: JSONDocument}


ENCRYPTION_CONTEXT = "encryption_context"


def encrypted(context: str) -> dict[str, str]:
    """The `info` of a column holding a field sealed by `privacy.keys.encrypt_field`: the context
    it is bound to, with the names of its row's columns in braces (`"staff_user:{id}:email"`). Each
    context is written once, in the model; key rotation walks the models' metadata to find them."""
    return {ENCRYPTION_CONTEXT: context}


def field_context(column: Any, **row: Any) -> str:
    """The context of the field `column` (a mapped attribute such as `StaffUser.email_encrypted`)
    in the row whose values are given."""
    template: str = column.property.columns[0].info[ENCRYPTION_CONTEXT]
    return template.format(**row)


RETENTION_STORE = "retention_store"


class WholeParts(Protocol):
    """A table kept in parts (consent records in months on PostgreSQL) that a delete sweep drops
    whole where every row of a part is past the cutoff, instead of deleting row by row."""

    async def parts_before(self, connection: AsyncConnection, cutoff: datetime) -> list[Any]:
        """The parts wholly before `cutoff`; none when the table is not kept in parts here."""

    async def holds_any(self, connection: AsyncConnection, part: Any, record_keys: list[str]) -> bool: ...

    async def drop(self, connection: AsyncConnection, part: Any) -> int:
        """Drop the part; answers how many rows went with it."""


@dataclass(frozen=True)
class ToolkitStore:
    """One of the toolkit's own tables that retention rules may sweep, declared in the `info` of its
    table (`__table_args__ = {"info": sweepable(...)}`) by the domain that owns it: retention finds
    the stores in the models' metadata, as key rotation finds encrypted columns."""

    name: str
    description: str  # what it holds, in English marked for the catalogues (privacy.i18n.N_)
    timestamp: str  # the column holding the event the period runs from
    key: str = "id"  # the column batches go by
    subject_hash: str | None = None  # the person's keyed hash, for legal holds on a person
    whole_parts: WholeParts | None = None


def sweepable(
    name: str,
    *,
    description: str,
    timestamp: str,
    key: str = "id",
    subject_hash: str | None = None,
    whole_parts: WholeParts | None = None,
) -> dict[str, Any]:
    return {RETENTION_STORE: ToolkitStore(name, description, timestamp, key, subject_hash, whole_parts)}


def toolkit_stores() -> dict[str, tuple[Table, ToolkitStore]]:
    """Every store declared by the models imported, by name."""
    return {
        table.info[RETENTION_STORE].name: (table, table.info[RETENTION_STORE])
        for table in Base.metadata.sorted_tables
        if RETENTION_STORE in table.info
    }


# What code outside a request uses to open sessions: `async with sessions() as session`.
SessionFactory = Callable[[], AsyncSession]


async def rows_changed(session: AsyncSession, statement: Executable) -> int:
    """How many rows an UPDATE or DELETE changed: with its conditions in the statement, a change
    that holds at most once (a claim, a decision) is a row count of 1, however many try at once."""
    result = await session.execute(statement)
    return int(cast(CursorResult[Any], result).rowcount)


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_data_folder(path: Path) -> None:
    """The embedded default's folder (database, secret key) is for the service's user alone: 0700
    whatever the umask, which `mkdir` applies to the mode it is given. A folder that exists already
    keeps the mode its operator gave it."""
    try:
        path.mkdir(parents=True, mode=0o700)
    except FileExistsError:
        return
    path.chmod(0o700)


def create_private_file(path: Path) -> None:
    """An empty file only its owner may read or write (0600 whatever the umask), unless it exists."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    try:
        os.fchmod(descriptor, 0o600)
    finally:
        os.close(descriptor)


# advanced-alchemy keeps the state keys of every config made in the process and renames a repeat
# by trying key_1, key_2... recursively: a process making many apps (the test suite) would overflow
# the stack, so each config gets keys of its own.
_config_numbers = itertools.count()


def database_config(settings: Settings, *, session_info: dict[str, Any] | None = None) -> SQLAlchemyAsyncConfig:
    number = next(_config_numbers)
    url = settings.effective_database_url
    if settings.embedded:
        make_data_folder(settings.data_dir)
        # Made here rather than by SQLite, which would follow the umask (often 0644). An empty file
        # is an empty database to SQLite, and its -wal and -shm files take this file's mode.
        create_private_file(Path(str(make_url(url).database)))
    config = SQLAlchemyAsyncConfig(
        connection_string=url,
        metadata=Base.metadata,
        engine_config=EngineConfig(pool_pre_ping=not url.startswith("sqlite")),
        session_config=AsyncSessionConfig(expire_on_commit=False, info=session_info or {}),
        alembic_config=AlembicAsyncConfig(
            script_location=str(MIGRATIONS),
            version_table_name="alembic_version",
            render_as_batch=True,
            user_module_prefix=None,
        ),
        before_send_handler="autocommit_include_redirects",
        session_scope_key=f"_sqlalchemy_db_session_{number}",
        engine_app_state_key=f"db_engine_{number}",
        session_maker_app_state_key=f"db_sessions_{number}",
    )
    if url.startswith("sqlite"):
        event.listen(config.get_engine().sync_engine, "connect", _sqlite_pragmas)
    return config


def own_engine(settings: Settings) -> AsyncEngine:
    """Another engine on the toolkit's own database (a sweep's batches), without a pool, set up as
    the app's: on SQLite its foreign keys enforced, so deleting a row deletes what hangs off it."""
    url = settings.effective_database_url
    engine = create_async_engine(url, poolclass=NullPool)
    if url.startswith("sqlite"):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def migration_commands(settings: Settings) -> AlembicCommands:
    return AlembicCommands(sqlalchemy_config=database_config(settings))


def upgrade_database(settings: Settings) -> None:
    """Migrate to head. Must be called outside a running event loop (Alembic's env runs its own).
    Migrations that move encrypted fields get the keyring."""
    from privacy.keys import Keyring, load_master_secret  # the keys module needs this one's tables

    commands = migration_commands(settings)
    commands.config.attributes["keyring"] = Keyring(load_master_secret(settings))
    with contextlib.redirect_stdout(io.StringIO()):
        commands.upgrade("head")
