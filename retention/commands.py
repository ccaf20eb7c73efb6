"""`privacy retention run`: sweep now, with a progress bar per store; `privacy retention approve`:
a rule awaiting review runs once a person has seen its dry run; `privacy retention holds`: the
legal holds in words."""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy.ext.asyncio import AsyncSession

from privacy import commands
from privacy.actors import Actor
from privacy.db import SessionFactory, utcnow
from privacy.settings import Settings
from retention import review, sweeps
from retention import service as retention_service
from retention.schemas import ApprovalOut, RunOut


@click.group("retention")
def retention_group() -> None:
    """Retention sweeps."""


@retention_group.command("run", short_help="Sweep now, with progress; a killed sweep resumes where it was.")
@click.option("--rule", "rule_key", default=None, help="One rule (by key); all enabled rules when left out.")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Count what each rule, enabled or not, would delete, anonymise, restrict or hold, and say which would run.",
)
def retention_run(rule_key: str | None, dry_run: bool) -> None:
    """Sweep now, with a progress bar per store; a killed sweep resumes where it stopped. Rules
    awaiting review are left out (approve them with `privacy retention approve`)."""
    settings = commands.settings()

    async def work(sessions: SessionFactory) -> list[str]:
        async with sessions() as session:
            named = rule_key is not None
            planned = await review.planned_rules(session, key=rule_key)
            return [await _run_one(session, rule, settings, dry_run=dry_run, named=named) for rule in planned]

    for line in commands.run(settings, work):
        click.echo(line)


async def _run_one(
    session: AsyncSession, planned: review.PlannedRule, settings: Settings, *, dry_run: bool, named: bool
) -> str:
    """A rule swept (or dry-run), or left out with the reason, in one line."""
    key, held_back = planned.rule.key, planned.held_back(named=named)
    if dry_run:
        counted = _counted(await _sweep_with_progress(session, key, settings, dry_run=True))
        return f"{counted}; {f'would not run now: {held_back}' if held_back else 'would run now'}"
    if held_back:
        return f"{key}: not run ({held_back})"
    return _counted(await _sweep_with_progress(session, key, settings, dry_run=False))


async def _sweep_with_progress(session: AsyncSession, key: str, settings: Settings, *, dry_run: bool) -> RunOut:
    loaded = await retention_service.load_rule(session, key=key)
    with click.progressbar(length=1, label=f"{key} ({loaded.rule.store.label()})") as bar:

        def advance(done: int, total: int, bar: Any = bar) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        now = utcnow()
        run = await sweeps.sweep(session, rule_key=key, settings=settings, now=now, dry_run=dry_run, progress=advance)
    return retention_service.run_out(run)


def _counted(run: RunOut) -> str:
    words = run.counts.in_words(dry_run=run.dry_run)
    return f"{run.rule} on {run.store}: {words} (cutoff {run.cutoff:%Y-%m-%d %H:%M} UTC){run.held_in_words()}"


@retention_group.command("holds", short_help="List the legal holds: what each covers, until when and why.")
def retention_holds() -> None:
    """Every legal hold, the latest placed first, in words: what it covers (never whom), how long it
    keeps its rows, why, and who placed it."""
    settings = commands.settings()

    async def work(sessions: SessionFactory) -> list[str]:
        async with sessions() as session:
            return [
                f"{hold.covers}, kept {hold.kept}: {hold.reason} (placed {hold.placed_at:%Y-%m-%d} by {hold.placed_by})"
                for hold in await retention_service.list_holds(session)
            ]

    for line in commands.run(settings, work) or ["No legal holds."]:
        click.echo(line)


@retention_group.command("approve", short_help="Approve a rule awaiting review, after seeing its dry run.")
@click.argument("key")
@click.option("--by", "approver", required=True, help="Who approves (a privacy officer or an administrator).")
@click.option("--yes", is_flag=True, help="Approve without asking, once the dry run is shown.")
def retention_approve(key: str, approver: str, yes: bool) -> None:
    """Dry-run the rule, show its counts and, once confirmed, approve it: it runs from then on. The
    audit trail keeps who approved, when, and the counts shown."""
    settings = commands.settings()

    async def work(sessions: SessionFactory) -> ApprovalOut | None:
        async with sessions() as session:
            await review.awaiting_rule(session, key=key)
            run = await _sweep_with_progress(session, key, settings, dry_run=True)
            click.echo(_counted(run))
            if not yes and not click.confirm(f"Approve retention rule {key}?"):
                return None
            actor = Actor.system(f"command line: {approver}")
            approval = await review.approve_rule(session, key=key, run_id=run.id, actor=actor, now=utcnow())
            await session.commit()
            return approval

    approval = commands.run(settings, work)
    click.echo(f"{key}: approved by {approval.approved_by}" if approval else f"{key}: still awaiting review")
