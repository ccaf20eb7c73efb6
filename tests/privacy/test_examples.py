"""The example configurations of docs/examples: each applies cleanly with `privacy apply` and leaves
no gap in the register; the Art. 30 record and the published privacy notice state every lawful
basis of every activity, with what it rests on and what it covers; and `privacy export-config`
round-trips (applied where it comes from it changes nothing, applied to a fresh installation it
recreates the same file)."""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from privacy.app import create_app
from privacy.commands import sessions_for
from privacy.composition import configuration
from privacy.config_file import Change
from privacy.db import SessionFactory, upgrade_database, utcnow
from privacy.register.schemas import ActivityIn, ActivityRole, BasisUse, LawfulBasis
from privacy.settings import Settings
from tests.conftest import SYSTEM, client_of, environment_for, in_own_thread, privacy_command

Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]
EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "docs" / "examples"
EXAMPLES = ["hosting-company.yaml", "customer-portal.yaml", "french-platform.yaml"]
OTHER_SECRET = "a-fresh-installation-" + "f" * 32

# Each basis as the Art. 30 record names it, and as the English notice tells people.
IN_THE_RECORD = {
    LawfulBasis.CONSENT: "Consent (Art. 6(1)(a))",
    LawfulBasis.CONTRACT: "Contract (Art. 6(1)(b))",
    LawfulBasis.LEGAL_OBLIGATION: "Legal obligation (Art. 6(1)(c))",
    LawfulBasis.VITAL_INTERESTS: "Vital interests (Art. 6(1)(d))",
    LawfulBasis.PUBLIC_TASK: "Public task (Art. 6(1)(e))",
    LawfulBasis.LEGITIMATE_INTERESTS: "Legitimate interests (Art. 6(1)(f))",
}
IN_THE_NOTICE = {
    LawfulBasis.CONSENT: "Your consent (Art. 6(1)(a) GDPR)",
    LawfulBasis.CONTRACT: "Performing our contract with you (Art. 6(1)(b) GDPR)",
    LawfulBasis.LEGAL_OBLIGATION: "A legal obligation (Art. 6(1)(c) GDPR)",
    LawfulBasis.VITAL_INTERESTS: "Vital interests (Art. 6(1)(d) GDPR)",
    LawfulBasis.PUBLIC_TASK: "A task in the public interest (Art. 6(1)(e) GDPR)",
    LawfulBasis.LEGITIMATE_INTERESTS: "Our legitimate interests (Art. 6(1)(f) GDPR)",
}

examples = pytest.mark.parametrize("name", EXAMPLES, ids=[name.removesuffix(".yaml") for name in EXAMPLES])


def text_of(name: str) -> str:
    return (EXAMPLES_DIR / name).read_text()


def document_of(name: str) -> dict[str, Any]:
    document = yaml.safe_load(text_of(name))
    assert isinstance(document, dict)
    return document


def activities_of(name: str) -> list[ActivityIn]:
    """The file's activities as the register reads them (a single `lawful_basis` as a list of one)."""
    return [ActivityIn.model_validate(entry) for entry in document_of(name)["activities"]]


def controller_activities(name: str) -> list[ActivityIn]:
    return [activity for activity in activities_of(name) if activity.role is not ActivityRole.PROCESSOR]


def run(settings: Settings, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        privacy_command(*arguments), env=environment_for(settings), capture_output=True, text=True, check=False
    )


async def apply_text(sessions: SessionFactory, settings: Settings, text: str) -> list[Change]:
    config = configuration().parse(text, max_bytes=settings.max_yaml_bytes)
    async with sessions() as session, session.begin():
        return await configuration().apply(session, config=config, actor=SYSTEM, settings=settings, now=utcnow())


def one_line(text: str) -> str:
    return " ".join(text.split())


def what_it_rests_on(use: BasisUse) -> list[str]:
    """What a basis rests on and whom or what it covers, as the file states it."""
    covers = use.covers
    said = [use.consent_purpose, use.legitimate_interest, use.legal_obligation, covers.note]
    return [one_line(text) for text in [*filter(None, said), *covers.data_subjects, *covers.countries]]


