"""One owner for the consent policy version: once a material change of the privacy notice has set
it, re-applying the configuration file no longer puts the file's version back (which would ask
every visitor again, silently), and `privacy apply` says so."""

from __future__ import annotations

from collections.abc import AsyncIterator
from importlib import resources
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from consent.models import ConsentSetupRow
from privacy.composition import configuration
from privacy.db import utcnow
from privacy.settings import Settings
from tests.conftest import SYSTEM, app_with_demo, client_of
from tests.privacy.test_cli import run

Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]
DEMO = resources.files("privacy").joinpath("demo.yaml").read_text()
NEWER = DEMO.replace('policy_version: "2026-11"', 'policy_version: "2026-12"')
KEPT = (
    "= consent.policy_version: stays notice-1, set by version 1 of the privacy notice; the file's {} is not applied "
    "(publishing a material change of the notice asks visitors again)"
)


@pytest.fixture
async def web(settings: Settings) -> AsyncIterator[Client]:
    async with client_of(await app_with_demo(settings)) as client:
        yield client


async def publish_material_change(web: Client, officer: dict[str, str]) -> None:
    body = {"summary": "New purposes", "material": True}
    answer = await web.post("/api/v1/admin/notice/versions", json=body, headers=officer)
    assert answer.status_code == 201, answer.text


async def apply_file(sessions: Sessions, settings: Settings, text: str) -> list[str]:
    """What `privacy apply` prints for the file, before its counts."""
    config = configuration().parse(text)
    async with sessions() as session, session.begin():
        changes = await configuration().apply(session, config=config, actor=SYSTEM, settings=settings, now=utcnow())
    return [change.describe() for change in changes if change.kind != "unchanged"]


async def stored_setup(sessions: Sessions) -> tuple[str, int]:
    async with sessions() as session:
        row = await session.get(ConsentSetupRow, 1)
        assert row is not None
        return row.setup["policy_version"], row.revision


async def test_reapplying_the_file_after_a_material_notice_keeps_the_notices_version(
    web: Client, officer: dict[str, str], sessions: Sessions, settings: Settings, tmp_path: Path
) -> None:
    await publish_material_change(web, officer)
    version, revision = await stored_setup(sessions)
    assert version == "notice-1"
    document = tmp_path / "privacy.yaml"
    document.write_text(DEMO)

    applied = run(settings, "apply", str(document))

    assert applied.returncode == 0, applied.stderr
    assert KEPT.format("2026-11") in applied.stdout
    assert "~ consent" not in applied.stdout
    assert await stored_setup(sessions) == ("notice-1", revision), "nothing saved: no visitor is asked again"


async def test_a_file_changing_the_banner_after_the_notice_says_visitors_are_asked_again(
    web: Client, officer: dict[str, str], sessions: Sessions, settings: Settings
) -> None:
    await publish_material_change(web, officer)

    said = await apply_file(sessions, settings, DEMO.replace("title: Your privacy choices", "title: Your choices"))

    assert said == ["~ consent: texts, the banner asks every visitor again", KEPT.format("2026-11")]
    assert (await stored_setup(sessions))[0] == "notice-1"


async def test_a_notice_published_after_the_file_is_not_undone_by_applying_the_file_again(
    web: Client, officer: dict[str, str], sessions: Sessions, settings: Settings
) -> None:
    said = await apply_file(sessions, settings, NEWER)
    assert said == ["~ consent: policy_version from 2026-11 to 2026-12, the banner asks every visitor again"]

    await publish_material_change(web, officer)
    assert (await stored_setup(sessions))[0] == "notice-1", "the material change asks everyone again"

    assert await apply_file(sessions, settings, NEWER) == [KEPT.format("2026-12")]
    assert (await stored_setup(sessions))[0] == "notice-1"
