"""Review of retention rules: a new rule, or one changed in what it sweeps (`service.SWEEPS`),
removes nothing until a privacy officer or an administrator has seen its dry run and approved it.
The audit trail keeps who approved, when, and the dry-run counts they saw."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from privacy.actors import Actor
from privacy.audit import record_change
from privacy.errors import Conflict, NotFound
from retention.models import RetentionRule, RetentionRun
from retention.schemas import ApprovalOut, ReviewOut, RuleIn, RunOut
from retention.service import run_out


@dataclass(frozen=True)
class PlannedRule:
    """A rule as `privacy retention run` sees it."""

    rule: RuleIn
    awaiting_review: bool

    def held_back(self, *, named: bool) -> str | None:
        """Why a run now leaves the rule out, or None when it sweeps it. A disabled rule named on
        the command line is swept (a person asked for it); one awaiting review never is."""
        reasons = ["disabled"] if not self.rule.enabled and not named else []
        reasons += ["awaiting review"] if self.awaiting_review else []
        return " and ".join(reasons) or None


async def planned_rules(session: AsyncSession, *, key: str | None) -> list[PlannedRule]:
    """The rule named, or every rule, enabled or not, awaiting review or not."""
    query = select(RetentionRule).order_by(RetentionRule.key)
    if key is not None:
        query = query.where(RetentionRule.key == key)
    rows = list(await session.scalars(query))
    if key is not None and not rows:
        raise NotFound(f"no retention rule '{key}'")
    return [PlannedRule(RuleIn.model_validate(row.content), row.awaiting_review) for row in rows]


def _dry_runs_since_change(row: RetentionRule) -> Select[tuple[RetentionRun]]:
    """Dry runs of the rule as it is now, the latest first."""
    return (
        select(RetentionRun)
        .where(
            RetentionRun.rule_key == row.key, RetentionRun.dry_run == true(), RetentionRun.started_at >= row.updated_at
        )
        .order_by(RetentionRun.started_at.desc(), RetentionRun.id.desc())
    )


async def _current_dry_run(session: AsyncSession, row: RetentionRule) -> RetentionRun | None:
    """The latest finished dry run of the rule as it is now: the counts a reviewer sees."""
    run: RetentionRun | None = await session.scalar(
        _dry_runs_since_change(row).where(RetentionRun.status == "finished").limit(1)
    )
    return run


async def _rule_row(session: AsyncSession, key: str) -> RetentionRule:
    row = await session.scalar(select(RetentionRule).where(RetentionRule.key == key))
    if row is None:
        raise NotFound(f"no retention rule '{key}'")
    return row


async def review_of(session: AsyncSession, *, key: str) -> ReviewOut:
    row = await _rule_row(session, key)
    run = await _current_dry_run(session, row)
    return ReviewOut(rule=key, awaiting_review=row.awaiting_review, dry_run=run_out(run) if run else None)


async def awaiting_review(session: AsyncSession) -> dict[str, RunOut | None]:
    """Each rule awaiting review with the dry run a reviewer approves (None until one has finished)."""
    rows = await session.scalars(
        select(RetentionRule).where(RetentionRule.awaiting_review == true()).order_by(RetentionRule.key)
    )
    return {row.key: run_out(run) if (run := await _current_dry_run(session, row)) else None for row in rows}


async def without_dry_run(session: AsyncSession) -> list[str]:
    """Rules awaiting review that no dry run has tried since their change: background work dry-runs
    them once, so a reviewer finds their counts (a failed one is tried again by a person)."""
    rows = await session.scalars(
        select(RetentionRule).where(RetentionRule.awaiting_review == true()).order_by(RetentionRule.key)
    )
    return [row.key for row in rows if await session.scalar(_dry_runs_since_change(row).limit(1)) is None]


async def awaiting_rule(session: AsyncSession, *, key: str) -> RetentionRule:
    row = await _rule_row(session, key)
    if not row.awaiting_review:
        raise Conflict(f"retention rule '{key}' is not awaiting review")
    return row


async def approve_rule(session: AsyncSession, *, key: str, run_id: int, actor: Actor, now: datetime) -> ApprovalOut:
    """Approve a rule awaiting review on the basis of the dry run the approver saw: a finished dry
    run of the rule as it is now."""
    row = await awaiting_rule(session, key=key)
    run = await session.scalar(_dry_runs_since_change(row).where(RetentionRun.id == run_id))
    if run is None or run.status != "finished":
        raise Conflict(f"run {run_id} is not a finished dry run of retention rule '{key}' as it is now")
    row.awaiting_review = False
    seen = run_out(run)
    counts = seen.counts.model_dump()
    await record_change(
        session,
        actor=actor,
        action="retention.rule_approved",
        object_type="retention_rule",
        object_id=key,
        before={"awaiting_review": True},
        after={"awaiting_review": False, "dry_run": seen.id, "cutoff": seen.cutoff.isoformat(), "counts": counts},
        now=now,
    )
    return ApprovalOut(rule=key, approved_by=actor.reference, approved_at=now, dry_run=seen)
