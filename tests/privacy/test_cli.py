"""The `privacy` command as an operator uses it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml
from litestar import Litestar
from litestar.testing import AsyncTestClient

from privacy.settings import Settings
from tests.conftest import ORGANISATION, activity, environment_for, privacy_command


def run(settings: Settings, *arguments: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        privacy_command(*arguments),
        env=environment_for(settings),
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


async def test_token_is_alone_on_the_last_line_and_works(settings: Settings, client: AsyncTestClient[Litestar]) -> None:
    result = run(settings, "tokens", "create", "--role", "auditor", "--name", "auditor laptop")
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("pt_") and " " not in token
    response = await client.get("/api/v1/admin/audit", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    refused = await client.post("/api/v1/admin/activities", json={}, headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403


def test_users_create_reads_the_password_from_stdin(settings: Settings) -> None:
    created = run(
        settings,
        "users",
        "create",
        "dana@example.org",
        "--role",
        "privacy_officer",
        "--password-stdin",
        stdin="a sufficiently long password\n",
    )
    assert created.returncode == 0, created.stderr
    again = run(
        settings,
        "users",
        "create",
        "dana@example.org",
        "--role",
        "admin",
        "--password-stdin",
        stdin="a sufficiently long password\n",
    )
    assert again.returncode == 2
    assert "already exists" in again.stderr
    short = run(settings, "users", "create", "eve@example.org", "--role", "admin", "--password-stdin", stdin="short\n")
    assert short.returncode == 2
    assert "at least 12 characters" in short.stderr


def test_db_check_finds_models_and_migrations_in_step(settings: Settings) -> None:
    result = run(settings, "db", "check")
    assert result.returncode == 0, result.stdout + result.stderr
    current = run(settings, "db", "current")
    assert "(head)" in current.stdout + current.stderr


async def test_apply_recreates_an_activity_removed_since_without_a_traceback(
    settings: Settings, client: AsyncTestClient[Litestar], tmp_path: Path
) -> None:
    document = tmp_path / "register.yaml"
    document.write_text(yaml.safe_dump({"organisation": ORGANISATION, "activities": [activity("billing")]}))
    assert run(settings, "apply", str(document)).returncode == 0
    officer = run(settings, "tokens", "create", "--role", "privacy_officer", "--name", "o").stdout.splitlines()[-1]
    removed = await client.delete("/api/v1/admin/activities/billing", headers={"Authorization": f"Bearer {officer}"})
    assert removed.status_code == 204
    again = run(settings, "apply", str(document))
    assert (again.returncode, again.stderr) == (0, "")
    assert "applied: 1 created" in again.stdout
