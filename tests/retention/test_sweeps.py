"""Sweeps over a real table of another system: the period's boundary, each action and transform,
legal holds, dry runs, a killed sweep resumed, one sweeper per rule."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from privacy.errors import Conflict
from privacy.settings import Settings
from retention import service, sweeps
from retention.models import RetentionRule
from retention.schemas import HoldIn, RuleIn
from tests.conftest import SYSTEM
from tests.retention.conftest import CUTOFF, NOW, events_rule, run_sql

Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]


async def save(sessions: Sessions, rule: dict[str, Any]) -> None:
    async with sessions() as session, session.begin():
        await service.save_rule(session, rule=RuleIn.model_validate(rule), actor=SYSTEM, now=NOW)


async def run(sessions: Sessions, settings: Settings, **options: Any) -> Any:
    async with sessions() as session:
        swept = await sweeps.sweep(session, rule_key="web-analytics", settings=settings, now=NOW, **options)
        return service.run_out(swept)


async def ids(url: str) -> list[int]:
    return [row[0] for row in await run_sql(url, "SELECT id FROM web_events ORDER BY id")]


async def test_delete_takes_rows_before_the_cutoff_never_the_one_at_it(
    org_sessions: Sessions, settings: Settings, events: str
) -> None:
    await save(org_sessions, events_rule())
    dry = await run(org_sessions, settings, dry_run=True)
    assert await ids(events) == list(range(1, 17)), "a dry run changes nothing"
    real = await run(org_sessions, settings, batch_size=3)
    assert dry.counts == real.counts
    assert real.counts.deleted == 10 and real.counts.held == 0
    assert await ids(events) == list(range(11, 17)), "the row exactly at the cutoff stays"
    again = await run(org_sessions, settings)
    assert again.counts.deleted == 0, "a finished sweep, run again, changes nothing"


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


async def test_anonymise_with_each_transform_once(org_sessions: Sessions, settings: Settings, events: str) -> None:
    transforms = [
        {"column": "email", "transform": "keyed_hash"},
        {"column": "ip", "transform": "truncate_ip"},
        {"column": "visited_at", "transform": "month"},
        {"column": "page", "transform": "constant", "value": "/"},
        {"column": "country", "transform": "null"},
    ]
    await save(org_sessions, events_rule(action="anonymise", transforms=transforms))
    first = await run(org_sessions, settings, batch_size=4)
    assert first.counts.anonymised == 10
    rows = await run_sql(events, "SELECT id, email, ip, visited_at, page, country FROM web_events ORDER BY id")
    ada = [row for row in rows if row[0] in (3, 8)]
    assert ada[0][1] == ada[1][1] and ada[0][1].startswith("h:"), "the same person hashes alike: joins survive"
    assert "ada" not in ada[0][1]
    assert rows[0][2] == "81.2.0.0" and rows[0][4] == "/" and rows[0][5] is None
    assert str(rows[0][3]).startswith((CUTOFF - timedelta(days=10)).strftime("%Y-%m-01"))
    assert rows[15][1] == "visitor15@example.org", "rows after the cutoff are left alone"
    second = await run(org_sessions, settings)
    assert second.counts.anonymised == 0
    assert await run_sql(events, "SELECT email FROM web_events WHERE id = 3") == [(ada[0][1],)], "never hashed twice"


async def test_restrict_marks_rows_once(org_sessions: Sessions, settings: Settings, events: str) -> None:
    await save(org_sessions, events_rule(action="restrict"))
    assert (await run(org_sessions, settings)).counts.restricted == 10
    assert (await run(org_sessions, settings)).counts.restricted == 0
    assert await run_sql(events, "SELECT count(*) FROM web_events WHERE restricted") == [(10,)]


async def test_killed_sweep_resumes_where_it_stopped_and_counts_add_up(
    org_sessions: Sessions, settings: Settings, events: str
) -> None:
    await save(org_sessions, events_rule())

    def die_after_first_batch(done: int, total: int) -> None:
        raise KeyboardInterrupt  # the process is stopped between two batches

    with pytest.raises(KeyboardInterrupt):
        await run(org_sessions, settings, batch_size=4, progress=die_after_first_batch)
    assert await ids(events) == list(range(5, 17))
    resumed = await run(org_sessions, settings, batch_size=4)
    assert resumed.counts.deleted == 10, "the resumed run carries the first batch's counts"
    assert await ids(events) == list(range(11, 17))
    async with org_sessions() as session:
        assert [r.status for r in await service.list_runs(session)] == ["finished"]


async def test_one_sweeper_per_rule(org_sessions: Sessions, settings: Settings, events: str) -> None:
    await save(org_sessions, events_rule())
    async with org_sessions() as session, session.begin():  # another worker holds the lease
        await session.execute(update(RetentionRule).values(lease_until=NOW.replace(year=2030)))
    with pytest.raises(Conflict):
        await run(org_sessions, settings)
    assert await ids(events) == list(range(1, 17))


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"period": "six months"}, "period"),
        ({"action": "anonymise"}, ""),
        ({"activity": "no-such-activity"}, "activity"),
        ({"transforms": [{"column": "email", "transform": "constant"}], "action": "anonymise"}, "transforms.0"),
        ({"store": {"kind": "toolkit", "name": "everything"}}, "store"),
    ],
)
async def test_bad_rules_are_refused_with_the_path_of_the_error(
    staff: Client, admin: dict[str, str], events: str, change: dict[str, Any], path: str
) -> None:
    answer = await staff.put(
        "/api/v1/admin/retention/rules/web-analytics", json={**events_rule(), **change}, headers=admin
    )
    assert answer.status_code in (400, 422), answer.text
    assert any(error["path"].startswith(path) for error in answer.json()["errors"]), answer.json()
    rules = (await staff.get("/api/v1/admin/retention/rules", headers=admin)).json()
    assert "web-analytics" not in [rule["key"] for rule in rules]


async def test_api_dry_run_and_run_log_without_the_store_url(
    staff: Client, admin: dict[str, str], auditor: dict[str, str], events: str
) -> None:
    saved = await staff.put("/api/v1/admin/retention/rules/web-analytics", json=events_rule(), headers=admin)
    assert saved.status_code == 200 and "database_url" not in saved.text
    dry = await staff.post("/api/v1/admin/retention/rules/web-analytics/dry-run", headers=admin)
    assert dry.status_code == 200 and dry.json()["counts"]["deleted"] == 10 and dry.json()["dry_run"] is True
    runs = await staff.get("/api/v1/admin/retention/runs", headers=auditor)
    assert [r["dry_run"] for r in runs.json()] == [True]
    assert (await staff.post("/api/v1/admin/retention/rules/web-analytics/dry-run", headers=auditor)).status_code == 403


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
