"""The `retention` block of the configuration file: applied once, exported without secrets, refused
with the path of the error."""

from __future__ import annotations

import pytest
import yaml

from privacy.composition import configuration
from privacy.errors import Invalid
from privacy.settings import Settings
from tests.conftest import SYSTEM
from tests.retention.conftest import NOW, Sessions, events_rule

BACKUPS = {
    "name": "Database snapshots",
    "country": "DE",
    "provider": "Hetzner Online GmbH",
    "encrypted": True,
    "schedules": [{"every": "P1D", "kept": "P30D"}],
}


async def test_configuration_block_applies_and_exports_without_secrets(
    org_sessions: Sessions, settings: Settings, events: str
) -> None:
    document = {
        "retention": {
            "rules": [events_rule()],
            "backups": [BACKUPS],
        }
    }
    async with org_sessions() as session, session.begin():
        changes = await configuration().apply(
            session, config=configuration().parse(yaml.safe_dump(document)), actor=SYSTEM, settings=settings, now=NOW
        )
        assert [c.describe() for c in changes] == [
            "+ retention.rules[web-analytics]",
            "~ retention.backups: Database snapshots, Off-site archive",  # the organisation's two, replaced by one
        ]
        again = await configuration().apply(
            session, config=configuration().parse(yaml.safe_dump(document)), actor=SYSTEM, settings=settings, now=NOW
        )
        assert {c.kind for c in again} == {"unchanged"}
        exported = await configuration().export(session)
    assert "web_events" in exported and events not in exported
    bad = yaml.safe_dump({"retention": {"rules": [{**events_rule(), "period": "half a year"}]}})
    with pytest.raises(Invalid) as refused:
        configuration().parse(bad)
    assert "retention.rules[0].period" in [error.path for error in refused.value.errors]
