"""The register of processing activities (Art. 30) and the organisation behind it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import anyio.to_thread
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from privacy.actors import Actor
from privacy.audit import record_change
from privacy.bundle import Archive
from privacy.config_file import Change, apply_each, change_of
from privacy.db import utcnow
from privacy.domain import ConsentsCollected, ConsentSource, RecordAnnex
from privacy.errors import Conflict, NotFound
from privacy.register.exports import annex_table, build_record, record_csv, record_pdf

# What other domains use to tell people about the register in their language (re-exported).
from privacy.register.for_people import BASES as BASES
from privacy.register.for_people import SAFEGUARDS as SAFEGUARDS
from privacy.register.for_people import Labels as Labels
from privacy.register.for_people import basis as basis
from privacy.register.for_people import categories as categories
from privacy.register.for_people import category as category
from privacy.register.for_people import category_labels as category_labels
from privacy.register.gaps import Context, find_gaps
from privacy.register.models import ActivityVersion, Organisation, ProcessingActivity
from privacy.register.schemas import (
    ActivityIn,
    ActivityOut,
    ActivityRole,
    ActivityVersionOut,
    DataCategory,
    LawfulBasis,
    OrganisationProfile,
)
from privacy.register.taxonomy import DATA_CATEGORIES
from privacy.settings import Settings

ORGANISATION_ROW = 1


async def get_organisation(session: AsyncSession) -> OrganisationProfile | None:
    row = await session.get(Organisation, ORGANISATION_ROW)
    return OrganisationProfile.model_validate(row.profile) if row else None


async def post_mortem_directives_offered(session: AsyncSession, *, settings: Settings) -> bool:
    """Directives about one's data after one's death are a right of French law (art. 85 loi
    Informatique et Libertés): offered where the organisation is in France, unless a setting says."""
    if settings.post_mortem_directives is not None:
        return settings.post_mortem_directives
    organisation = await get_organisation(session)
    return organisation is not None and organisation.country == "FR"


async def require_organisation(session: AsyncSession) -> OrganisationProfile:
    profile = await get_organisation(session)
    if profile is None:
        raise NotFound("the organisation profile has not been set up yet")
    return profile


async def save_organisation(
    session: AsyncSession, *, profile: OrganisationProfile, actor: Actor, now: datetime | None = None
) -> bool:
    """Create or update the profile; returns whether anything changed."""
    row = await session.get(Organisation, ORGANISATION_ROW)
    after = profile.model_dump(mode="json")
    before = row.profile if row else None
    if before == after:
        return False
    if row is None:
        row = Organisation(id=ORGANISATION_ROW, legal_name="", country="", profile={})
        session.add(row)
    row.legal_name, row.country, row.profile = profile.legal_name, profile.country, after
    row.updated_at = now or utcnow()
    await record_change(
        session,
        actor=actor,
        action="organisation.updated",
        object_type="organisation",
        object_id=str(ORGANISATION_ROW),
        before=before,
        after=after,
        now=now,
    )
    return True


async def data_categories(session: AsyncSession) -> list[DataCategory]:
    profile = await get_organisation(session)
    custom = profile.custom_data_categories if profile else []
    starter = [DataCategory(key=key, label=label, custom=False) for key, label in DATA_CATEGORIES.items()]
    extra = [DataCategory(key=c.key, label=c.label("en"), custom=True, description=c.description) for c in custom]
    return starter + extra


async def consents_collected(session: AsyncSession, sources: Sequence[ConsentSource]) -> ConsentsCollected:
    """Where the domains collect consents, for the check of each consent basis's purpose."""
    found = ConsentsCollected()
    for source in sources:
        found |= await source(session)
    return found


async def list_activities(session: AsyncSession, *, consents: ConsentsCollected | None = None) -> list[ActivityOut]:
    """The register in its order (positions, then names), each activity with its gaps (those about
    consents only if given)."""
    context = Context(await get_organisation(session), consents)
    rows = (await session.scalars(select(ProcessingActivity).order_by(ProcessingActivity.name))).all()
    return sorted((_activity_out(row, context) for row in rows), key=ActivityIn.register_order)


async def objectable_activities(session: AsyncSession) -> list[ActivityOut]:
    """What a person may object to (Art. 21): the organisation's own activities resting on
    legitimate interests or a public task, and its direct marketing."""
    grounds = {LawfulBasis.LEGITIMATE_INTERESTS, LawfulBasis.PUBLIC_TASK}
    return [
        activity
        for activity in await list_activities(session)
        if activity.role is ActivityRole.CONTROLLER
        and (any(activity.rests_on(ground) for ground in grounds) or activity.direct_marketing)
    ]


