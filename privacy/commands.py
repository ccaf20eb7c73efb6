"""What every command of the `privacy` command line shares: its settings, a database session factory
(the embedded default migrated first), and errors printed as a person reads them."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import NoReturn, TypeVar

import click

from privacy.db import SessionFactory, database_config, upgrade_database
from privacy.errors import PrivacyError
from privacy.keys import Keyring, load_master_secret
from privacy.settings import Settings

T = TypeVar("T")


def settings() -> Settings:
    return Settings()


@contextlib.asynccontextmanager
async def sessions_for(settings: Settings) -> AsyncIterator[SessionFactory]:
    config = database_config(settings, session_info={"keyring": Keyring(load_master_secret(settings))})
    try:
        yield config.create_session_maker()
    finally:
        await config.get_engine().dispose()


def run(settings: Settings, work: Callable[[SessionFactory], Awaitable[T]]) -> T:
    """Migrate the embedded default, then run `work` with a session factory; errors end the command."""
    if settings.embedded:
        upgrade_database(settings)

    async def main() -> T:
        async with sessions_for(settings) as sessions:
            return await work(sessions)

    try:
        return asyncio.run(main())
    except PrivacyError as error:
        fail(error)


def fail(error: PrivacyError) -> NoReturn:
    click.secho(f"error: {error.detail}", fg="red", err=True)
    for item in error.errors:
        click.echo(f"  {item.path}: {item.message}", err=True)
    sys.exit(2)


def run_or_fail(work: Callable[[], T]) -> T:
    """`work`'s answer, or its error printed and the command ended (for checks before any database)."""
    try:
        return work()
    except PrivacyError as error:
        fail(error)
