"""Holds kept for a time after each row's event ("1 year after each invoice date"): the sweep leaves
alone the rows whose event is recent enough, in SQL, and says so in words; the API, the file and
the command line take them and show them in words."""

from __future__ import annotations

import subprocess
import uuid
from datetime import timedelta
from typing import Any

import pytest
import yaml
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from privacy.composition import configuration
from privacy.errors import Invalid
from privacy.models import OutboxMessage
from privacy.settings import Settings
from retention import service, sweeps
from retention.schemas import HoldIn
from tests.conftest import SYSTEM, environment_for, privacy_command
from tests.retention.conftest import NOW, Sessions, events_rule, ids, run, run_sql, save

Client = AsyncTestClient[Litestar]
A_YEAR = "the whole rule web-analytics, 1 year after each invoice date"


async def invoiced(url: str, days_ago: dict[int, int | None]) -> None:
    """Give web_events an invoice date (a day, as accounting keeps it): row id -> days before NOW."""
    await run_sql(url, "ALTER TABLE web_events ADD COLUMN invoice_date DATE")
    for row_id, days in days_ago.items():
        day = None if days is None else (NOW - timedelta(days=days)).date()
        await run_sql(
            url, "UPDATE web_events SET invoice_date = :day WHERE id = :id", parameters=[{"day": day, "id": row_id}]
        )


async def test_rows_invoiced_within_the_year_are_held_and_the_run_says_so_in_words(
    org_sessions: Sessions, settings: Settings, events: str
) -> None:
    await save(org_sessions, events_rule())
    # Of the 10 rows due: two invoiced within the year, one invoiced longer ago, one with no date.
    await invoiced(events, {1: 400, 2: 300, 3: None, 4: 10})
    async with org_sessions() as session, session.begin():
        hold = HoldIn(rule="web-analytics", reason="§ 147 AO", kept_for="P1Y", after="invoice_date")
        await service.place_hold(session, hold=hold, actor=SYSTEM, now=NOW)
    dry = await run(org_sessions, settings, dry_run=True)
    assert (dry.counts.deleted, dry.counts.held) == (8, 2)
    assert dry.holds == [A_YEAR]
    assert dry.held_in_words() == f"; held by {A_YEAR}"
    swept = await run(org_sessions, settings, batch_size=3)
    assert (swept.counts.deleted, swept.counts.held) == (8, 2)
    assert await ids(events) == [2, 4, *range(11, 17)]
    # 70 days on, every row left is due; row 2's year since its invoice is over, row 4's is not.
    later = await _sweep_at(org_sessions, settings, NOW + timedelta(days=70))
    assert (later.counts.deleted, later.counts.held) == (7, 1)
    assert await ids(events) == [4]


async def _sweep_at(sessions: Sessions, settings: Settings, now: Any) -> Any:
    async with sessions() as session:
        return service.run_out(await sweeps.sweep(session, rule_key="web-analytics", settings=settings, now=now))


async def test_a_relative_hold_on_the_toolkit_own_table_keeps_its_recent_rows(
    org_sessions: Sessions, settings: Settings
) -> None:
    mail = {"key": "web-analytics", "period": "P90D", "store": {"kind": "toolkit", "name": "delivered_mail"}}
    await save(org_sessions, mail)
    async with org_sessions() as session, session.begin():
        for created_days_ago in (400, 120):
            created = NOW - timedelta(days=created_days_ago)
            session.add(
                OutboxMessage(
                    id=uuid.uuid4(),
                    purpose="test",
                    recipient_encrypted="sealed",
                    subject="Your invoice",
                    body_encrypted="sealed",
                    created_at=created,
                    next_attempt_at=created,
                    sent_at=NOW - timedelta(days=100),
                )
            )
        hold = HoldIn(rule="web-analytics", reason="invoices sent", kept_for="P1Y", after="created_at")
        await service.place_hold(session, hold=hold, actor=SYSTEM, now=NOW)
    swept = await run(org_sessions, settings)
    assert (swept.counts.deleted, swept.counts.held) == (1, 1)
    assert swept.holds == ["the whole rule web-analytics, 1 year after each created at"]
    async with org_sessions() as session:
        kept = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.purpose == "test")
        )
    assert kept == 1