async def get_activity(session: AsyncSession, *, key: str, consents: ConsentsCollected | None = None) -> ActivityOut:
    return _activity_out(await _activity_row(session, key), Context(await get_organisation(session), consents))


async def _activity_row(session: AsyncSession, key: str) -> ProcessingActivity:
    row = await session.scalar(select(ProcessingActivity).where(ProcessingActivity.key == key))
    if row is None:
        raise NotFound(f"no processing activity with key '{key}'")
    return row


def _activity_out(row: ProcessingActivity, context: Context) -> ActivityOut:
    stored = {"version": row.version, "created_at": row.created_at, "updated_at": row.updated_at, "gaps": []}
    activity = ActivityOut.model_validate({**row.content, **stored})
    activity.gaps = find_gaps(activity, context)
    return activity


def as_activity_in(activity: ActivityOut) -> ActivityIn:
    return ActivityIn.model_validate(activity.model_dump(include=set(ActivityIn.model_fields)))


async def create_activity(
    session: AsyncSession, *, activity: ActivityIn, actor: Actor, now: datetime | None = None
) -> ActivityOut:
    if await session.scalar(select(ProcessingActivity.id).where(ProcessingActivity.key == activity.key)):
        raise Conflict(f"a processing activity with key '{activity.key}' already exists")
    now = now or utcnow()
    # A key used before (by an activity since removed) continues that activity's history.
    previous = await session.scalar(
        select(func.max(ActivityVersion.version)).where(ActivityVersion.activity_key == activity.key)
    )
    row = ProcessingActivity(
        key=activity.key, version=(previous or 0) + 1, created_at=now, content={}, name="", role=""
    )
    _store(row, activity, now)
    session.add(row)
    await _keep_version(session, row, actor=actor, now=now)
    await record_change(
        session,
        actor=actor,
        action="activity.created",
        object_type="processing_activity",
        object_id=activity.key,
        before=None,
        after=row.content,
        now=now,
    )
    return _activity_out(row, Context(await get_organisation(session)))


async def update_activity(
    session: AsyncSession, *, key: str, activity: ActivityIn, actor: Actor, now: datetime | None = None
) -> tuple[ActivityOut, bool]:
    """Replace an activity's content; returns it and whether anything changed."""
    row = await _activity_row(session, key)
    if activity.key != key:
        raise Conflict("an activity's key cannot change; create a new activity instead")
    before = dict(row.content)
    after = activity.model_dump(mode="json")
    if before == after:
        return _activity_out(row, Context(await get_organisation(session))), False
    now = now or utcnow()
    row.version += 1
    _store(row, activity, now)
    await _keep_version(session, row, actor=actor, now=now)
    await record_change(
        session,
        actor=actor,
        action="activity.updated",
        object_type="processing_activity",
        object_id=key,
        before=before,
        after=after,
        now=now,
    )
    return _activity_out(row, Context(await get_organisation(session))), True


async def delete_activity(session: AsyncSession, *, key: str, actor: Actor, now: datetime | None = None) -> None:
    """Remove an activity from the register; its versions stay, ending with an empty one."""
    row = await _activity_row(session, key)
    now = now or utcnow()
    session.add(
        ActivityVersion(activity_key=key, version=row.version + 1, content=None, actor=actor.reference, changed_at=now)
    )
    await record_change(
        session,
        actor=actor,
        action="activity.deleted",
        object_type="processing_activity",
        object_id=key,
        before=row.content,
        after=None,
        now=now,
    )
    await session.delete(row)


def _store(row: ProcessingActivity, activity: ActivityIn, now: datetime) -> None:
    row.content = activity.model_dump(mode="json")
    row.name = activity.name
    row.role = activity.role.value
    row.updated_at = now


async def _keep_version(session: AsyncSession, row: ProcessingActivity, *, actor: Actor, now: datetime) -> None:
    session.add(
        ActivityVersion(
            activity_key=row.key, version=row.version, content=row.content, actor=actor.reference, changed_at=now
        )
    )
    await session.flush()


async def activity_versions(session: AsyncSession, *, key: str) -> list[ActivityVersionOut]:
    rows = (
        await session.scalars(
            select(ActivityVersion).where(ActivityVersion.activity_key == key).order_by(ActivityVersion.version)
        )
    ).all()
    if not rows:
        raise NotFound(f"no processing activity with key '{key}'")
    return [
        ActivityVersionOut(
            version=row.version,
            changed_at=row.changed_at,
            actor=row.actor,
            content=ActivityIn.model_validate(row.content) if row.content else None,
        )
        for row in rows
    ]


