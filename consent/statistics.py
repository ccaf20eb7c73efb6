"""What was chosen, in counts only, computed in the database so that no record leaves it: for the
console, and for the auditor's bundle with the banner texts of every policy version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Text, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from consent.decisions import banner_text_hash
from consent.models import ConsentRecord
from consent.schemas import ConsentSetup
from consent.setup import load_setup
from privacy import audit
from privacy.bundle import Archive
from privacy.models import AuditEntry

TOP_COUNTRIES = 10


@dataclass
class ConsentStatistics:
    since: datetime
    total: int
    by_action: dict[str, int]
    granted_share: dict[str, float]
    by_regime: dict[str, dict[str, int]]
    by_country: list[tuple[str, int]]
    by_day: list[tuple[str, int]]


async def consent_statistics(session: AsyncSession, *, categories: list[str], since: datetime) -> ConsentStatistics:
    """Counts only, computed in the database: no record leaves it."""
    window = ConsentRecord.recorded_at >= since
    by_regime = await _by_regime(session, window)
    by_action: dict[str, int] = {}
    for counts in by_regime.values():
        for action, count in counts.items():
            by_action[action] = by_action.get(action, 0) + count
    total = sum(by_action.values())
    granted = await _granted_counts(session, window, categories=categories)
    return ConsentStatistics(
        since=since,
        total=total,
        by_action=by_action,
        granted_share={key: (count / total if total else 0.0) for key, count in granted.items()},
        by_regime=by_regime,
        by_country=await _by_country(session, window),
        by_day=await _by_day(session, window),
    )


async def _by_regime(session: AsyncSession, window: ColumnElement[bool]) -> dict[str, dict[str, int]]:
    actions = (
        await session.execute(
            select(ConsentRecord.regime, ConsentRecord.action, func.count())
            .where(window)
            .group_by(ConsentRecord.regime, ConsentRecord.action)
        )
    ).all()
    by_regime: dict[str, dict[str, int]] = {}
    for regime, action, count in actions:
        by_regime.setdefault(regime, {})[action] = count
    return by_regime


async def _granted_counts(
    session: AsyncSession, window: ColumnElement[bool], *, categories: list[str]
) -> dict[str, int]:
    """How many records granted each category."""
    if not categories:  # no set-up yet: no categories to count
        return {}
    granted_text = cast(ConsentRecord.granted, Text)
    counts = (
        await session.execute(
            select(*[func.count().filter(granted_text.like(f'%"{key}"%')) for key in categories]).where(window)
        )
    ).one()
    return dict(zip(categories, counts, strict=True))


async def _by_country(session: AsyncSession, window: ColumnElement[bool]) -> list[tuple[str, int]]:
    countries = (
        await session.execute(
            select(func.coalesce(ConsentRecord.country, "??"), func.count())
            .where(window)
            .group_by(ConsentRecord.country)
            .order_by(func.count().desc())
            .limit(TOP_COUNTRIES)
        )
    ).all()
    return [(str(country), int(count)) for country, count in countries]


async def _by_day(session: AsyncSession, window: ColumnElement[bool]) -> list[tuple[str, int]]:
    day = func.date(ConsentRecord.recorded_at)
    days = (await session.execute(select(day, func.count()).where(window).group_by(day).order_by(day))).all()
    return [(str(date), int(count)) for date, count in days]


# The consent part of the auditor's bundle.


async def statistics_bundle_part(session: AsyncSession, archive: Archive, now: datetime) -> None:
    """Counts of choices (never the records), and the banner texts of every policy version."""
    current = await load_setup(session)
    categories = current.categories if current else []
    statistics = await consent_statistics(session, categories=categories, since=now - timedelta(days=3650))
    archive.add_json("consent/statistics.json", statistics.__dict__)
    archive.add_json("consent/texts-per-version.json", await _texts_per_version(session))


async def _texts_per_version(session: AsyncSession) -> list[dict[str, Any]]:
    """The banner texts of every policy version the set-up has had, from the audit trail."""
    versions: dict[tuple[str, str], dict[str, Any]] = {}
    entries = await session.scalars(
        select(AuditEntry).where(AuditEntry.action == "consent.setup_updated").order_by(AuditEntry.seq)
    )
    for entry in entries:
        after = audit.open_payload(session, entry, "after")
        if after is None:
            continue
        setup = ConsentSetup.model_validate(after)
        key = (setup.policy_version, banner_text_hash(setup))
        versions.setdefault(
            key,
            {
                "policy_version": key[0],
                "text_hash": key[1],
                "first_used": entry.at.isoformat(),
                "texts": setup.model_dump(mode="json")["texts"],
            },
        )
    return list(versions.values())
