"""Legal holds: rows a hold covers (a person, a record, a whole rule) are never touched; holds are
listed and lifted, the lift in the audit trail."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from privacy.audit import open_payload
from privacy.errors import NotFound
from privacy.models import AuditEntry
from privacy.settings import Settings
from retention import service
from retention.schemas import HoldIn
from tests.conftest import SYSTEM
from tests.retention.conftest import NOW, Sessions, events_rule, ids, run, save

Client = AsyncTestClient[Litestar]


async def test_holds_by_person_record_and_rule_are_never_touched(
    org_sessions: Sessions, settings: Settings, events: str
) -> None:
    await save(org_sessions, events_rule())
    async with org_sessions() as session, session.begin():
        await service.place_hold(
            session, hold=HoldIn(subject="Ada@Example.org", reason="litigation hold, case 4711"), actor=SYSTEM, now=NOW
        )
        await service.place_hold(session, hold=HoldIn(record_key="5", reason="audit sample"), actor=SYSTEM, now=NOW)
    swept = await run(org_sessions, settings, batch_size=4)
    assert (swept.counts.deleted, swept.counts.held) == (7, 3)
    assert await ids(events) == [3, 5, 8, *range(11, 17)]
    async with org_sessions() as session, session.begin():
        await service.place_hold(
            session, hold=HoldIn(rule="web-analytics", reason="regulator inquiry"), actor=SYSTEM, now=NOW
        )
    held = await run(org_sessions, settings)
    assert (held.counts.deleted, held.counts.held) == (0, 3)


async def test_holds_placed_and_lifted_through_the_api_change_what_a_sweep_touches(
    staff: Client, admin: dict[str, str], auditor: dict[str, str], events: str
) -> None:
    await staff.put("/api/v1/admin/retention/rules/web-analytics", json=events_rule(), headers=admin)
    bad = await staff.post("/api/v1/admin/retention/holds", json={"reason": "no target"}, headers=admin)
    assert bad.status_code in (400, 422)
    assert (
        await staff.post(
            "/api/v1/admin/retention/holds", json={"rule": "web-analytics", "reason": "x"}, headers=auditor
        )
    ).status_code == 403
    placed = await staff.post(
        "/api/v1/admin/retention/holds", json={"rule": "web-analytics", "reason": "regulator inquiry"}, headers=admin
    )
    assert placed.status_code == 201
    dry = (await staff.post("/api/v1/admin/retention/rules/web-analytics/dry-run", headers=admin)).json()
    assert (dry["counts"]["deleted"], dry["counts"]["held"]) == (0, 10)
    lifted = await staff.delete(f"/api/v1/admin/retention/holds/{placed.json()['id']}", headers=admin)
    assert lifted.status_code == 204
    assert (await staff.get("/api/v1/admin/retention/holds", headers=auditor)).json() == []
    again = (await staff.post("/api/v1/admin/retention/rules/web-analytics/dry-run", headers=admin)).json()
    assert (again["counts"]["deleted"], again["counts"]["held"]) == (10, 0)
    gone = await staff.delete(f"/api/v1/admin/retention/holds/{placed.json()['id']}", headers=admin)
    assert gone.status_code == 404


async def test_holds_are_listed_latest_first_and_a_lift_is_in_the_audit_trail(org_sessions: Sessions) -> None:
    async with org_sessions() as session, session.begin():
        person = await service.place_hold(
            session,
            hold=HoldIn(subject="ada@example.org", reason="litigation"),
            actor=SYSTEM,
            now=NOW - timedelta(days=1),
        )
        record = await service.place_hold(
            session,
            hold=HoldIn(rule="web-analytics", record_key="5", reason="audit sample", until=date(2031, 1, 2)),
            actor=SYSTEM,
            now=NOW,
        )
    async with org_sessions() as session:
        listed = await service.list_holds(session)
    assert [hold.id for hold in listed] == [record.id, person.id]
    assert (listed[0].rule, listed[0].record_key, listed[0].covers_a_person) == ("web-analytics", "5", False)
    assert (listed[0].until, listed[0].placed_at, listed[0].placed_by) == (date(2031, 1, 2), NOW, "system:tests")
    assert (listed[1].rule, listed[1].record_key, listed[1].covers_a_person) == (None, None, True)
    async with org_sessions() as session, session.begin():
        await service.lift_hold(session, hold_id=record.id, actor=SYSTEM, now=NOW)
    async with org_sessions() as session:
        assert [hold.id for hold in await service.list_holds(session)] == [person.id]
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "retention.hold_lifted"))
        assert entry is not None and (entry.object_type, entry.object_id, entry.at) == (
            "legal_hold",
            str(record.id),
            NOW,
        )
        assert open_payload(session, entry, "before") == {
            "rule": "web-analytics",
            "record_key": "5",
            "reason": "audit sample",
        }
        assert open_payload(session, entry, "after") is None
        with pytest.raises(NotFound):
            await service.lift_hold(session, hold_id=record.id, actor=SYSTEM, now=NOW)
        with pytest.raises(NotFound):
            await service.lift_hold(session, hold_id=uuid.uuid4(), actor=SYSTEM, now=NOW)
