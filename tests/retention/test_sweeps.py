"""A sweep as a whole: a killed sweep resumed where it stopped with its counts, one sweeper per rule."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from privacy.errors import Conflict
from privacy.settings import Settings
from retention import service
from retention.models import RetentionRule
from tests.retention.conftest import NOW, Sessions, events_rule, ids, run, save


async def test_killed_sweep_resumes_where_it_stopped_and_counts_add_up(
    org_sessions: Sessions, settings: Settings, events: str
) -> None:
    await save(org_sessions, events_rule())

    def die_after_first_batch(done: int, total: int) -> None:
        raise KeyboardInterrupt  # the process is stopped between two batches

    with pytest.raises(KeyboardInterrupt):
        await run(org_sessions, settings, batch_size=4, progress=die_after_first_batch)
    assert await ids(events) == list(range(5, 17))
    resumed = await run(org_sessions, settings, batch_size=4)
    assert resumed.counts.deleted == 10, "the resumed run carries the first batch's counts"
    assert await ids(events) == list(range(11, 17))
    async with org_sessions() as session:
        assert [r.status for r in await service.list_runs(session)] == ["finished"]


async def test_one_sweeper_per_rule(org_sessions: Sessions, settings: Settings, events: str) -> None:
    await save(org_sessions, events_rule())
    async with org_sessions() as session, session.begin():  # another worker holds the lease
        await session.execute(update(RetentionRule).values(lease_until=NOW.replace(year=2030)))
    with pytest.raises(Conflict):
        await run(org_sessions, settings)
    assert await ids(events) == list(range(1, 17))
