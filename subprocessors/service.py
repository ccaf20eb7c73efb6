"""The sub-processor register and its lifecycle: proposed -> announced (the notice period, during
which customers may object) -> active -> retired. Every change is a dated version of the list, so
the list as it stood on any day can be rebuilt."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from privacy.actors import Actor
from privacy.audit import record_change
from privacy.bundle import Archive
from privacy.config_file import Change, apply_each, change_of
from privacy.csvfile import csv_bytes
from privacy.errors import Conflict, FieldError, Invalid, NotFound
from privacy.register import service as register
from privacy.settings import Settings
from subprocessors import lifecycle, notices
from subprocessors.lifecycle import ACTIVATE, RETIRE, add_change, enter
from subprocessors.models import SubProcessor, SubProcessorChange
from subprocessors.schemas import AnnouncementIn, ChangeOut, ListOut, Status, Step, SubProcessorIn, SubProcessorOut

# Changes of sub-processors not yet announced are internal: the public list and feeds leave them out.
PUBLISHED = (Status.ANNOUNCED.value, Status.ACTIVE.value, Status.RETIRED.value)


async def list_subprocessors(session: AsyncSession) -> list[SubProcessor]:
    return list(await session.scalars(select(SubProcessor).order_by(SubProcessor.key)))


async def get_subprocessor(session: AsyncSession, *, key: str) -> SubProcessor:
    row = await session.scalar(select(SubProcessor).where(SubProcessor.key == key))
    if row is None:
        raise NotFound(f"no sub-processor '{key}'")
    return row


@dataclass
class Saved:
    row: SubProcessor
    created: bool
    fields: list[str] = field(default_factory=list)  # what changed: published fields, `lifecycle`

    @property
    def changed(self) -> bool:
        return self.created or bool(self.fields)


async def save_subprocessor(
    session: AsyncSession, *, subprocessor: SubProcessorIn, settings: Settings, actor: Actor, now: datetime
) -> Saved:
    """Create (proposed, unless it states its lifecycle) or update the published details, an update
    being a dated version of the list like any other change; then put on record the changes of its
    lifecycle it states and the record lacks (`subprocessors.lifecycle`)."""
    await _check_links(session, subprocessor)
    claim = lifecycle.claimed(subprocessor)
    row = await session.scalar(select(SubProcessor).where(SubProcessor.key == subprocessor.key))
    content = subprocessor.content()
    if row is None:
        row = SubProcessor(key=subprocessor.key, content=content, status=Status.PROPOSED.value, updated_at=now)
        session.add(row)
        saved = Saved(row, created=True)
        claim = claim or [lifecycle.Entry(Step.PROPOSED, now)]
    else:
        differing = [name for name in {**row.content, **content} if row.content.get(name) != content.get(name)]
        saved = Saved(row, created=False, fields=differing)
    before = None if saved.created else {**row.content, "status": row.status}
    details_changed = saved.created or bool(saved.fields)
    if saved.fields:
        row.content, row.updated_at = content, now
        add_change(session, row, kind="updated", at=now)
    if claim and await lifecycle.put_on_record(session, row, claim, settings=settings, actor=actor, now=now):
        saved.fields.append("lifecycle")
    if details_changed:
        await record_change(
            session,
            actor=actor,
            action="subprocessor.saved",
            object_type="subprocessor",
            object_id=row.key,
            before=before,
            after={**content, "status": row.status},
            now=now,
        )
    return saved


async def _check_links(session: AsyncSession, subprocessor: SubProcessorIn) -> None:
    activities = {activity.key for activity in await register.list_activities(session)}
    categories = {category.key for category in await register.data_categories(session)}
    errors = [
        FieldError(f"activities[{index}]", f"no activity '{key}' in the register")
        for index, key in enumerate(subprocessor.activities)
        if key not in activities
    ] + [
        FieldError(f"data_categories[{index}]", f"no data category '{key}' in the register")
        for index, key in enumerate(subprocessor.data_categories)
        if key not in categories
    ]
    if errors:
        raise Invalid("the sub-processor names what the register does not have", errors=errors)


async def announce(
    session: AsyncSession, *, key: str, announcement: AnnouncementIn, settings: Settings, actor: Actor, now: datetime
) -> SubProcessorChange:
    """Announce a proposed sub-processor: it becomes active on the effective date, at least the
    notice period ahead; customers may object until then; every confirmed subscriber is told."""
    row = await get_subprocessor(session, key=key)
    if row.status != Status.PROPOSED.value:
        raise Conflict(f"only a proposed sub-processor can be announced; '{key}' is {row.status}")
    return await _announce_change(session, row, announcement, settings, pending=ACTIVATE, actor=actor, now=now)


async def retire(
    session: AsyncSession, *, key: str, announcement: AnnouncementIn, settings: Settings, actor: Actor, now: datetime
) -> SubProcessorChange:
    """Announce that an active sub-processor stops: the same notice, the same emails."""
    row = await get_subprocessor(session, key=key)
    if row.status != Status.ACTIVE.value or row.pending is not None:
        raise Conflict(f"only an active sub-processor with no change announced can be retired; '{key}' is {row.status}")
    return await _announce_change(session, row, announcement, settings, pending=RETIRE, actor=actor, now=now)


def earliest_effective_date(settings: Settings, *, today: date) -> date:
    """A change announced today takes effect after the notice period at the earliest."""
    return today + timedelta(days=settings.subprocessor_notice_days)


async def _announce_change(
    session: AsyncSession,
    row: SubProcessor,
    announcement: AnnouncementIn,
    settings: Settings,
    *,
    pending: str,
    actor: Actor,
    now: datetime,
) -> SubProcessorChange:
    notice_days = settings.subprocessor_notice_days
    earliest = earliest_effective_date(settings, today=now.date())
    effective_on = announcement.effective_on or earliest
    if effective_on < earliest:
        raise Invalid(
            f"the notice period is {notice_days} days: the change can take effect on {earliest} at the earliest",
            errors=[FieldError("effective_on", f"before {earliest}")],
        )
    step = Step.ANNOUNCED if pending == ACTIVATE else Step.RETIREMENT_ANNOUNCED
    enter(row, step, effective_on=effective_on)
    row.updated_at = now
    kind = step.value
    change = add_change(session, row, kind=kind, at=now, summary=announcement.summary)
    await session.flush()
    await record_change(
        session,
        actor=actor,
        action=f"subprocessor.{kind}",
        object_type="subprocessor",
        object_id=row.key,
        before=None,
        after={"effective_on": effective_on.isoformat(), "summary": announcement.summary},
        now=now,
    )
    await notices.tell_subscribers(session, change=change, public_url=settings.public_url, now=now)
    return change


async def put_announced_changes_into_effect(session: AsyncSession, *, now: datetime) -> int:
    """Background work: announced changes whose effective date has come take effect."""
    due = list(
        await session.scalars(
            select(SubProcessor).where(SubProcessor.pending.is_not(None), SubProcessor.effective_on <= now.date())
        )
    )
    for row in due:
        step = Step.RETIRED if row.pending == RETIRE else Step.ACTIVATED
        enter(row, step)
        row.updated_at = now
        add_change(session, row, kind=step.value, at=now)
        await record_change(
            session,
            actor=Actor.system("background work"),
            action=f"subprocessor.{row.status}",
            object_type="subprocessor",
            object_id=row.key,
            before=None,
            after={"status": row.status},
            now=now,
        )
    if due:
        await session.commit()
    return len(due)


@dataclass(frozen=True)
class StandingEntry:
    change: SubProcessorChange  # the last change of that sub-processor on or before the day


async def list_on(session: AsyncSession, *, day: date) -> ListOut:
    """The published list as it stood at the end of `day` (UTC), with the changes announced by then
    and not yet in effect."""
    end_of_day = datetime.combine(day + timedelta(days=1), time(), UTC)
    changes = await session.scalars(
        select(SubProcessorChange)
        .where(SubProcessorChange.at < end_of_day, SubProcessorChange.status_after.in_(PUBLISHED))
        .order_by(SubProcessorChange.id)
    )
    last: dict[str, SubProcessorChange] = {}
    for change in changes:
        last[change.key] = change
    standing = [change for change in last.values() if change.status_after != Status.RETIRED.value]
    announced = [
        change
        for change in standing
        if change.kind in ("announced", "retirement_announced")
        and change.effective_on is not None
        and change.effective_on > day
    ]
    in_force = [change for change in standing if change.status_after == Status.ACTIVE.value]
    return ListOut(
        at=day,
        subprocessors=[entry_out(change) for change in sorted(in_force, key=lambda c: c.key)],
        announced=[change_out(change) for change in sorted(announced, key=lambda c: (c.effective_on, c.key))],
    )


def entry_out(change: SubProcessorChange) -> SubProcessorOut:
    pending = {"announced": ACTIVATE, "retirement_announced": RETIRE}.get(change.kind)
    return SubProcessorOut.model_validate(
        {
            **change.content,
            "status": change.status_after,
            "effective_on": change.effective_on if pending else None,
            "pending": pending,
        }
    )


def row_out(row: SubProcessor) -> SubProcessorOut:
    return SubProcessorOut.model_validate(
        {**row.content, "status": row.status, "effective_on": row.effective_on, "pending": row.pending}
    )


def change_out(change: SubProcessorChange) -> ChangeOut:
    return ChangeOut(
        id=change.id,
        key=change.key,
        name=str(change.content.get("name", change.key)),
        kind=change.kind,
        at=change.at,
        effective_on=change.effective_on,
        summary=change.summary,
    )


async def published_changes(session: AsyncSession, *, limit: int = 500) -> list[SubProcessorChange]:
    """The history of the public list, newest first."""
    rows = await session.scalars(
        select(SubProcessorChange)
        .where(SubProcessorChange.status_after.in_(PUBLISHED))
        .order_by(SubProcessorChange.at.desc(), SubProcessorChange.id.desc())
        .limit(limit)
    )
    return list(rows)


async def history(session: AsyncSession) -> list[SubProcessorChange]:
    """Every change, proposals included, oldest first: the auditor's view."""
    return list(await session.scalars(select(SubProcessorChange).order_by(SubProcessorChange.id)))


