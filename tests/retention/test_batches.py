"""Batches by key over a real table of another system: the period's boundary, delete and restrict,
dry runs counting what the real run does, a finished sweep run again changing nothing; batches
sized to a time budget."""

from __future__ import annotations

from privacy.settings import Settings
from retention.batches import BATCH_SECONDS, MAX_GROWTH, next_size
from tests.retention.conftest import Sessions, events_rule, ids, run, run_sql, save


async def test_delete_takes_rows_before_the_cutoff_never_the_one_at_it(
    org_sessions: Sessions, settings: Settings, events: str
) -> None:
    await save(org_sessions, events_rule())
    dry = await run(org_sessions, settings, dry_run=True)
    assert await ids(events) == list(range(1, 17)), "a dry run changes nothing"
    real = await run(org_sessions, settings, batch_size=3)
    assert dry.counts == real.counts
    assert real.counts.deleted == 10 and real.counts.held == 0
    assert await ids(events) == list(range(11, 17)), "the row exactly at the cutoff stays"
    again = await run(org_sessions, settings)
    assert again.counts.deleted == 0, "a finished sweep, run again, changes nothing"


async def test_restrict_marks_rows_once(org_sessions: Sessions, settings: Settings, events: str) -> None:
    await save(org_sessions, events_rule(action="restrict"))
    assert (await run(org_sessions, settings)).counts.restricted == 10
    assert (await run(org_sessions, settings)).counts.restricted == 0
    assert await run_sql(events, "SELECT count(*) FROM web_events WHERE restricted") == [(10,)]


def test_a_batch_takes_as_many_rows_as_fit_in_its_time_budget() -> None:
    assert next_size(10_000, BATCH_SECONDS * 2) == 5_000, "a slow batch: the next one smaller"
    assert next_size(10_000, BATCH_SECONDS / 2) == 20_000, "a quick batch: the next one larger"
    assert next_size(10_000, BATCH_SECONDS / 1000) == 10_000 * MAX_GROWTH, "growing a few times over at most"
    assert next_size(1, 60.0) == 1, "always at least a row"
