"""`privacy breaches`: recording a breach and reading the register from the command line."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime

from litestar import Litestar

from privacy.settings import Settings
from tests.conftest import environment_for, privacy_command


def privacy(settings: Settings, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(privacy_command(*arguments), env=environment_for(settings), capture_output=True, text=True)


async def test_a_breach_is_recorded_and_listed_with_its_clock(breach_app: Litestar, breach_settings: Settings) -> None:
    aware = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    recorded = privacy(
        breach_settings,
        "breaches", "record", "--aware-at", aware.isoformat(), "--summary", "Ransomware on the file server",
        "--activity", "billing", "--category", "financial", "--people", "300",
    )  # fmt: skip
    assert recorded.returncode == 0, recorded.stderr
    assert "notify the lead supervisory authority by 2026-12-04 09:30 UTC" in recorded.stdout
    listed = privacy(breach_settings, "breaches", "list")
    assert "due 2026-12-04 09:30 UTC" in listed.stdout and "Ransomware on the file server" in listed.stdout

    unknown = privacy(
        breach_settings, "breaches", "record", "--aware-at", aware.isoformat(), "--summary", "x", "--activity", "nope"
    )
    assert unknown.returncode == 2 and "activities[0]: not in the register" in unknown.stderr
    naive = privacy(breach_settings, "breaches", "record", "--aware-at", "2026-12-01 09:30", "--summary", "x")
    assert naive.returncode == 2 and "aware_at" in naive.stderr
