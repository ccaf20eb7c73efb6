"""Configuration as code: `privacy apply`, `--dry-run`, `export-config` and the demo."""

from __future__ import annotations

import subprocess
from importlib import resources
from pathlib import Path

import pytest
import yaml
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from privacy import config_file
from privacy.composition import configuration
from privacy.register import service as register
from privacy.register.gaps import Context, find_gaps
from privacy.settings import Settings
from tests.conftest import ORGANISATION, activity, environment_for, privacy_command


def run(settings: Settings, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        privacy_command(*arguments), env=environment_for(settings), capture_output=True, text=True, check=False
    )


def write(tmp_path: Path, document: object) -> str:
    path = tmp_path / "privacy.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return str(path)


async def activity_keys(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessions() as session:
        return [a.key for a in await register.list_activities(session)]


async def test_apply_is_idempotent_and_dry_run_changes_nothing(
    settings: Settings, tmp_path: Path, sessions: async_sessionmaker[AsyncSession]
) -> None:
    path = write(tmp_path, {"organisation": ORGANISATION, "activities": [activity("billing"), activity("support")]})
    dry = run(settings, "apply", path, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "+ activities[billing]" in dry.stdout and "would apply: 3 created" in dry.stdout
    assert await activity_keys(sessions) == []

    first = run(settings, "apply", path)
    assert "applied: 3 created, 0 updated, 0 unchanged" in first.stdout
    second = run(settings, "apply", path)
    assert "applied: 0 created, 0 updated, 3 unchanged" in second.stdout

    changed = write(tmp_path, {"activities": [activity("billing", retention="Seven years")]})
    third = run(settings, "apply", changed)
    assert "~ activities[billing]: retention" in third.stdout


async def test_one_invalid_entry_applies_nothing_and_names_its_path(
    settings: Settings, tmp_path: Path, sessions: async_sessionmaker[AsyncSession]
) -> None:
    entries = [activity(f"a{index}") for index in range(4)]
    entries[3]["lawful_basis"] = "because we can"
    path = write(tmp_path, {"organisation": ORGANISATION, "activities": entries})
    result = run(settings, "apply", path)
    assert result.returncode == 2
    assert "activities[3].lawful_bases[0].basis: 'because we can' is not one of consent, contract" in result.stderr
    assert await activity_keys(sessions) == []


async def test_every_reference_error_is_reported_in_one_pass_with_its_place(
    settings: Settings, tmp_path: Path, sessions: async_sessionmaker[AsyncSession]
) -> None:
    hosting = {
        "key": "hosting", "name": "Hosting GmbH", "service": "Hosting", "purpose": "Runs the service",
        "processing_locations": ["DE"], "corporate_location": "DE", "transfer_mechanism": "not_needed",
    }  # fmt: skip
    subprocessors = [{**hosting, "activities": ["billing"]}, {**hosting, "key": "mail", "activities": ["helpdesk"]}]
    connector = {"key": "paper", "name": "Paper", "kind": "manual", "activities": ["ghost"], "owner_email": "o@x.org"}
    document = {
        "organisation": ORGANISATION,
        "activities": [activity("billing")],
        "subprocessors": subprocessors,
        "connectors": [connector],
    }
    result = run(settings, "apply", write(tmp_path, document))
    assert result.returncode == 2
    assert "subprocessors[1].activities[0]: no activity 'helpdesk' in the register" in result.stderr
    assert "connectors[0].activities[0]: unknown activity 'ghost'" in result.stderr
    assert await activity_keys(sessions) == [], "nothing is applied"


def test_errors_name_paths_for_duplicates_and_nested_fields() -> None:
    entries = [activity("a"), activity("a", transfers=[{"country": "USA", "safeguard": "sccs_2021_914"}])]
    with pytest.raises(config_file.Invalid) as raised:
        configuration().parse(yaml.safe_dump({"activities": entries}))
    assert [e.path for e in raised.value.errors] == ["activities[1].transfers[0].country"]

    hosting = {
        "key": "hosting", "name": "Hosting GmbH", "service": "Hosting", "purpose": "Runs the service",
        "processing_locations": ["DE"], "corporate_location": "DE", "transfer_mechanism": "not_needed",
    }  # fmt: skip
    text = yaml.safe_dump({"activities": [activity("a"), activity("a")], "subprocessors": [hosting, hosting]})
    with pytest.raises(config_file.Invalid) as raised:
        configuration().parse(text)
    found = {(e.path, e.message) for e in raised.value.errors}
    assert found == {("activities[1].key", "duplicate key 'a'"), ("subprocessors[1].key", "duplicate key 'hosting'")}


def test_a_name_split_by_its_comma_in_a_list_is_reported_where_it_is() -> None:
    text = "activities:\n  - key: a\n    recipients: [Stripe, Inc., Payroll Ltd]\n"
    with pytest.raises(config_file.Invalid, match=r"at line 3, column 26, 'Inc\.' looks like the end of a name"):
        configuration().parse(text)
    quoted = 'activities:\n  - key: a\n    recipients: ["Stripe, Inc.", Payroll Ltd]\n'
    with pytest.raises(config_file.Invalid) as raised:  # read, then refused for what the activity lacks
        configuration().parse(quoted)
    assert "looks like the end of a name" not in str(raised.value.detail)


def test_broken_yaml_names_the_line() -> None:
    with pytest.raises(config_file.Invalid, match="line 3"):
        configuration().parse("activities:\n  - key: [unclosed\n")


async def test_export_then_apply_changes_nothing(settings: Settings, tmp_path: Path) -> None:
    assert run(settings, "demo").returncode == 0
    exported = run(settings, "export-config")
    assert exported.returncode == 0
    path = tmp_path / "exported.yaml"
    path.write_text(exported.stdout)
    again = run(settings, "apply", str(path))
    assert "0 created, 0 updated, 22 unchanged" in again.stdout
    written = tmp_path / "written.yaml"
    assert run(settings, "export-config", str(written)).returncode == 0
    assert written.read_text() == exported.stdout


def test_demo_is_a_complete_hosting_company() -> None:
    config = configuration().parse(resources.files("privacy").joinpath("demo.yaml").read_text())
    assert config.organisation is not None
    assert len(config.activities) >= 10
    bases = {use.basis for a in config.activities for use in a.lawful_bases}
    assert len(bases) >= 4
    assert any(len(a.lawful_bases) > 1 for a in config.activities), "billing: contract, and the law for invoices"
    assert any(t.safeguard and t.safeguard.value == "sccs_2021_914" for a in config.activities for t in a.transfers)
    assert any(a.role.value == "processor" for a in config.activities)
    context = Context(config.organisation)
    assert {a.key: find_gaps(a, context) for a in config.activities if find_gaps(a, context)} == {}
