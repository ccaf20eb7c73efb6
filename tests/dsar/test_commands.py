"""`privacy requests`: the inbox and staff's decisions from the command line."""

from __future__ import annotations

import subprocess
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from privacy.settings import Settings
from tests.conftest import environment_for, privacy_command
from tests.dsar.conftest import ADA, verified
from tests.mail_fixtures import Mailbox, body_of

Client = AsyncTestClient[Litestar]


def privacy(settings: Settings, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(privacy_command(*arguments), env=environment_for(settings), capture_output=True, text=True)


async def test_an_objection_is_listed_shown_and_decided_from_the_command_line(
    person: Client, dsar_settings: Settings, mailbox: Mailbox, background: Any
) -> None:
    granted = await verified(
        person, mailbox, background, type="objection", objection={"activities": ["security-logging"]}
    )
    reference = granted["reference"]
    listed = privacy(dsar_settings, "requests", "list", "--type", "objection")
    assert listed.returncode == 0, listed.stderr
    assert reference in listed.stdout and "in_progress" in listed.stdout
    shown = privacy(dsar_settings, "requests", "show", reference)
    step_id = shown.stdout.split("step ")[1].split(":")[0]
    assert f"step {step_id}: privacy-toolkit (security-logging) object awaiting_decision" in shown.stdout

    no_reason = privacy(dsar_settings, "requests", "decide", reference, step_id, "--outcome", "compelling_grounds")
    assert no_reason.returncode == 2 and "reason" in no_reason.stderr
    grounds = "Security logs protect every customer and are kept one year."
    decided = privacy(
        dsar_settings, "requests", "decide", reference, step_id, "--outcome", "compelling_grounds", "--reason", grounds
    )
    assert decided.returncode == 0, decided.stderr
    assert f"step {step_id} is done" in decided.stdout
    again = privacy(dsar_settings, "requests", "decide", reference, step_id, "--outcome", "stopped")
    assert again.returncode == 2 and "decided already" in again.stderr
    await background()
    [answer] = [message for message in mailbox.to(ADA) if "our answer" in message["Subject"]]
    assert grounds in body_of(answer)