# The `subprocessors` block of the configuration file, and their part of the auditor's bundle.


async def apply_subprocessors_block(
    session: AsyncSession, subprocessors: list[SubProcessorIn], actor: Actor, settings: Settings, now: datetime
) -> list[Change]:
    async def apply_one(subprocessor: SubProcessorIn) -> Change:
        saved = await save_subprocessor(session, subprocessor=subprocessor, settings=settings, actor=actor, now=now)
        path = f"subprocessors[{subprocessor.key}]"
        return change_of(path, existed=not saved.created, changed=saved.changed, fields=saved.fields)

    return await apply_each("subprocessors", subprocessors, apply_one)


async def export_subprocessors_block(session: AsyncSession) -> list[dict[str, Any]] | None:
    """Each with its lifecycle and dates; subscribers and objections, personal data, stay out."""
    lifecycles = await lifecycle.on_record(session)
    rows = await list_subprocessors(session)
    # Through the schema: its field order, not the order PostgreSQL's JSONB keeps keys in.
    return [{**_as_written(row.content), **lifecycle.exported(lifecycles.get(row.key, []))} for row in rows] or None


def _as_written(content: dict[str, Any]) -> dict[str, Any]:
    return SubProcessorIn.model_validate(content).model_dump(mode="json", exclude_unset=True)


async def subprocessors_bundle_part(session: AsyncSession, archive: Archive, now: datetime) -> None:
    """The list as it stands, and every change it went through."""
    listed = await list_on(session, day=now.date())
    archive.add_json("subprocessors/current.json", listed.model_dump(mode="json"))
    rows: list[list[Any]] = [["id", "key", "name", "kind", "at", "effective_on", "status_after", "summary"]]
    for change in await history(session):
        rows.append(
            [
                change.id, change.key, change.content.get("name", ""), change.kind, change.at.isoformat(),
                change.effective_on.isoformat() if change.effective_on else "", change.status_after,
                change.summary or "",
            ]
        )  # fmt: skip
    archive.add("subprocessors/history.csv", csv_bytes(rows))
