"""Rules of the service that no sweep needs: when erased data is gone from the backups, until when
a toolkit store's rows are kept, which rules a sweep now takes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import update

from privacy.errors import NotFound
from retention import review, service
from retention.models import RetentionRule
from retention.schemas import BackupStore, RuleIn
from tests.conftest import SYSTEM
from tests.retention.conftest import NOW, Sessions


async def test_backups_give_the_date_erased_data_is_gone(org_sessions: Sessions) -> None:
    stores = [
        backup_store("Snapshots", "DE", [("PT1H", "P1D"), ("P1D", "P30D")]),
        backup_store("Archive", "FI", [("P1M", "P12M")]),
    ]
    async with org_sessions() as session, session.begin():
        await service.save_backups(session, stores=[], actor=SYSTEM, now=NOW)
        assert await service.backups_gone_by(session, erased_at=NOW) is None, "no schedule: not known"
        await service.save_backups(session, stores=stores, actor=SYSTEM, now=NOW)
        assert await service.save_backups(session, stores=stores, actor=SYSTEM, now=NOW) == []
    async with org_sessions() as session:
        erased_at = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
        assert await service.backups_gone_by(session, erased_at=erased_at) == date(2027, 11, 22)


async def test_kept_until_is_the_shortest_period_of_the_enabled_rules_sweeping_the_store(sessions: Sessions) -> None:
    event_at = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)
    async with sessions() as session, session.begin():
        assert await service.kept_until(session, store="closed_requests", event_at=event_at) is None, "no rule"
        for key, period, store, enabled in [
            ("requests-year", "P1Y", "closed_requests", True),
            ("requests-month", "P1M", "closed_requests", True),
            ("requests-day", "P1D", "closed_requests", False),
            ("mail-week", "P7D", "delivered_mail", True),
        ]:
            await service.save_rule(
                session, rule=toolkit_rule(key, period, store, enabled=enabled), actor=SYSTEM, now=NOW
            )
    async with sessions() as session:
        assert await service.kept_until(session, store="closed_requests", event_at=event_at) == date(2026, 2, 28), (
            "the month's rule, as a calendar month; the disabled day's rule does not count"
        )
        assert await service.kept_until(session, store="delivered_mail", event_at=event_at) == date(2026, 2, 7)
        assert await service.kept_until(session, store="consent_records", event_at=event_at) is None


async def test_a_sweep_now_takes_the_rule_named_even_disabled_or_else_every_enabled_approved_rule(
    sessions: Sessions,
) -> None:
    async with sessions() as session, session.begin():
        for key, enabled in [("b-mail", True), ("a-off", False), ("c-mail", True)]:
            rule = toolkit_rule(key, "P30D", "delivered_mail", enabled=enabled)
            await service.save_rule(session, rule=rule, actor=SYSTEM, now=NOW)
        await session.execute(update(RetentionRule).where(RetentionRule.key != "c-mail").values(awaiting_review=False))
    async with sessions() as session:
        planned = await review.planned_rules(session, key=None)
        assert [(p.rule.key, p.held_back(named=False)) for p in planned] == [
            ("a-off", "disabled"),
            ("b-mail", None),
            ("c-mail", "awaiting review"),
        ]
        [named] = await review.planned_rules(session, key="a-off")
        assert named.held_back(named=True) is None, "a person asked for it"
        with pytest.raises(NotFound):
            await review.planned_rules(session, key="no-such-rule")


def toolkit_rule(key: str, period: str, store: str, *, enabled: bool) -> RuleIn:
    return RuleIn.model_validate(
        {"key": key, "period": period, "store": {"kind": "toolkit", "name": store}, "enabled": enabled}
    )


def backup_store(name: str, country: str, schedules: list[tuple[str, str]], *, encrypted: bool = True) -> BackupStore:
    return BackupStore.model_validate(
        {
            "name": name,
            "country": country,
            "provider": "Hetzner Online GmbH",
            "encrypted": encrypted,
            "schedules": [{"every": every, "kept": kept} for every, kept in schedules],
        }
    )
