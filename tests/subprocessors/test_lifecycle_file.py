"""The lifecycle in the configuration file: an export's dated changes put on record where they are
missing, a record further along left as it is, and a history that cannot be rewritten or made up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml

from privacy.composition import configuration
from privacy.config_file import Change
from privacy.db import utcnow
from privacy.errors import Invalid
from privacy.settings import Settings
from subprocessors import service
from tests.conftest import SYSTEM
from tests.subprocessors.conftest import Sessions, new_subprocessor


async def exported(sessions: Sessions) -> dict[str, Any]:
    async with sessions() as session:
        document: dict[str, Any] = yaml.safe_load(await configuration().export(session))
    return document


async def apply(sessions: Sessions, settings: Settings, document: dict[str, Any]) -> list[Change]:
    config = configuration().parse(yaml.safe_dump(document))
    async with sessions() as session, session.begin():
        return await configuration().apply(session, config=config, actor=SYSTEM, settings=settings, now=utcnow())


def entry(document: dict[str, Any], key: str) -> dict[str, Any]:
    return next(item for item in document["subprocessors"] if item["key"] == key)


async def test_an_announcement_in_the_file_is_put_on_record_and_an_older_file_then_changes_nothing(
    org_sessions: Sessions, mail_settings: Settings
) -> None:
    before = await exported(org_sessions)
    later = await exported(org_sessions)
    announced_at = utcnow()
    effective_on = (announced_at + timedelta(days=30)).date()
    change = {"change": "announced", "at": announced_at.isoformat(), "effective_on": effective_on.isoformat()}
    entry(later, "matomo-cloud")["lifecycle"].append({**change, "summary": "Analytics with consent"})

    changes = await apply(org_sessions, mail_settings, later)
    assert [c.describe() for c in changes if c.kind != "unchanged"] == ["~ subprocessors[matomo-cloud]: lifecycle"]
    async with org_sessions() as session:
        row = await service.get_subprocessor(session, key="matomo-cloud")
        assert (row.status, row.pending, row.effective_on) == ("announced", "activate", effective_on)
        [listed] = (await service.list_on(session, day=utcnow().date())).announced
        assert (listed.key, listed.at, listed.summary) == ("matomo-cloud", announced_at, "Analytics with consent")
    async with org_sessions() as session:
        await service.put_announced_changes_into_effect(
            session, now=datetime.combine(effective_on, datetime.min.time(), UTC)
        )

    for older in (before, later):
        assert all(c.kind == "unchanged" for c in await apply(org_sessions, mail_settings, older))
    async with org_sessions() as session:
        assert (await service.get_subprocessor(session, key="matomo-cloud")).status == "active"


async def test_a_history_on_record_cannot_be_rewritten_by_a_file(
    org_sessions: Sessions, mail_settings: Settings
) -> None:
    document = await exported(org_sessions)
    entry(document, "hetzner")["active_since"] = "2024-02-01"
    with pytest.raises(Invalid) as raised:
        await apply(org_sessions, mail_settings, document)
    [error] = raised.value.errors
    assert error.path == "subprocessors[0].active_since"
    assert error.message.startswith(
        "here it was activated at 2024-01-15 00:00:00 UTC, the file says activated at 2024-02-01 00:00:00 UTC"
    )


@pytest.mark.parametrize(
    ("lifecycle", "place", "words"),
    [
        ([("proposed", 3, {}), ("retired", 2, {})], "lifecycle[1]", "a lifecycle goes proposed, announced, activated"),
        ([("proposed", 3, {}), ("announced", 2, {"effective_on": 8})], "lifecycle[1]", "less than the notice period"),
        ([("proposed", 3, {}), ("announced", -1, {"effective_on": 40})], "lifecycle[1]", "has not happened yet"),
        ([("announced", 40, {"effective_on": 50})], "lifecycle[0]", "a lifecycle goes proposed, announced"),
        ([("proposed", 3, {}), ("announced", 5, {"effective_on": 40})], "lifecycle[1]", "comes before the change"),
    ],
)
async def test_a_lifecycle_that_cannot_have_happened_is_refused_where_it_is(
    org_sessions: Sessions,
    mail_settings: Settings,
    lifecycle: list[tuple[str, int, dict[str, int]]],
    place: str,
    words: str,
) -> None:
    """Each change: what it is, how many days ago, and in how many days after it it takes effect."""
    now = utcnow()
    written = []
    for change, days_ago, effect in lifecycle:
        at = now - timedelta(days=days_ago)
        extra = {"effective_on": (at + timedelta(days=effect["effective_on"])).date().isoformat()} if effect else {}
        written.append({"change": change, "at": at.isoformat(), **extra})
    with pytest.raises(Invalid) as raised:
        await apply(org_sessions, mail_settings, {"subprocessors": [{**new_subprocessor(), "lifecycle": written}]})
    [error] = raised.value.errors
    assert (error.path, words in error.message) == (f"subprocessors[0].{place}", True), error.message
    async with org_sessions() as session:
        assert "plausible" not in {row.key for row in await service.list_subprocessors(session)}
