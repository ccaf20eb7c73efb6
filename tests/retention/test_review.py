"""A new or changed rule deletes nothing until a privacy officer or an administrator has seen its
dry run and approved it; the approval is in the audit trail with the counts they saw."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
import yaml
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from privacy.audit import open_payload
from privacy.composition import configuration
from privacy.errors import Conflict
from privacy.models import AuditEntry
from privacy.settings import Settings
from retention import review, sweeps
from tests.conftest import SYSTEM
from tests.retention.conftest import NOW, Sessions, events_rule, ids

Client = AsyncTestClient[Litestar]


async def apply(sessions: Sessions, settings: Settings, *rules: dict[str, Any], now: datetime = NOW) -> None:
    """The `retention` block of a configuration file applied."""
    document = configuration().parse(yaml.safe_dump({"retention": {"rules": list(rules)}}))
    async with sessions() as session, session.begin():
        await configuration().apply(session, config=document, actor=SYSTEM, settings=settings, now=now)


async def background(sessions: Sessions, settings: Settings, now: datetime = NOW) -> None:
    async with sessions() as session:
        await sweeps.sweep_due_rules(session, now=now, settings=settings)


async def awaiting(sessions: Sessions) -> dict[str, Any]:
    async with sessions() as session:
        return await review.awaiting_review(session)


async def test_a_rule_from_a_file_deletes_nothing_until_approved_and_the_approval_is_audited(
    org_sessions: Sessions, settings: Settings, events: str
) -> None:
    await apply(org_sessions, settings, events_rule())
    await background(org_sessions, settings)
    assert len(await ids(events)) == 16, "awaiting review: nothing deleted"
    dry = (await awaiting(org_sessions))["web-analytics"]
    assert dry is not None and dry.dry_run and dry.counts.deleted == 10, "background work made its dry run"
    async with org_sessions() as session:
        with pytest.raises(Conflict, match="awaiting review"):
            await sweeps.sweep(session, rule_key="web-analytics", settings=settings, now=NOW)

    async with org_sessions() as session, session.begin():
        await review.approve_rule(session, key="web-analytics", run_id=dry.id, actor=SYSTEM, now=NOW)
    async with org_sessions() as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "retention.rule_approved"))
        assert entry is not None and (entry.actor, entry.object_id, entry.at) == ("system:tests", "web-analytics", NOW)
        seen = open_payload(session, entry, "after")
        assert seen is not None and (seen["dry_run"], seen["awaiting_review"]) == (dry.id, False)
        assert seen["counts"] == {"deleted": 10, "anonymised": 0, "restricted": 0, "held": 0}
    await background(org_sessions, settings)
    assert len(await ids(events)) == 6, "approved: the next pass sweeps it"


async def test_unchanged_reapply_keeps_approval_and_a_changed_period_returns_the_rule_to_review(
    org_sessions: Sessions, settings: Settings, events: str
) -> None:
    await apply(org_sessions, settings, events_rule())
    await background(org_sessions, settings)
    first = (await awaiting(org_sessions))["web-analytics"]
    async with org_sessions() as session, session.begin():
        await review.approve_rule(session, key="web-analytics", run_id=first.id, actor=SYSTEM, now=NOW)

    await apply(org_sessions, settings, events_rule())
    await apply(org_sessions, settings, events_rule(schedule="weekly", activity="security-logging"))
    assert "web-analytics" not in await awaiting(org_sessions), "neither the same file nor its schedule reset it"

    later = NOW + timedelta(minutes=5)
    await apply(org_sessions, settings, events_rule(period="P90D"), now=later)
    assert (await awaiting(org_sessions))["web-analytics"] is None, "changed: its earlier dry run no longer counts"
    async with org_sessions() as session:
        with pytest.raises(Conflict, match="not a finished dry run"):
            await review.approve_rule(session, key="web-analytics", run_id=first.id, actor=SYSTEM, now=NOW)
    await background(org_sessions, settings, now=later)
    assert len(await ids(events)) == 16
    assert (await awaiting(org_sessions))["web-analytics"] is not None


async def test_approval_through_the_api_by_officers_not_auditors(
    staff: Client, officer: dict[str, str], auditor: dict[str, str], events: str
) -> None:
    base = "/api/v1/admin/retention/rules/web-analytics"
    assert (await staff.put(base, json=events_rule(), headers=officer)).status_code == 200
    dry = (await staff.post(f"{base}/dry-run", headers=officer)).json()
    shown = (await staff.get(f"{base}/review", headers=auditor)).json()
    assert shown["awaiting_review"] is True and shown["dry_run"]["counts"]["deleted"] == 10

    assert (await staff.post(f"{base}/approve", json={"run": dry["id"]}, headers=auditor)).status_code == 403
    approved = await staff.post(f"{base}/approve", json={"run": dry["id"]}, headers=officer)
    assert approved.status_code == 200, approved.text
    assert approved.json()["approved_by"].startswith("token:") and approved.json()["dry_run"]["id"] == dry["id"]
    again = await staff.post(f"{base}/approve", json={"run": dry["id"]}, headers=officer)
    assert again.status_code == 409 and "not awaiting review" in again.json()["detail"]
    assert (await staff.get(f"{base}/review", headers=auditor)).json()["awaiting_review"] is False


async def test_the_console_shows_the_dry_run_in_words_and_the_approve_button_to_officers_only(
    staff: Client, admin: dict[str, str], auditor: dict[str, str], events: str
) -> None:
    base = "/api/v1/admin/retention/rules/web-analytics"
    assert (await staff.put(base, json=events_rule(), headers=admin)).status_code == 200
    dry = (await staff.post(f"{base}/dry-run", headers=admin)).json()
    for headers, button in ((admin, True), (auditor, False)):
        page = re.sub(r"\s+", " ", (await staff.get("/console/retention", headers=headers)).text)
        row = next(r for r in page.split("<tr>") if r.strip().startswith("<td>web-analytics</td>"))
        assert "Awaiting review: deletes nothing until approved." in row
        assert "would delete 10, would anonymise 0, would restrict 0, would hold 0" in row
        assert ('action="/console/retention/web-analytics/approve"' in row) is button
        assert (f'name="run" value="{dry["id"]}"' in row) is button
    assert "deleted 10" not in page and "(dry run)" in page
