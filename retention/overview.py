"""What the console's retention page shows: rules with their next run, the runs and what they
removed over time, the legal holds and the backup stores."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from retention import service
from retention.schemas import BackupStoreOut, HoldOut, RuleIn, RunOut


@dataclass(frozen=True)
class RetentionOverview:
    rules: list[tuple[RuleIn, datetime | None]]  # each rule with its next run
    runs: list[RunOut]
    removed: list[tuple[str, str, int]]  # (day, rule, rows deleted or anonymised), oldest first
    holds: list[HoldOut]
    backups: list[BackupStoreOut]
    backups_gone_by: date | None


async def overview(session: AsyncSession, *, now: datetime) -> RetentionOverview:
    rows = await service.list_rules(session)
    runs = await service.list_runs(session)
    return RetentionOverview(
        rules=[(RuleIn.model_validate(row.content), row.next_run_at) for row in rows],
        runs=runs,
        removed=_removed(runs)[-30:],
        holds=await service.list_holds(session),
        backups=await service.list_backups(session),
        backups_gone_by=await service.backups_gone_by(session, erased_at=now),
    )


def _removed(runs: list[RunOut]) -> list[tuple[str, str, int]]:
    """Rows each real run deleted or anonymised, oldest run first; runs that removed none left out."""
    return [
        (run.started_at.date().isoformat(), run.rule, run.counts.deleted + run.counts.anonymised)
        for run in reversed(runs)
        if not run.dry_run and run.counts.deleted + run.counts.anonymised
    ]
