"""The console's retention page."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from privacy.settings import Settings
from retention import service
from retention.schemas import HoldIn
from tests.conftest import SYSTEM
from tests.retention.conftest import NOW, Sessions, events_rule, run, save


async def test_console_shows_rules_runs_and_what_was_removed(
    staff: Any, auditor: dict[str, str], org_sessions: Sessions, settings: Settings, events: str
) -> None:
    await save(org_sessions, events_rule())
    await run(org_sessions, settings)
    page = await staff.get("/console/retention", headers=auditor)
    assert page.status_code == 200
    assert "web-analytics" in page.text and "sql:analytics/web_events" in page.text
    assert "<svg" in page.text and "web-analytics: 10" in page.text
    assert "gone from every backup by" in page.text, "the demo's monthly backups are kept 12 months"
    assert "request-records" in page.text and "toolkit:closed_requests" in page.text


async def test_console_lists_each_kind_of_legal_hold_never_the_person(
    staff: Any, auditor: dict[str, str], org_sessions: Sessions
) -> None:
    holds = [
        HoldIn(subject="Ada@Example.org", reason="litigation"),
        HoldIn(record_key="5", reason="audit sample", until=date(2031, 1, 2)),
        HoldIn(rule="web-analytics", reason="regulator inquiry"),
    ]
    async with org_sessions() as session, session.begin():
        for hold in holds:
            await service.place_hold(session, hold=hold, actor=SYSTEM, now=NOW)
    page = re.sub(r"\s+", " ", (await staff.get("/console/retention", headers=auditor)).text)
    day = NOW.date().isoformat()
    assert f"<li>a person, kept until lifted: litigation (placed {day} by system:tests)</li>" in page
    assert f"<li>record 5, kept until 2031-01-02: audit sample (placed {day} by system:tests)</li>" in page
    assert (
        f"<li>the whole rule web-analytics, kept until lifted: regulator inquiry (placed {day} by system:tests)</li>"
        in page
    )
    assert "ada@example.org" not in page.lower()
