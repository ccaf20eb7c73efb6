"""The retention API: rules refused with the path of the error, dry runs and the run log, the shapes
of the answers."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.retention.conftest import events_rule

Client = AsyncTestClient[Litestar]


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


async def test_a_rule_is_answered_as_written_and_a_hold_with_its_fields_never_the_person(
    staff: Client, admin: dict[str, str], auditor: dict[str, str], events: str
) -> None:
    saved = await staff.put("/api/v1/admin/retention/rules/web-analytics", json=events_rule(), headers=admin)
    assert saved.json() == events_rule(), "defaults left out, as the configuration file exports it"
    rules = (await staff.get("/api/v1/admin/retention/rules", headers=auditor)).json()
    assert [rule for rule in rules if rule["key"] == "web-analytics"] == [events_rule()]
    placed = await staff.post(
        "/api/v1/admin/retention/holds",
        json={"subject": "Ada@Example.org", "reason": "litigation", "until": "2031-01-02"},
        headers=admin,
    )
    listed = await staff.get("/api/v1/admin/retention/holds", headers=auditor)
    [hold] = listed.json()
    assert list(hold) == [
        "id", "key", "rule", "record_key", "covers_a_person", "reason", "placed_by", "placed_at", "until",
        "kept_for", "after", "covers", "kept",
    ]  # fmt: skip
    assert hold["id"] == placed.json()["id"] and hold["placed_by"].startswith("token:")
    assert (hold["rule"], hold["record_key"], hold["covers_a_person"]) == (None, None, True)
    assert (hold["reason"], hold["until"], hold["kept_for"]) == ("litigation", "2031-01-02", None)
    assert (hold["covers"], hold["kept"]) == ("a person", "until 2031-01-02")
    assert hold["placed_at"].endswith("+00:00"), "written as it always was, not with a Z"
    assert "ada" not in listed.text.lower()
