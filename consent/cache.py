"""The consent set-up held in memory by every process, refreshed when its revision changes, so the
decision path reads no database."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from consent.decisions import LoadedSetup
from consent.setup import load_setup, setup_etag
from privacy.db import SessionFactory
from privacy.errors import NotFound

logger = logging.getLogger("consent.cache")


class SetupCache:
    def __init__(self, sessions: SessionFactory, *, interval: float) -> None:
        self._sessions = sessions
        self._interval = interval
        self._task: asyncio.Task[None] | None = None
        self.current: LoadedSetup | None = None

    def require(self) -> LoadedSetup:
        if self.current is None:
            raise NotFound("consent has not been set up yet")
        return self.current

    async def refresh(self) -> None:
        async with self._sessions() as session:
            etag = await setup_etag(session)
            if etag is None:
                self.current = None
            elif self.current is None or self.current.etag != etag:
                self.current = await load_setup(session)

    async def start(self) -> None:
        await self.refresh()
        self._task = asyncio.create_task(self._poll())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.refresh()
            except Exception as error:  # a database hiccup keeps the last good set-up in use
                logger.warning("consent set-up refresh failed: %s", type(error).__name__)
