"""A sub-processor's lifecycle as the configuration file records it: its dated changes, proposed ->
announced -> activated -> retirement_announced -> retired (or activated on the day of
`active_since` for one in use when the toolkit was set up). An export writes them; applying a file
puts on record those this installation does not have yet, with their dates, so another installation
is recreated as it was and the same one is left as it is. A history cannot be rewritten: a file that
says otherwise than the record is refused, in words."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from privacy.actors import Actor
from privacy.audit import record_change
from privacy.errors import FieldError, Invalid
from privacy.settings import Settings
from subprocessors import notices
from subprocessors.models import SubProcessor, SubProcessorChange
from subprocessors.schemas import ANNOUNCEMENTS, Status, Step, SubProcessorIn

ACTIVATE, RETIRE = "activate", "retire"
# The row after each change: its status and the change announced, if any.
AFTER: dict[Step, tuple[Status, str | None]] = {
    Step.PROPOSED: (Status.PROPOSED, None),
    Step.ANNOUNCED: (Status.ANNOUNCED, ACTIVATE),
    Step.ACTIVATED: (Status.ACTIVE, None),
    Step.RETIREMENT_ANNOUNCED: (Status.ACTIVE, RETIRE),
    Step.RETIRED: (Status.RETIRED, None),
}
PATHS = (tuple(Step), (Step.ACTIVATED, Step.RETIREMENT_ANNOUNCED, Step.RETIRED))
IN_ORDER = "proposed, announced, activated, retirement_announced, retired, each once and in that order"


@dataclass(frozen=True)
class Entry:
    """One change of the lifecycle; `place` is where the file states it (for its errors)."""

    change: Step
    at: datetime
    effective_on: date | None = None
    summary: str | None = None
    place: str = field(default="", compare=False)

    def words(self) -> str:
        moment = self.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        said = f" ('{self.summary}')" if self.summary else ""
        when = f" to take effect on {self.effective_on}" if self.change in ANNOUNCEMENTS else ""
        return f"{self.change.value.replace('_', ' ')} at {moment}{when}{said}"


def add_change(
    session: AsyncSession, row: SubProcessor, *, kind: str, at: datetime, summary: str | None = None
) -> SubProcessorChange:
    """A dated version of the list: the sub-processor as it stands after the change."""
    change = SubProcessorChange(
        key=row.key,
        kind=kind,
        at=at,
        effective_on=row.effective_on,
        status_after=row.status,
        content=dict(row.content),
        summary=summary,
    )
    session.add(change)
    return change


def enter(row: SubProcessor, step: Step, *, effective_on: date | None = None) -> None:
    """The row as it stands after a change; a change taking effect keeps the day it was announced for."""
    status, row.pending = AFTER[step]
    row.status = status.value
    if step in ANNOUNCEMENTS:
        row.effective_on = effective_on


def claimed(subprocessor: SubProcessorIn) -> list[Entry] | None:
    """The lifecycle an entry of the file states, checked for order (None: it states none)."""
    if subprocessor.active_since is None and subprocessor.lifecycle is None:
        return None
    entries = []
    if subprocessor.active_since is not None:
        at = datetime.combine(subprocessor.active_since, time(), UTC)
        entries.append(Entry(Step.ACTIVATED, at, place="active_since"))
    for index, change in enumerate(subprocessor.lifecycle or []):
        entries.append(Entry(change.change, change.at, change.effective_on, change.summary, f"lifecycle[{index}]"))
    errors = _order_errors(entries)
    if errors:
        raise Invalid("the sub-processor's lifecycle is not one that can happen", errors=errors)
    return entries


def _order_errors(entries: list[Entry]) -> list[FieldError]:
    steps = tuple(entry.change for entry in entries)
    if not any(path[: len(steps)] == steps for path in PATHS):
        wrong = next(i for i, step in enumerate(steps) if not any(p[: i + 1] == steps[: i + 1] for p in PATHS))
        where = entries[wrong].place
        return [FieldError(where, f"a lifecycle goes {IN_ORDER} (one in use since set-up starts at activated)")]
    errors = []
    for before, entry in pairwise(entries):
        if entry.at < before.at:
            errors.append(FieldError(entry.place, f"it comes before the change it follows ({before.words()})"))
        elif before.effective_on is not None and entry.at.date() < before.effective_on:
            errors.append(
                FieldError(entry.place, f"it comes before the day it was announced for ({before.effective_on})")
            )
    return errors


async def on_record(session: AsyncSession, *, key: str | None = None) -> dict[str, list[Entry]]:
    """The lifecycle on record of one sub-processor (of each, without `key`), oldest change first;
    changes of the published details left out."""
    query = select(SubProcessorChange).where(SubProcessorChange.kind.in_([step.value for step in Step]))
    if key is not None:
        query = query.where(SubProcessorChange.key == key)
    changes = await session.scalars(query.order_by(SubProcessorChange.id))
    found: dict[str, list[Entry]] = {}
    for change in changes:
        step = Step(change.kind)
        effective_on = change.effective_on if step in ANNOUNCEMENTS else None
        found.setdefault(change.key, []).append(Entry(step, change.at, effective_on, change.summary))
    return found


def exported(entries: list[Entry]) -> dict[str, Any]:
    """The fields an export writes: `active_since` for one in use since set-up, then `lifecycle`."""
    fields: dict[str, Any] = {}
    first = entries[0] if entries else None
    if first and first.change is Step.ACTIVATED and first.at.astimezone(UTC).time() == time():
        fields["active_since"] = first.at.astimezone(UTC).date().isoformat()
        entries = entries[1:]
    if entries:
        fields["lifecycle"] = [_exported_entry(entry) for entry in entries]
    return fields


def _exported_entry(entry: Entry) -> dict[str, str]:
    written = {"change": entry.change.value, "at": entry.at.astimezone(UTC).isoformat().replace("+00:00", "Z")}
    if entry.effective_on is not None:
        written["effective_on"] = entry.effective_on.isoformat()
    if entry.summary is not None:
        written["summary"] = entry.summary
    return written


async def put_on_record(
    session: AsyncSession,
    row: SubProcessor,
    claim: list[Entry],
    *,
    settings: Settings,
    actor: Actor,
    now: datetime,
) -> bool:
    """Put on record the changes `claim` states beyond those on record; answers whether there were.
    A record further along than the file is left as it is (the file was written before)."""
    recorded = (await on_record(session, key=row.key)).get(row.key, [])
    for mine, theirs in zip(recorded, claim, strict=False):
        if mine != theirs:
            raise Invalid(
                f"the lifecycle of '{row.key}' on record differs from the file's",
                errors=[FieldError(theirs.place, _differs(mine, theirs))],
            )
    new = claim[len(recorded) :]
    errors = [error for entry in new for error in _not_yet_possible(entry, settings, now)]
    if errors:
        raise Invalid(f"the lifecycle of '{row.key}' cannot be put on record", errors=errors)
    for entry in new:
        change = _record(session, row, entry)
        await session.flush()
        await record_change(
            session,
            actor=actor,
            action=f"subprocessor.{entry.change.value}",
            object_type="subprocessor",
            object_id=row.key,
            before=None,
            after={"from": "configuration file", **_exported_entry(entry)},
            now=now,
        )
        if entry is claim[-1] and entry.effective_on is not None and entry.effective_on > now.date():
            # Announced and not in effect yet: this installation's subscribers hear of it too.
            await notices.tell_subscribers(session, change=change, public_url=settings.public_url, now=now)
    return bool(new)


def _record(session: AsyncSession, row: SubProcessor, entry: Entry) -> SubProcessorChange:
    enter(row, entry.change, effective_on=entry.effective_on)
    return add_change(session, row, kind=entry.change.value, at=entry.at, summary=entry.summary)


def _differs(mine: Entry, theirs: Entry) -> str:
    return (
        f"here it was {mine.words()}, the file says {theirs.words()}: a sub-processor's history stays as it "
        "happened (`privacy export-config` writes this installation's)"
    )


def _not_yet_possible(entry: Entry, settings: Settings, now: datetime) -> list[FieldError]:
    if entry.at > now:
        return [FieldError(entry.place, f"{entry.words()} has not happened yet: a change is put on record once made")]
    notice = timedelta(days=settings.subprocessor_notice_days)
    if entry.effective_on is not None and entry.effective_on < entry.at.date() + notice:
        return [
            FieldError(
                entry.place,
                f"{entry.words()} gives less than the notice period of {notice.days} days of this installation "
                "(PRIVACY_SUBPROCESSOR_NOTICE_DAYS)",
            )
        ]
    return []