async def test_relative_holds_through_the_api_are_checked_and_listed_in_words(
    staff: Client, admin: dict[str, str], auditor: dict[str, str], events: str
) -> None:
    await staff.put("/api/v1/admin/retention/rules/web-analytics", json=events_rule(), headers=admin)
    holds = "/api/v1/admin/retention/holds"
    relative = {"rule": "web-analytics", "reason": "§ 147 AO", "kept_for": "P1Y", "after": "invoice_date"}
    for bad in [
        {**relative, "after": None},
        {**relative, "until": "2031-01-02"},
        {**relative, "rule": None, "record_key": "5"},
        {**relative, "kept_for": "a year"},
    ]:
        assert (await staff.post(holds, json=bad, headers=admin)).status_code in (400, 422), bad
    unknown = await staff.post(holds, json={**relative, "rule": "no-such-rule"}, headers=admin)
    assert unknown.status_code == 422 and "no retention rule 'no-such-rule'" in unknown.text
    no_column = {**relative, "rule": "request-records", "after": "invoice_date"}
    missing = await staff.post(holds, json=no_column, headers=admin)
    assert missing.status_code == 422 and "has no column 'invoice_date'" in missing.text
    assert (await staff.get(holds, headers=auditor)).json() == [], "a refused hold changes nothing"
    assert (await staff.post(holds, json=relative, headers=admin)).status_code == 201
    [listed] = (await staff.get(holds, headers=auditor)).json()
    assert (listed["kept_for"], listed["after"], listed["until"]) == ("P1Y", "invoice_date", None)
    assert (listed["covers"], listed["kept"]) == ("the whole rule web-analytics", "1 year after each invoice date")
    await run_sql(events, "ALTER TABLE web_events ADD COLUMN invoice_date DATE")
    dry = (await staff.post("/api/v1/admin/retention/rules/web-analytics/dry-run", headers=admin)).json()
    assert dry["holds"] == [A_YEAR]
    page = (await staff.get("/console/retention", headers=auditor)).text
    assert "the whole rule web-analytics, kept 1 year after each invoice date: § 147 AO" in " ".join(page.split())
    assert "P1Y" not in page


def hold_file(**hold: Any) -> str:
    standing = {"key": "invoices", "rule": "web-analytics", "reason": "§ 147 AO", "kept_for": "P1Y"}
    return yaml.safe_dump({"retention": {"rules": [events_rule()], "holds": [{**standing, **hold}]}})


async def test_standing_holds_of_the_file_are_placed_once_updated_and_exported(
    org_sessions: Sessions, settings: Settings, events: str
) -> None:
    async def apply(text: str) -> list[str]:
        async with org_sessions() as session, session.begin():
            config = configuration().parse(text)
            changes = await configuration().apply(session, config=config, actor=SYSTEM, settings=settings, now=NOW)
        return [change.describe() for change in changes if "holds" in change.describe()]

    assert await apply(hold_file(after="invoice_date")) == ["+ retention.holds[invoices]"]
    assert await apply(hold_file(after="invoice_date")) == ["= retention.holds[invoices]"]
    assert await apply(hold_file(after="invoice_date", kept_for="P10Y")) == ["~ retention.holds[invoices]: kept_for"]
    async with org_sessions() as session:
        [hold] = await service.list_holds(session)
        exported = yaml.safe_load(await configuration().export(session))
    assert (hold.key, hold.kept) == ("invoices", "10 years after each invoice date")
    assert exported["retention"]["holds"] == [
        {"key": "invoices", "rule": "web-analytics", "reason": "§ 147 AO", "kept_for": "P10Y", "after": "invoice_date"}
    ]
    for bad, path in [
        (hold_file(after="invoice_date", subject="ada@example.org"), "retention.holds[0]"),
        (hold_file(), "retention.holds[0]"),
    ]:
        with pytest.raises(Invalid) as refused:
            configuration().parse(bad)
        assert path in [error.path for error in refused.value.errors]


async def test_the_command_line_lists_holds_and_dry_runs_name_them_in_words(
    org_sessions: Sessions, settings: Settings, events: str
) -> None:
    await save(org_sessions, events_rule())
    await invoiced(events, {2: 300})
    async with org_sessions() as session, session.begin():
        hold = HoldIn(rule="web-analytics", reason="§ 147 AO", kept_for="P1Y", after="invoice_date")
        await service.place_hold(session, hold=hold, actor=SYSTEM, now=NOW)

    def privacy(*arguments: str) -> str:
        done = subprocess.run(
            privacy_command(*arguments), env=environment_for(settings), capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    listed = privacy("retention", "holds")
    assert (
        f"the whole rule web-analytics, kept 1 year after each invoice date: § 147 AO (placed {NOW:%Y-%m-%d}" in listed
    )
    dry = privacy("retention", "run", "--dry-run", "--rule", "web-analytics")
    assert "would hold 1 (cutoff " in dry and f"; held by {A_YEAR}; would run now" in dry
