"""`privacy retention run`: sweep now, with a progress bar per store."""

from __future__ import annotations

from typing import Any

import click

from privacy import commands
from privacy.db import SessionFactory, utcnow
from retention import service as retention_service
from retention import sweeps
from retention.schemas import RunOut


@click.group("retention")
def retention_group() -> None:
    """Retention sweeps."""


@retention_group.command("run", short_help="Sweep now, with progress; a killed sweep resumes where it was.")
@click.option("--rule", "rule_key", default=None, help="One rule (by key); all enabled rules when left out.")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted, anonymised, restricted or held.")
def retention_run(rule_key: str | None, dry_run: bool) -> None:
    """Sweep now, with a progress bar per store; a killed sweep resumes where it stopped."""
    settings = commands.settings()

    async def work(sessions: SessionFactory) -> list[RunOut]:
        async with sessions() as session:
            runs = []
            for rule in await retention_service.rules_to_sweep(session, key=rule_key):
                with click.progressbar(length=1, label=f"{rule.key} ({rule.store.label()})") as bar:

                    def advance(done: int, total: int, bar: Any = bar) -> None:
                        bar.length = max(total, 1)
                        bar.update(done - bar.pos)

                    run = await sweeps.sweep(
                        session, rule_key=rule.key, settings=settings, now=utcnow(), dry_run=dry_run, progress=advance
                    )
                runs.append(retention_service.run_out(run))
            return runs

    for run in commands.run(settings, work):
        counts = run.counts
        verb = "would be" if dry_run else "were"
        click.echo(
            f"{run.rule} on {run.store}: {counts.deleted} deleted, {counts.anonymised} anonymised, "
            f"{counts.restricted} restricted, {counts.held} held ({verb} so, cutoff {run.cutoff:%Y-%m-%d %H:%M} UTC)"
        )
