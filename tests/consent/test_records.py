"""Consent records: one append-only proof per choice, a receipt anyone can check with the public key."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import httpx
from joserfc import jws
from joserfc.jwk import OKPKey
from litestar import Litestar
from sqlalchemy import select

from consent.models import ConsentRecord
from privacy.db import database_config
from privacy.months import add_months
from privacy.settings import Settings
from tests.consent.conftest import CHOICE, Client, record


async def test_choice_gets_a_receipt_verifiable_with_the_published_key(visitor: Client) -> None:
    response = await record(visitor, headers={"cf-ipcountry": "FR"})
    assert response.status_code == 201
    body = response.json()
    jwks = (await visitor.get("/.well-known/jwks.json")).json()
    public = OKPKey.import_key(jwks["keys"][0])
    verified = jws.deserialize_compact(body["receipt"], public, algorithms=["Ed25519"])
    assert verified.protected["kid"] == jwks["keys"][0]["kid"]
    claims = json.loads(verified.payload)
    assert claims["cid"] == body["consent_id"]
    assert claims["granted"] == ["analytics", "necessary"]
    assert claims["denied"] == ["functional", "advertising"]
    assert claims["jur"] == {"country": "FR", "region": None, "regime": "opt_in", "source": "cdn"}
    assert datetime.fromisoformat(body["valid_until"]) - datetime.fromisoformat(body["recorded_at"]) > timedelta(
        days=364
    )


async def test_standing_choice_is_honoured_then_withdrawn_in_one_step(visitor: Client) -> None:
    first = (await record(visitor, headers={"cf-ipcountry": "DE"})).json()
    decision = (
        await visitor.get(
            "/api/v1/consent/decision",
            params={"site": "www", "receipt": first["receipt"]},
            headers={"cf-ipcountry": "DE"},
        )
    ).json()
    assert decision["show_banner"] is False
    assert decision["consent"] == {"necessary": True, "functional": False, "analytics": True, "advertising": False}

    withdrawn = await record(
        visitor, {**CHOICE, "action": "withdraw", "consent_id": first["consent_id"], "choices": {}}
    )
    assert withdrawn.status_code == 201
    history = (await visitor.get(f"/api/v1/consent/records/{first['consent_id']}")).json()
    assert [entry["action"] for entry in history["history"]] == ["custom", "withdraw"]
    assert history["current"] == {"necessary": True, "functional": False, "analytics": False, "advertising": False}


async def test_necessary_is_always_granted_and_unknown_categories_refused(visitor: Client) -> None:
    refused_all = (await record(visitor, {**CHOICE, "action": "reject_all", "choices": {}})).json()
    claims = json.loads(jws.extract_compact(refused_all["receipt"].encode()).payload)
    assert claims["granted"] == ["necessary"]
    unknown = await record(visitor, {**CHOICE, "choices": {"tracking": True}})
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == [{"path": "choices.tracking", "message": "unknown category"}]


async def test_stale_policy_version_is_a_409(visitor: Client) -> None:
    response = await record(visitor, {**CHOICE, "policy_version": "2025-01"})
    assert response.status_code == 409
    assert "2026-11" in response.json()["detail"]


async def test_refusal_stands_six_months(visitor: Client) -> None:
    body = (await record(visitor, {**CHOICE, "action": "reject_all", "choices": {}})).json()
    lasts = datetime.fromisoformat(body["valid_until"]) - datetime.fromisoformat(body["recorded_at"])
    assert timedelta(days=181) <= lasts <= timedelta(days=184)


def test_refusals_last_six_months_and_acceptances_twelve() -> None:
    start = datetime(2026, 8, 31, 9, 30, tzinfo=UTC)
    assert add_months(start, 6) == datetime(2027, 2, 28, 9, 30, tzinfo=UTC)
    assert add_months(start, 12) == datetime(2027, 8, 31, 9, 30, tzinfo=UTC)


async def test_concurrent_choices_are_each_stored_once(consent_app: Litestar, consent_settings: Settings) -> None:
    # The app runs on this test's own loop so the requests overlap and share group commits.
    transport = httpx.ASGITransport(app=consent_app)
    async with consent_app.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        responses = await asyncio.gather(*(client.post("/api/v1/consent/records", json=CHOICE) for _ in range(40)))
    assert [r.status_code for r in responses] == [201] * 40
    config = database_config(consent_settings)
    async with config.create_session_maker()() as session:
        stored = (await session.scalars(select(ConsentRecord.consent_id))).all()
    await config.get_engine().dispose()
    await consent_app.state.db_config.get_engine().dispose()
    assert sorted(map(str, stored)) == sorted(r.json()["consent_id"] for r in responses)
