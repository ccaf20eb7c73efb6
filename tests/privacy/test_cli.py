"""The `privacy` command as an operator uses it."""

from __future__ import annotations

import subprocess
from importlib.metadata import version
from pathlib import Path

import click
import yaml
from click.testing import CliRunner
from litestar import Litestar
from litestar.testing import AsyncTestClient

from privacy.cli import main
from privacy.settings import Settings
from tests.conftest import ORGANISATION, activity, environment_for, privacy_command
from tests.privacy.test_files_and_logs import run_privacy


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


def every_command(group: click.Group, path: tuple[str, ...] = ("privacy",)) -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name, command in group.commands.items():
        found.append((" ".join([*path, name]), command))
        if isinstance(command, click.Group):
            found += every_command(command, (*path, name))
    return found


def test_every_option_is_explained_and_no_command_list_is_cut_short() -> None:
    unexplained = [
        f"{name} {option.opts[0]}"
        for name, command in every_command(main)
        for option in command.params
        if isinstance(option, click.Option) and not option.help
    ]
    assert unexplained == []
    for name, command in [("privacy", main), *every_command(main)]:
        if isinstance(command, click.Group):
            listing = CliRunner().invoke(main, [*name.split()[1:], "--help"], terminal_width=80).output
            commands = listing.split("Commands:")[1]
            assert "..." not in commands, listing
    assert CliRunner().invoke(main, ["--version"]).output.strip() == f"privacy {version('privacy-toolkit')}"


def test_a_dry_run_on_a_fresh_install_leaves_nothing_on_disk(tmp_path: Path) -> None:
    file = tmp_path / "organisation.yaml"
    file.write_text(yaml.safe_dump({"organisation": ORGANISATION}))
    result = run_privacy(tmp_path / "data", "apply", "--dry-run", str(file))
    assert result.returncode == 0, result.stderr
    assert "would apply: 1 created" in result.stdout
    assert not (tmp_path / "data").exists()


def test_a_broken_yaml_file_says_where_the_mistake_starts(tmp_path: Path) -> None:
    file = tmp_path / "organisation.yaml"
    file.write_text('organisation:\n  legal_name: "Nordlicht Hosting\n  country: DE\n')
    unclosed = run_privacy(tmp_path / "data", "apply", "--dry-run", str(file))
    assert unclosed.returncode == 2
    assert "the quoted value opened at line 2, column 15 is not closed" in unclosed.stderr
    file.write_text("organisation:\n\tcountry: DE\n")
    tabbed = run_privacy(tmp_path / "data", "apply", "--dry-run", str(file))
    assert "a tab at line 2, column 1: YAML indents with spaces" in tabbed.stderr


def test_norway_stays_a_country_and_uk_is_answered_with_gb(tmp_path: Path) -> None:
    file = tmp_path / "organisation.yaml"
    organisation = yaml.safe_dump({"organisation": {**ORGANISATION, "country": "DE"}})
    file.write_text(organisation.replace("country: DE", "country: NO"))
    norway = run_privacy(tmp_path / "data", "apply", "--dry-run", str(file))
    assert norway.returncode == 0, norway.stderr
    file.write_text(organisation.replace("country: DE", "country: UK").replace(ORGANISATION["contact_email"], "x"))
    refused = run_privacy(tmp_path / "data", "apply", "--dry-run", str(file))
    assert "organisation.country: UK is not an ISO 3166-1 country code: use GB" in refused.stderr
    assert "organisation.contact_email: should be an email address, such as privacy@example.org" in refused.stderr
    assert "^" not in refused.stderr, "no regular expression is shown"
