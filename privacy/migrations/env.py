"""Alembic environment: runs on the engine advanced-alchemy's command config hands over."""

import asyncio
from typing import TYPE_CHECKING, Any, cast

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeDecorator

import privacy.composition  # noqa: F401  (every domain's tables on the metadata)
from consent.partitions import is_partition
from privacy.db import Base

if TYPE_CHECKING:
    from advanced_alchemy.alembic.commands import AlembicCommandConfig
    from sqlalchemy.ext.asyncio import AsyncEngine

config = cast("AlembicCommandConfig", context.config)


def compare_type(
    _context: Any, _inspected: Any, _metadata: Any, _inspected_type: Any, metadata_type: Any
) -> bool | None:
    # Decorated types (GUID, DateTimeUTC) reflect as their storage type; compare the rest as usual.
    if isinstance(metadata_type, TypeDecorator):
        return False
    return None


def include_name(name: str | None, type_: str, _parent_names: Any) -> bool:
    # Consent records' month partitions (PostgreSQL) are made at run time, not by the models.
    return not (type_ == "table" and name is not None and is_partition(name))


def do_run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        version_table=config.version_table_name,
        render_as_batch=config.render_as_batch,
        compare_type=compare_type,
        include_name=include_name,
        user_module_prefix=config.user_module_prefix,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    engine = cast("AsyncEngine", config.engine)
    async with engine.connect() as connection:
        await connection.run_sync(do_run_migrations)
    await engine.dispose()


asyncio.run(run_migrations_online())
