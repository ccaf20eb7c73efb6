"""The consent set-up: saved once per change (in the audit trail), read back as the configuration
file writes it, refused whole when its document is wrong."""

from __future__ import annotations

import copy
from importlib import resources
from typing import Any

import pytest
import yaml
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from consent import decisions, setup
from consent.models import ConsentSetupRow
from consent.schemas import EARLIER_DEFAULT_US_STATES, ConsentSetup, Regime
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


def earlier_row(setup_dump: dict[str, Any]) -> ConsentSetupRow:
    """A set-up row as earlier versions stored it: no declarations, their default US states."""
    stored = copy.deepcopy(setup_dump)
    for entry in stored["categories"]:
        for name in ("consent_mode", "gpc_opt_out", "exempt"):
            del entry[name]
    for entry in stored["services"]:
        for name in ("first_party", "aggregated_only", "cross_site", "retention_months"):
            del entry[name]
    for texts in stored["texts"].values():
        del texts["exempt"]
    regimes = stored["regimes"]
    del regimes["opt_out"], regimes["opt_in_regions"], regimes["opt_out_regions"], regimes["exempt_measurement"]
    stored["regimes"] = {**regimes, "default": "opt_in", "us_opt_out_states": list(EARLIER_DEFAULT_US_STATES)}
    return ConsentSetupRow(id=setup.SETUP_ROW, revision=1, etag="a", setup=stored)


def test_a_setup_stored_by_an_earlier_version_keeps_its_meaning_and_the_opt_in_default() -> None:
    current = setup.loaded(earlier_row(demo_setup().model_dump(mode="json")))
    assert current.declared.signals == {
        "security_storage": "necessary",
        "analytics_storage": "analytics",
        "ad_storage": "advertising",
        "ad_user_data": "advertising",
        "ad_personalization": "advertising",
    }
    assert current.declared.gpc_opt_out == ("advertising",) and current.declared.exempt == ()
    assert decisions.regime_for(current.setup, country="US", region="CA") is Regime.OPT_IN


async def test_an_exempt_category_breaking_a_condition_saves_nothing(sessions: Sessions) -> None:
    document = yaml.safe_dump(demo_setup().model_dump(mode="json")).replace("cross_site: false", "cross_site: true")
    async with sessions() as session, session.begin():
        with pytest.raises(Invalid) as refused:
            await setup.save_setup_document(session, document=document, max_bytes=100_000, actor=SYSTEM, now=utcnow())
    assert [error.path for error in refused.value.errors] == ["services[1].cross_site"]
    async with sessions() as session:
        assert await setup.load_setup(session) is None
