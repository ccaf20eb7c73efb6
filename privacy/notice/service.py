"""The privacy notice (Art. 13 and 14), generated from the organisation's own records: the register,
the sub-processor list, the retention rules and the consent set-up. A notice is published as a
version (its content kept with a date, a summary and a hash); the pages show published versions
only, so a record edited today changes the notice when the privacy team publishes it, not before."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any

import isodate
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from consent import service as consent_service
from privacy.actors import Actor
from privacy.audit import record_change
from privacy.bundle import Archive
from privacy.countries import EEA
from privacy.db import toolkit_stores
from privacy.errors import Conflict, NotFound
from privacy.i18n import N_
from privacy.notice.models import NoticeVersion
from privacy.notice.schemas import VersionOut
from privacy.notice.statements import load_statements
from privacy.register import service as register
from privacy.register.schemas import ActivityRole
from retention import service as retention_service
from subprocessors import service as subprocessor_service


async def current_content(session: AsyncSession, *, today: date) -> dict[str, Any]:
    """Everything the notice states, drawn from the records as they are now (language-neutral:
    the fixed wording around it comes from `notice_texts`)."""
    organisation = await register.require_organisation(session)
    activities = [a for a in await register.list_activities(session) if a.role is not ActivityRole.PROCESSOR]
    labels = register.category_labels(organisation)
    used = sorted({key for activity in activities for key in activity.personal_data_categories})
    in_use = (await subprocessor_service.list_on(session, day=today)).subprocessors
    return {
        "organisation": organisation.model_dump(
            mode="json", exclude={"applications", "custom_data_categories", "logo", "accent_colour"}
        ),
        "data_categories": [register.category(key, labels) for key in used],
        "purposes": [_purpose(activity, labels) for activity in activities],
        "recipients": _recipients(activities, None),
        "recipients_in": {language: _recipients(activities, language) for language in organisation.languages},
        "subprocessors": [
            {
                "name": entry.name,
                "service": entry.service,
                "locations": entry.processing_locations,
                "transfer_mechanism": entry.transfer_mechanism,
                "selectable": entry.customer_selectable,
            }
            for entry in in_use
        ],
        "transfers": _transfers(activities, in_use),
        "retention": [
            {"name": activity.name, "retention": activity.retention, "translations": _words(activity)}
            for activity in activities
            if activity.retention
        ],
        "retention_rules": [
            _retention_rule(row.content, {activity.key: activity for activity in activities}, labels)
            for row in await retention_service.list_rules(session)
            if row.content.get("enabled", True)
        ],
        "backups": await _backups(session, today),
        "cookies": await _cookies(session),
        "cookie_rule": await _cookie_rule(session),
        "statements": (await load_statements(session)).model_dump(mode="json"),
        "automated_decisions": [
            {"name": activity.name, "logic": activity.automated_decisions.logic or ""}
            for activity in activities
            if activity.automated_decisions.used
        ],
    }


# What a rule sweeps, when it names neither an activity nor a category nor one of the toolkit's stores.
OTHER_RECORDS = N_("Records in our other systems")


def _retention_rule(
    rule: dict[str, Any], activities: dict[str, Any], labels: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """A retention rule as the notice tells it: what it removes (the activity's name, the data
    category, or what the toolkit's store holds, as a catalogue message), how long after what."""
    store = rule.get("store") or {}
    described = toolkit_stores().get(store.get("name") or "") if store.get("kind") == "toolkit" else None
    translations: dict[str, dict[str, Any]] = {}
    if rule.get("activity") in activities:
        activity = activities[rule["activity"]]
        what, message = activity.name, False
        translations = {
            language: {"what": words["name"]} for language, words in _words(activity).items() if "name" in words
        }
    elif rule.get("category"):
        what, message = register.category(rule["category"], labels)["label"], True
    else:
        what, message = (described[1].description if described else OTHER_RECORDS), True
    return {
        "what": what,
        "what_is_message": message,
        "translations": translations,
        "period": rule["period"],
        "event": rule.get("event", "collected"),
    }


def _purpose(activity: Any, labels: register.Labels) -> dict[str, Any]:
    return {
        "name": activity.name,
        "purpose": activity.purpose,
        "translations": _words(activity),
        "data": register.categories(activity, labels),
        "bases": [register.basis(use, labels) for use in activity.lawful_bases],
    }


def _words(activity: Any) -> dict[str, dict[str, Any]]:
    return {language: words.model_dump(exclude_none=True) for language, words in activity.translations.items()}


def _recipients(activities: list[Any], language: str | None) -> list[str]:
    """Every activity's recipients once, in `language` where the activity gives them in it."""
    named: dict[str, str] = {}
    for activity in activities:
        words = activity.translations.get(language) if language else None
        for recipient in words.recipients if words and words.recipients else activity.recipients:
            named.setdefault(recipient.casefold(), recipient)
    return sorted(named.values(), key=str.casefold)


def _transfers(activities: list[Any], in_use: list[Any]) -> list[dict[str, str]]:
    found = {
        (transfer.country, transfer.recipient or activity.name, transfer.safeguard.value if transfer.safeguard else "")
        for activity in activities
        for transfer in activity.transfers
        if transfer.country not in EEA
    }
    found |= {
        (country, entry.name, entry.transfer_mechanism)
        for entry in in_use
        for country in entry.processing_locations
        if country not in EEA
    }
    return [{"country": c, "recipient": r, "safeguard": s} for c, r, s in sorted(found)]


async def _backups(session: AsyncSession, today: date) -> dict[str, Any]:
    """Where the backups are kept and whether encrypted (Art. 32), and the longest any copy is
    kept: by then data erased from the live systems has left every backup too."""
    stores = await retention_service.list_backups(session)
    kept = [schedule.kept for store in stores for schedule in store.schedules]
    return {
        "stores": [{"country": store.country, "encrypted": store.encrypted} for store in stores],
        "longest": max(kept, key=lambda duration: today + isodate.parse_duration(duration), default=None),
    }


async def _cookie_rule(session: AsyncSession) -> dict[str, Any] | None:
    """Where consent is asked first, as the set-up has it when the notice is published."""
    loaded = await consent_service.load_setup(session)
    return consent_service.cookie_rule(loaded) if loaded else None


async def _cookies(session: AsyncSession) -> list[dict[str, Any]]:
    loaded = await consent_service.load_setup(session)
    if loaded is None:
        return []
    setup = loaded.setup
    return [
        {
            "key": category.key,
            "labels": category.labels,
            "services": [
                {
                    "vendor": service.vendor,
                    "purpose": service.purpose,
                    "cookies": [
                        {
                            "name": c.name,
                            "pattern": c.pattern,
                            "prefix": c.name_prefix(),
                            "duration": c.duration,
                            "party": c.party,
                        }
                        for c in service.cookies
                    ],
                }
                for service in setup.services
                if service.category == category.key
            ],
        }
        for category in setup.categories
    ]


def content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


async def latest_version(session: AsyncSession) -> NoticeVersion | None:
    latest: NoticeVersion | None = await session.scalar(
        select(NoticeVersion).order_by(NoticeVersion.version.desc()).limit(1)
    )
    return latest


async def get_version(session: AsyncSession, *, version: int | None) -> NoticeVersion:
    if version is None:
        found = await latest_version(session)
    else:
        found = await session.scalar(select(NoticeVersion).where(NoticeVersion.version == version))
    if found is None:
        raise NotFound("no privacy notice has been published yet" if version is None else f"no version {version}")
    return found


async def list_versions(session: AsyncSession) -> list[NoticeVersion]:
    return list(await session.scalars(select(NoticeVersion).order_by(NoticeVersion.version.desc())))


async def publish(session: AsyncSession, *, summary: str, material: bool, actor: Actor, now: datetime) -> NoticeVersion:
    """Publish the notice as the records stand. A material change also gives the consent set-up a
    new policy version, so the banner asks every visitor again."""
    content = await current_content(session, today=now.date())
    digest = content_hash(content)
    latest = await latest_version(session)
    if latest is not None and latest.content_hash == digest:
        raise Conflict(f"the notice has not changed since version {latest.version}")
    number = int(await session.scalar(select(func.coalesce(func.max(NoticeVersion.version), 0))) or 0) + 1
    version = NoticeVersion(
        version=number,
        published_at=now,
        published_by=actor.label,
        summary=summary,
        material=material,
        content_hash=digest,
        content=content,
    )
    session.add(version)
    await session.flush()
    await record_change(
        session,
        actor=actor,
        action="notice.published",
        object_type="privacy_notice",
        object_id=str(number),
        before=None,
        after={"version": number, "summary": summary, "material": material, "content_hash": digest},
        now=now,
    )
    if material:
        await _ask_consent_again(session, number, actor=actor, now=now)
    return version


async def _ask_consent_again(session: AsyncSession, number: int, *, actor: Actor, now: datetime) -> None:
    """The banner asks every visitor again under the policy version `notice-N`, which the notice
    owns from then on: the configuration file, re-applied, keeps it (`consent.setup`)."""
    loaded = await consent_service.load_setup(session)
    if loaded is None:
        return
    renewed = loaded.setup.model_copy(update={"policy_version": f"notice-{number}"})
    await consent_service.save_setup(session, setup=renewed, actor=actor, now=now)


def version_out(version: NoticeVersion) -> VersionOut:
    return VersionOut(
        version=version.version,
        published_at=version.published_at.isoformat(),
        published_by=version.published_by,
        summary=version.summary,
        material=version.material,
        content_hash=version.content_hash,
    )


async def versions_bundle_part(session: AsyncSession, archive: Archive, now: datetime) -> None:
    """The auditor's bundle: every published version with its content."""
    versions = await list_versions(session)
    archive.add_json(
        "notice/versions.json",
        [
            {
                "version": v.version,
                "published_at": v.published_at.isoformat(),
                "published_by": v.published_by,
                "summary": v.summary,
                "material": v.material,
                "content_hash": v.content_hash,
                "content": v.content,
            }
            for v in reversed(versions)
        ],
    )


async def preview(session: AsyncSession, *, today: date) -> dict[str, Any]:
    """What publishing now would state, and whether it differs from the latest version."""
    content = await current_content(session, today=today)
    latest = await latest_version(session)
    digest = content_hash(content)
    return {
        "content_hash": digest,
        "changed_since_latest": latest is None or latest.content_hash != digest,
        "content": content,
    }
