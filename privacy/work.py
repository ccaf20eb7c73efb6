"""Background work: passes over the jobs (delivering mail, working requests, reminders...), each
of which claims its durable state with a lease (`privacy.leases`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from privacy.db import SessionFactory, utcnow
from privacy.domain import Job
from privacy.settings import Settings

logger = logging.getLogger("privacy.work")


async def run_jobs(sessions: SessionFactory, jobs: Sequence[Job], *, settings: Settings) -> None:
    """One pass over every job, each in its own session; a failing job does not stop the others."""
    for job in jobs:
        try:
            async with sessions() as session:
                await job(session, utcnow(), settings)
                await session.commit()
        except Exception as error:  # a broken job must not stop the rest of the background work
            # The type only: database errors carry their parameters, which may be personal data.
            logger.error("background job %s failed: %s", getattr(job, "__name__", job), type(error).__name__)


async def run_forever(sessions: SessionFactory, jobs: Sequence[Job], *, settings: Settings) -> None:
    while True:
        await run_jobs(sessions, jobs, settings=settings)
        await asyncio.sleep(settings.background_interval_seconds)


class BackgroundWork:
    """Background work inside `privacy serve` (unless switched off for separate `privacy worker`s)."""

    def __init__(self, sessions: SessionFactory, jobs: Sequence[Job], *, settings: Settings) -> None:
        self._sessions, self._jobs, self._settings = sessions, jobs, settings
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._settings.background_work:
            self._task = asyncio.create_task(run_forever(self._sessions, self._jobs, settings=self._settings))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