@examples
async def test_the_example_applies_cleanly_and_leaves_no_gap(
    name: str, settings: Settings, client: Client, auditor: dict[str, str], officer: dict[str, str]
) -> None:
    applied = run(settings, "apply", str(EXAMPLES_DIR / name))
    assert applied.returncode == 0, applied.stderr
    assert applied.stderr == ""
    assert re.search(r"^applied: [0-9]+ created, [0-9]+ updated, 0 unchanged$", applied.stdout, re.MULTILINE)
    for activity in activities_of(name):
        assert f"+ activities[{activity.key}]\n" in applied.stdout, activity.key

    # A consent asked on the organisation's own forms (a newsletter, a talent pool) is provable once
    # the forms record one (Art. 7(1)); until then the register asks where it is collected.
    on_forms = consents_on_forms(name)
    before = await gap_fields(client, auditor)
    assert all(set(fields) <= set(on_forms.get(key, [])) for key, fields in before.items()), before
    for key in on_forms:
        consent = {
            "email": "someone@example.org",
            "activity": key,
            "wording": "Yes, keep me informed",
            "source": "sign-up form",
            "given_at": utcnow().isoformat(),
        }
        recorded = await client.post("/api/v1/admin/consents", json=consent, headers=officer)
        assert recorded.status_code == 201, recorded.text
    assert await gap_fields(client, auditor) == {}, "every activity is complete"


def consents_on_forms(name: str) -> dict[str, list[str]]:
    """The consent bases of each activity whose purpose is no category of the banner."""
    banner = {category["key"] for category in document_of(name).get("consent", {}).get("categories", [])}
    found = {
        activity.key: [
            f"lawful_bases[{index}].consent_purpose"
            for index, use in enumerate(activity.lawful_bases)
            if use.basis is LawfulBasis.CONSENT and use.consent_purpose not in banner
        ]
        for activity in activities_of(name)
    }
    return {key: fields for key, fields in found.items() if fields}


async def gap_fields(client: Client, auditor: dict[str, str]) -> dict[str, list[str]]:
    """The fields each activity with gaps lacks, as the register's API lists them."""
    listed = await client.get("/api/v1/admin/activities", headers=auditor)
    assert listed.status_code == 200, listed.text
    return {entry["key"]: [gap["field"] for gap in entry["gaps"]] for entry in listed.json() if entry["gaps"]}


@examples
async def test_the_record_and_the_notice_state_every_lawful_basis(
    name: str,
    settings: Settings,
    sessions: Sessions,
    client: Client,
    auditor: dict[str, str],
    officer: dict[str, str],
) -> None:
    await apply_text(sessions, settings, text_of(name))
    controller = controller_activities(name)
    assert all(activity.lawful_bases for activity in controller), "each controller activity has a basis"

    answer = await client.get("/api/v1/admin/exports/ropa.json", headers=auditor)
    assert answer.status_code == 200, answer.text
    record = answer.json()
    assert record["organisation"]["legal_name"] == document_of(name)["organisation"]["legal_name"]
    entries = {entry["key"]: entry for entry in record["controller_activities"]}
    assert entries.keys() == {activity.key for activity in controller}
    processors = {activity.key for activity in activities_of(name)} - entries.keys()
    assert {entry["key"] for entry in record["processor_activities"]} == processors
    for activity in controller:
        stated = [one_line(text) for text in entries[activity.key]["lawful_bases"]]
        assert len(stated) == len(activity.lawful_bases), activity.key
        for use, text in zip(activity.lawful_bases, stated, strict=True):
            assert text.startswith(IN_THE_RECORD[use.basis]), (activity.key, text)
            for fact in what_it_rests_on(use):
                assert fact in text, (activity.key, fact)

    published = await client.post(
        "/api/v1/admin/notice/versions", json={"summary": "First version", "material": False}, headers=officer
    )
    assert published.status_code == 201, published.text
    page = await client.get("/privacy", params={"lang": "en"})
    assert page.status_code == 200
    rows = notice_rows(page.text)
    assert rows.keys() == {activity.name for activity in controller}, "the notice lists the controller activities"
    for activity in controller:
        told = rows[activity.name]
        assert len(told) == len(activity.lawful_bases), activity.key
        for use, text in zip(activity.lawful_bases, told, strict=True):
            assert IN_THE_NOTICE[use.basis] in text, (activity.key, text)  # after what it covers, if it says
            for fact in what_it_rests_on(use):
                if fact != use.consent_purpose:  # the notice names the basis, not the consent's key
                    assert fact in text, (activity.key, fact)


