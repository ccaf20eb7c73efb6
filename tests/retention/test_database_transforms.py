"""Anonymising in the store's own database (SQLite's registered functions, PostgreSQL's pgcrypto
when the store has it) writes exactly what the Python transforms write, byte for byte, on awkward
values too; without pgcrypto the sweep falls back to Python with the same result."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from privacy.keys import keyring_of
from privacy.settings import Settings
from retention import service
from retention.database_transforms import in_database
from retention.schemas import ColumnTransform, HoldIn, RuleIn
from retention.stores import target_of
from retention.transforms import transformed
from tests.conftest import POSTGRES_URL, SYSTEM
from tests.retention.conftest import CUTOFF, NOW, Sessions, events_rule, run, run_sql, save

TRANSFORMS = [
    {"column": "email", "transform": "keyed_hash"},
    {"column": "ip", "transform": "truncate_ip"},
    {"column": "page", "transform": "constant", "value": "/"},
    {"column": "country", "transform": "null"},
]
AWKWARD = [  # (email, ip) of rows past the cutoff, beside the fixture's ordinary ones
    ("zoë@example.org", "2001:db8:85a3:8d3:1319:8a2e:370:7348"),
    ("h:hashed-already", "81.2.0.0"),
    ("H:not-a-hash", "01.2.3.4"),
    ("", "256.1.1.1"),
    (None, "::ffff:81.2.69.160"),
    ("cidr@example.org", "81.2.69.0/24"),
    ("blank@example.org", ""),
    ("words@example.org", "not an address"),
    ("top@example.org", "255.255.255.255"),
    ("scoped@example.org", "fe80::1%eth0"),
    ("newline@example.org", "81.2.69.160\n"),
    ("zero@example.org", "0.1.0.9"),
    ("none@example.org", None),
]
EVERY_ROW = "SELECT id, email, ip, page, country FROM web_events"


@pytest.fixture(params=["pgcrypto", "no pgcrypto"] if POSTGRES_URL else ["registered functions"])
async def awkward_events(request: pytest.FixtureRequest, events: str) -> AsyncIterator[tuple[str, bool]]:
    """The events table with the awkward rows added; answers its URL and whether the store's
    database is expected to do the transforms itself."""
    rows = [{"id": 100 + i, "email": email, "ip": ip} for i, (email, ip) in enumerate(AWKWARD)]
    await run_sql(
        events,
        "INSERT INTO web_events (id, email, ip, visited_at, page, country, restricted) "
        "VALUES (:id, :email, :ip, :visited_at, '/page', 'DE', FALSE)",
        parameters=[{**row, "visited_at": (CUTOFF - timedelta(days=1)).replace(tzinfo=None)} for row in rows],
    )
    in_store = request.param != "no pgcrypto"
    if request.param == "pgcrypto":
        try:
            await run_sql(events, "CREATE EXTENSION IF NOT EXISTS pgcrypto")
        except DBAPIError:  # a server without the extension, or a role that may not add it
            pytest.skip("pgcrypto cannot be added to the store's database here")
    yield events, in_store
    if POSTGRES_URL:
        await run_sql(events, "DROP EXTENSION IF EXISTS pgcrypto")


async def test_anonymised_in_the_database_as_in_python_byte_for_byte(
    org_sessions: Sessions, settings: Settings, awkward_events: tuple[str, bool]
) -> None:
    url, in_store = awkward_events
    rule = events_rule(action="anonymise", transforms=TRANSFORMS)
    await save(org_sessions, rule)
    async with org_sessions() as session:
        hash_key = keyring_of(session).subkey("retention-keyed-hash")
    assert await _done_in_store(url, rule, hash_key, settings) == in_store
    before = {row[0]: row for row in await run_sql(url, EVERY_ROW)}

    dry = await run(org_sessions, settings, dry_run=True)
    assert {row[0]: row for row in await run_sql(url, EVERY_ROW)} == before, "a dry run changes nothing"
    first = await run(org_sessions, settings, batch_size=5)

    after = {row[0]: row for row in await run_sql(url, EVERY_ROW)}
    transforms = [ColumnTransform.model_validate(t) for t in TRANSFORMS]
    due = [key for key in before if key <= 10 or key >= 100]
    for key in due:
        expected = tuple(transformed(value, t, hash_key) for value, t in zip(before[key][1:], transforms, strict=True))
        assert after[key][1:] == expected, f"row {key}: {before[key][1:]}"
    assert all(after[key] == before[key] for key in before if key not in due), "rows in their period stay"
    assert first.counts.anonymised == len(due) and dry.counts == first.counts
    second = await run(org_sessions, settings)
    assert second.counts.anonymised == 0, "a value anonymised already is not written again"
    assert {row[0]: row for row in await run_sql(url, EVERY_ROW)} == after


async def test_a_person_under_a_legal_hold_is_not_anonymised_in_the_database(
    org_sessions: Sessions, settings: Settings, awkward_events: tuple[str, bool]
) -> None:
    url, _ = awkward_events
    await save(org_sessions, events_rule(action="anonymise", transforms=TRANSFORMS))
    async with org_sessions() as session, session.begin():
        hold = HoldIn(subject="ada@example.org", reason="case 7")
        await service.place_hold(session, hold=hold, actor=SYSTEM, now=NOW)
    swept = await run(org_sessions, settings)
    assert (swept.counts.anonymised, swept.counts.held) == (10 - 2 + len(AWKWARD), 2)
    assert await run_sql(url, "SELECT ip FROM web_events WHERE id IN (3, 8) ORDER BY id") == [
        ("81.2.69.2",),
        ("81.2.69.7",),
    ]


async def _done_in_store(url: str, rule: dict[str, Any], hash_key: bytes, settings: Settings) -> bool:
    """Whether the store's database does the rule's transforms itself."""
    validated = RuleIn.model_validate(rule)
    engine = create_async_engine(url, poolclass=NullPool)
    async with engine.connect() as connection:
        done = await in_database(connection, target_of(validated, url, settings), validated.transforms, hash_key)
    await engine.dispose()
    return done is not None
