"""Anonymising: each column's transform, applied once, never twice."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from privacy.settings import Settings
from retention.schemas import ColumnTransform, Transform
from retention.transforms import transformed
from tests.retention.conftest import CUTOFF, Sessions, events_rule, run, run_sql, save


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


@pytest.mark.parametrize(
    ("transform", "value", "anonymised"),
    [
        ({"transform": "null"}, "ada@example.org", None),
        ({"transform": "constant", "value": "someone"}, "ada@example.org", "someone"),
        ({"transform": "truncate_ip"}, "81.2.69.160", "81.2.0.0"),
        ({"transform": "truncate_ip"}, "2001:db8:85a3:8d3:1319:8a2e:370:7348", "2001:db8:85a3::"),
        ({"transform": "month"}, datetime(2026, 3, 17, 9, 30, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)),
        ({"transform": "month"}, date(2026, 3, 17), date(2026, 3, 1)),
        ({"transform": "month"}, "2026-03-17 09:30:00", "2026-03-01"),
        ({"transform": "keyed_hash"}, None, None),
    ],
)
def test_each_transform_gives_its_value_and_keeps_it_when_applied_again(
    transform: dict[str, Any], value: Any, anonymised: Any
) -> None:
    column = ColumnTransform.model_validate({"column": "c", **transform})
    assert transformed(value, column, b"k" * 32) == anonymised
    assert transformed(anonymised, column, b"k" * 32) == anonymised, "a value anonymised already stays as it is"


def test_the_keyed_hash_is_the_same_for_the_same_value_and_key_only() -> None:
    column = ColumnTransform(column="email", transform=Transform.KEYED_HASH)
    hashed = transformed("ada@example.org", column, b"k" * 32)
    assert hashed.startswith("h:") and len(hashed) == 42
    assert transformed("ada@example.org", column, b"k" * 32) == hashed
    assert transformed("ada@example.org", column, b"j" * 32) != hashed, "another key, another hash"
    assert transformed(hashed, column, b"k" * 32) == hashed, "never hashed twice"
