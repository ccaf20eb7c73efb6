"""`privacy retention run`."""

from __future__ import annotations

import subprocess

from privacy.settings import Settings
from tests.conftest import environment_for, privacy_command
from tests.retention.conftest import Sessions, events_rule, save


async def test_command_line_dry_run_prints_counts_per_store(
    org_sessions: Sessions, settings: Settings, events: str
) -> None:
    await save(org_sessions, events_rule())
    result = subprocess.run(
        privacy_command("retention", "run", "--dry-run"),
        env=environment_for(settings),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert (
        "web-analytics on sql:analytics/web_events: 10 deleted, 0 anonymised, 0 restricted, 0 held (would be so"
        in result.stdout
    )