def notice_rows(page: str) -> dict[str, list[str]]:
    """The notice's table of purposes: each activity's name and the paragraphs of its bases."""
    table = page[page.index('<h2 id="purposes">') :]
    table = table[: table.index("</table>")]
    rows: dict[str, list[str]] = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.DOTALL):
        heading = re.search(r'<th scope="row">(.*?)<br>', row, re.DOTALL)
        if heading is None:
            continue  # the header row
        cells = re.findall(r"<td>(.*?)</td>", row, re.DOTALL)
        bases = re.findall(r"<p>(.*?)</p>", cells[-1], re.DOTALL)
        rows[words(heading.group(1))] = [words(basis) for basis in bases]
    return rows


def words(fragment: str) -> str:
    return one_line(html.unescape(re.sub(r"<[^>]+>", " ", fragment)))


@examples
async def test_an_export_round_trips(name: str, settings: Settings, sessions: Sessions, tmp_path: Path) -> None:
    await apply_text(sessions, settings, text_of(name))
    exported = run(settings, "export-config")
    assert exported.returncode == 0, exported.stderr
    text = exported.stdout
    assert "lawful_bases:" in text

    again = await apply_text(sessions, settings, text)
    assert [change.describe() for change in again if change.kind != "unchanged"] == [], "where it comes from"

    fresh = Settings(
        _env_file=None,
        data_dir=tmp_path / "fresh",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'fresh.sqlite3'}",
        secret_key=OTHER_SECRET,
        background_work=False,
        outbound_allow=settings.outbound_allow,
        external_sqlite_dir=settings.external_sqlite_dir,
    )
    (tmp_path / "fresh").mkdir()
    in_own_thread(upgrade_database, fresh)
    async with sessions_for(fresh) as fresh_sessions:
        await apply_text(fresh_sessions, fresh, with_system_urls(text, document_of(name)))
        async with fresh_sessions() as session:
            recreated = await configuration().export(session)
    assert recreated == text


def with_system_urls(exported: str, example: dict[str, Any]) -> str:
    """The export with each system's URL given back, as an administrator adds it on another
    installation (an export never holds URLs or secrets)."""
    document = yaml.safe_load(exported)
    given = {system["key"]: system for system in example.get("systems", [])}
    for system in document.get("systems", []):
        assert "url" not in system and "secret" not in system, "an export holds no URL or secret"
        system.update(
            {field: given[system["key"]][field] for field in ("url", "secret") if field in given[system["key"]]}
        )
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


async def test_the_french_platforms_notice_is_in_french(
    settings: Settings, sessions: Sessions, client: Client, officer: dict[str, str]
) -> None:
    await apply_text(sessions, settings, text_of("french-platform.yaml"))
    published = await client.post(
        "/api/v1/admin/notice/versions", json={"summary": "Première version"}, headers=officer
    )
    assert published.status_code == 201, published.text
    page = await client.get("/privacy")  # a first visit asking for no language: the default, French
    assert page.status_code == 200
    assert '<html lang="fr">' in page.text
    assert "Politique de confidentialité" in page.text and "Vos droits" in page.text
    english = await client.get("/privacy", headers={"accept-language": "en-GB,en;q=0.8"})
    assert '<html lang="en">' in english.text and "Your rights" in english.text


async def test_the_french_platform_measures_its_audience_without_consent_in_france_only(
    settings: Settings, sessions: Sessions
) -> None:
    await apply_text(sessions, settings, text_of("french-platform.yaml"))
    async with client_of(create_app(settings)) as client:  # started after the set-up, which it keeps in memory
        answer = await client.get("/api/v1/consent/site", params={"site": "www"})
    assert answer.status_code == 200, answer.text
    site = answer.json()
    assert site["exempt"] == ["mesure-audience"] and site["exempt_in"] == ["FR"]
    assert site["gpc_opt_out"] == ["publicite"]
    assert site["signals"]["analytics_storage"] == "mesure-audience"