# The `organisation` and `activities` blocks of the configuration file.


async def apply_organisation_block(
    session: AsyncSession, profile: OrganisationProfile, actor: Actor, _settings: Settings, now: datetime
) -> list[Change]:
    before = await get_organisation(session)
    changed = await save_organisation(session, profile=profile, actor=actor, now=now)
    fields = _changed_fields(before.model_dump(), profile.model_dump()) if before else []
    return [change_of("organisation", existed=before is not None, changed=changed, fields=fields)]


async def export_organisation_block(session: AsyncSession) -> dict[str, Any] | None:
    organisation = await get_organisation(session)
    return organisation.model_dump(mode="json", exclude_defaults=True) if organisation else None


async def apply_activities_block(
    session: AsyncSession, activities: list[ActivityIn], actor: Actor, _settings: Settings, now: datetime
) -> list[Change]:
    changes = await apply_each(
        "activities", activities, lambda activity: _apply_activity(session, activity=activity, actor=actor, now=now)
    )
    return changes + [warning for activity in activities for warning in _interests_unstated(activity)]


INTEREST_UNSTATED = "legitimate interests without the interest stated (Art. 6(1)(f), Art. 13(1)(d))"


def _interests_unstated(activity: ActivityIn) -> list[Change]:
    """Legitimate interests with no interest stated: applied, but no balancing can be shown for it."""
    return [
        Change(f"activities[{activity.key}].lawful_bases[{index}]", "warning", note=INTEREST_UNSTATED)
        for index, use in enumerate(activity.lawful_bases)
        if use.basis is LawfulBasis.LEGITIMATE_INTERESTS and not use.legitimate_interest
    ]


async def _apply_activity(session: AsyncSession, *, activity: ActivityIn, actor: Actor, now: datetime) -> Change:
    path = f"activities[{activity.key}]"
    try:
        current = await get_activity(session, key=activity.key)
    except NotFound:
        await create_activity(session, activity=activity, actor=actor, now=now)
        return change_of(path, existed=False, changed=True)
    _, changed = await update_activity(session, key=activity.key, activity=activity, actor=actor, now=now)
    fields = _changed_fields(as_activity_in(current).model_dump(), activity.model_dump())
    return change_of(path, existed=True, changed=changed, fields=fields)


def _changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [name for name in after if before.get(name) != after[name]]


async def export_activities_block(session: AsyncSession) -> list[dict[str, Any]]:
    activities = sorted(await list_activities(session), key=lambda activity: activity.key)
    return [as_activity_in(activity).model_dump(mode="json", exclude_defaults=True) for activity in activities]


async def art30_record(session: AsyncSession, annexes: Sequence[RecordAnnex], *, now: datetime) -> dict[str, Any]:
    """The Art. 30 record: the activities, then the tables other domains annex to it."""
    organisation = await require_organisation(session)
    tables = [annex_table(annex, await annex.rows(session, now)) for annex in annexes]
    return build_record(organisation, await list_activities(session), annexes=tables, generated_at=now)


async def art30_bundle_part(
    session: AsyncSession, archive: Archive, now: datetime, *, annexes: Sequence[RecordAnnex]
) -> dict[str, Any]:
    """The auditor's bundle: the Art. 30 record as JSON, CSV and PDF."""
    record = await art30_record(session, annexes, now=now)
    archive.add_json("register/ropa.json", record)
    archive.add("register/ropa.csv", record_csv(record).encode())
    archive.add("register/ropa.pdf", await anyio.to_thread.run_sync(record_pdf, record))  # seconds of layout
    return {"organisation": record["organisation"]["legal_name"]}


async def information_for_the_person(session: AsyncSession) -> dict[str, Any]:
    """What Art. 15(1)-(2) says a person must be told besides their data: the controller's
    activities with their purposes, bases, recipients, retention, sources and transfers."""
    organisation = await require_organisation(session)
    activities = [a for a in await list_activities(session) if a.role is ActivityRole.CONTROLLER]
    labels = category_labels(organisation)
    return {
        "organisation": organisation,
        "activities": [
            {
                "name": activity.name,
                "purpose": activity.purpose,
                "bases": [basis(use, labels) for use in activity.lawful_bases],
                "categories": categories(activity, labels),
                "recipients": activity.recipients,
                "retention": activity.retention,
                "source": activity.source,
                "transfers": [transfer.model_dump(mode="json") for transfer in activity.transfers],
                "automated_decisions": activity.automated_decisions.used,
            }
            for activity in activities
        ],
    }
