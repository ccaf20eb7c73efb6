"""The toolkit's own tables as a store, backup horizons, the configuration block and the command."""

from __future__ import annotations

import subprocess
import uuid
from datetime import date, timedelta

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from consent.models import ConsentRecord
from privacy import config_file
from privacy.errors import Invalid
from privacy.settings import Settings
from retention import service
from retention.schemas import BackupSchedule
from tests.conftest import SYSTEM, environment_for, privacy_command
from tests.retention.conftest import NOW, events_rule
from tests.retention.test_sweeps import run, save

Sessions = async_sessionmaker[AsyncSession]


def consent_record(days_old: int) -> ConsentRecord:
    at = NOW - timedelta(days=days_old)
    return ConsentRecord(
        consent_id=uuid.uuid4(), recorded_at=at, site="www", policy_version="1", text_hash="0" * 64,
        country="DE", region=None, regime="opt_in", jurisdiction_source="cdn", gpc=False, action="accept_all",
        granted=["necessary"], denied=[], ui="banner", ip_truncated="81.2.0.0", valid_until=at,
    )  # fmt: skip


async def test_toolkit_consent_records_past_their_period_are_deleted(
    org_sessions: Sessions, settings: Settings
) -> None:
    async with org_sessions() as session, session.begin():
        session.add_all([consent_record(days) for days in (400, 380, 10)])
    rule = {"key": "web-analytics", "period": "P1Y", "store": {"kind": "toolkit", "name": "consent_records"}}
    await save(org_sessions, rule)
    swept = await run(org_sessions, settings)
    assert swept.counts.deleted == 2
    async with org_sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ConsentRecord)) == 1


async def test_backups_give_the_date_erased_data_is_gone(org_sessions: Sessions) -> None:
    schedules = [
        BackupSchedule(name="hourly", every="PT1H", kept="P1D"),
        BackupSchedule(name="daily", every="P1D", kept="P30D"),
        BackupSchedule(name="monthly", every="P1M", kept="P12M"),
    ]
    async with org_sessions() as session, session.begin():
        assert await service.backups_gone_by(session, erased_at=NOW) is None
        await service.save_backups(session, schedules=schedules, actor=SYSTEM, now=NOW)
        assert await service.save_backups(session, schedules=schedules, actor=SYSTEM, now=NOW) is False
    async with org_sessions() as session:
        assert await service.backups_gone_by(session, erased_at=NOW) == date(2027, 11, 22)


async def test_configuration_block_applies_and_exports_without_secrets(org_sessions: Sessions, events: str) -> None:
    document = {
        "retention": {
            "rules": [events_rule(events)],
            "backups": [{"name": "daily", "every": "P1D", "kept": "P30D"}],
        }
    }
    async with org_sessions() as session, session.begin():
        changes = await config_file.apply_config(
            session, config=config_file.parse_config(yaml.safe_dump(document)), actor=SYSTEM, now=NOW
        )
        assert [c.describe() for c in changes] == ["+ retention.rules[web-analytics]", "~ retention.backups: "]
        again = await config_file.apply_config(
            session, config=config_file.parse_config(yaml.safe_dump(document)), actor=SYSTEM, now=NOW
        )
        assert {c.kind for c in again} == {"unchanged"}
        exported = await config_file.export_config(session)
    assert "web_events" in exported and events not in exported
    bad = yaml.safe_dump({"retention": {"rules": [{**events_rule(None), "period": "half a year"}]}})
    with pytest.raises(Invalid) as refused:
        config_file.parse_config(bad)
    assert "retention.rules[0].period" in [error.path for error in refused.value.errors]


async def test_command_line_dry_run_prints_counts_per_store(
    org_sessions: Sessions, settings: Settings, events: str
) -> None:
    await save(org_sessions, events_rule(events))
    result = subprocess.run(
        privacy_command("retention", "run", "--dry-run"),
        env=environment_for(settings),
        capture_output=True,
        text=True,
        check=True,
    )
    assert (
        "web-analytics on sql:web_events: 10 deleted, 0 anonymised, 0 restricted, 0 held (would be so" in result.stdout
    )
