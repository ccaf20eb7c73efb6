"""`privacy retention run` and `privacy retention approve`: a rule from a file deletes nothing until
a person has seen its dry run and approved it; a dry run covers every rule and says which would run."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from privacy.settings import Settings
from tests.conftest import environment_for, privacy_command
from tests.retention.conftest import Sessions, events_rule, ids, save


def privacy(settings: Settings, *arguments: str) -> str:
    result = subprocess.run(privacy_command(*arguments), env=environment_for(settings), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


async def test_command_line_dry_run_covers_every_rule_and_says_which_would_run(
    org_sessions: Sessions, settings: Settings, events: str
) -> None:
    await save(org_sessions, events_rule())
    await save(org_sessions, events_rule(key="old-events", enabled=False))
    printed = privacy(settings, "retention", "run", "--dry-run")
    counted = "on sql:analytics/web_events: would delete 10, would anonymise 0, would restrict 0, would hold 0"
    assert f"web-analytics {counted} (cutoff " in printed
    lines = {line.split(" ", 1)[0]: line for line in printed.splitlines() if "cutoff" in line}
    assert lines["web-analytics"].endswith("; would run now")
    assert lines["old-events"].endswith("; would not run now: disabled")
    # The demo's rules came from its file: none has been reviewed.
    assert lines["request-records"].startswith("request-records on toolkit:closed_requests: would delete 0")
    assert lines["request-records"].endswith("; would not run now: awaiting review")
    assert "deleted" not in printed and "would be so" not in printed
    assert len(await ids(events)) == 16, "a dry run changes nothing"


async def test_a_rule_from_a_file_deletes_nothing_until_approved_on_the_command_line(
    org_sessions: Sessions, settings: Settings, events: str, tmp_path: Path
) -> None:
    document = tmp_path / "retention.yaml"
    document.write_text(yaml.safe_dump({"retention": {"rules": [events_rule()]}}))
    privacy(settings, "apply", str(document))
    assert "web-analytics: not run (awaiting review)" in privacy(settings, "retention", "run")
    assert "web-analytics: not run (awaiting review)" in privacy(
        settings, "retention", "run", "--rule", "web-analytics"
    )
    assert len(await ids(events)) == 16

    approved = privacy(settings, "retention", "approve", "web-analytics", "--by", "Dana (DPO)", "--yes")
    assert "web-analytics on sql:analytics/web_events: would delete 10," in approved
    assert "web-analytics: approved by system:command line: Dana (DPO)" in approved
    privacy(settings, "apply", str(document))  # unchanged: still approved
    swept = privacy(settings, "retention", "run", "--rule", "web-analytics")
    assert "web-analytics on sql:analytics/web_events: deleted 10, anonymised 0, restricted 0, held 0" in swept
    assert len(await ids(events)) == 6
