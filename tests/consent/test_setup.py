"""The consent set-up: saved once per change (in the audit trail), read back as the configuration
file writes it, refused whole when its document is wrong."""

from __future__ import annotations

from importlib import resources

import pytest
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from consent import setup
from consent.schemas import ConsentSetup
from privacy.composition import configuration
from privacy.db import utcnow
from privacy.errors import Invalid, NotFound
from tests.conftest import SYSTEM

Sessions = async_sessionmaker[AsyncSession]


def demo_setup() -> ConsentSetup:
    demo = configuration().parse(resources.files("privacy").joinpath("demo.yaml").read_text())
    consent: ConsentSetup = demo.consent
    assert consent is not None
    return consent


async def test_no_set_up_yet_is_a_404_and_no_block(sessions: Sessions) -> None:
    async with sessions() as session:
        with pytest.raises(NotFound, match="not been set up"):
            await setup.current_setup(session)
        assert await setup.export_setup_block(session) is None


async def test_saving_the_same_set_up_again_changes_nothing(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        assert await setup.save_setup(session, setup=demo_setup(), actor=SYSTEM, now=utcnow()) is True
        assert await setup.save_setup(session, setup=demo_setup(), actor=SYSTEM, now=utcnow()) is False
    async with sessions() as session:
        assert await setup.current_setup(session) == demo_setup()
        assert (await setup.export_setup_block(session) or {})["policy_version"] == "2026-11"


async def test_a_wrong_document_saves_nothing(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        with pytest.raises(Invalid, match="not valid YAML"):
            await setup.save_setup_document(session, document="a: [", max_bytes=10_000, actor=SYSTEM, now=utcnow())
        with pytest.raises(ValidationError):
            await setup.save_setup_document(
                session, document="policy_version: x", max_bytes=10_000, actor=SYSTEM, now=utcnow()
            )
    async with sessions() as session:
        assert await setup.load_setup(session) is None
