"""Group commit for consent records: the records of concurrent requests share one transaction, and
each request is answered only once the transaction holding its record has committed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from sqlalchemy import insert

from consent.models import ConsentRecord
from privacy.db import SessionFactory
from privacy.errors import Unavailable

logger = logging.getLogger("consent.recorder")
MAX_BATCH = 1000

Pending = tuple[dict[str, Any], "asyncio.Future[None]"]


class RecordWriter:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions
        self._queue: asyncio.Queue[Pending] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def write(self, record: dict[str, Any]) -> None:
        """Returns once the record is durable; raises `Unavailable` when it could not be stored."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self._queue.put((record, done))
        await done

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        while not self._queue.empty():  # what was accepted before shutdown is still written
            await self._commit(self._take_batch([self._queue.get_nowait()]))
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            # While one transaction commits, the next requests gather in the queue: the batch grows
            # with the load, and no request waits for a timer.
            await self._commit(self._take_batch([await self._queue.get()]))

    def _take_batch(self, batch: list[Pending]) -> list[Pending]:
        while len(batch) < MAX_BATCH and not self._queue.empty():
            batch.append(self._queue.get_nowait())
        return batch

    async def _commit(self, batch: list[Pending]) -> None:
        try:
            async with self._sessions() as session, session.begin():
                await session.execute(insert(ConsentRecord), [record for record, _ in batch])
        except Exception as error:
            logger.error("storing %d consent records failed: %s", len(batch), type(error).__name__)
            for _, done in batch:
                if not done.done():
                    done.set_exception(Unavailable("the choice could not be stored; please try again"))
            return
        for _, done in batch:
            if not done.done():
                done.set_result(None)
