"""Consent records: one append-only proof per choice, a receipt anyone can check with the public key."""

from __future__ import annotations

import asyncio
import html
import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from joserfc import jws
from joserfc.jwk import OKPKey
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from consent import service
from consent.models import ConsentRecord
from consent.schemas import Jurisdiction, Regime
from privacy import auth
from privacy.actors import Role
from privacy.composition import configuration
from privacy.db import database_config
from privacy.months import add_months
from privacy.settings import Settings
from tests.conftest import SYSTEM, add_user, bearer, login

Client = AsyncTestClient[Litestar]
CHOICE = {"site": "www", "policy_version": "2026-11", "action": "custom", "choices": {"analytics": True}}


async def record(visitor: Client, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Any:
    return await visitor.post("/api/v1/consent/records", json=body or CHOICE, headers=headers or {})


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


async def test_forged_or_foreign_receipts_are_ignored(visitor: Client) -> None:
    genuine = (await record(visitor)).json()["receipt"]
    header, payload, signature = genuine.split(".")
    forged_payload = payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB")
    for receipt in (f"{header}.{forged_payload}.{signature}", "not-a-receipt", genuine[:-6] + "abcdef"):
        decision = (await visitor.get("/api/v1/consent/decision", params={"site": "www", "receipt": receipt})).json()
        assert decision["show_banner"] is True


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


async def test_bad_input_is_refused_and_stores_nothing(visitor: Client, consent_settings: Settings) -> None:
    cases = [
        ({**CHOICE, "site": "shop"}, {}, 404),
        ({**CHOICE, "consent_id": str(uuid.uuid4())}, {}, 404),
        ({**CHOICE, "action": "accept_some"}, {}, 422),
        ({**CHOICE, "ui": "x" * 500}, {}, 422),
        (CHOICE, {"origin": "https://evil.example"}, 403),
        ({**CHOICE, "padding": "x" * 2_000_000}, {}, 413),
    ]
    for body, headers, status in cases:
        response = await record(visitor, body, headers)
        assert response.status_code == status, (body.get("site"), response.text[:200])
        assert response.headers["content-type"].startswith("application/problem+json")
    config = database_config(consent_settings)
    async with config.create_session_maker()() as session:
        assert (await session.scalars(select(ConsentRecord))).all() == []
    await config.get_engine().dispose()


async def test_refusal_stands_six_months(visitor: Client) -> None:
    body = (await record(visitor, {**CHOICE, "action": "reject_all", "choices": {}})).json()
    lasts = datetime.fromisoformat(body["valid_until"]) - datetime.fromisoformat(body["recorded_at"])
    assert timedelta(days=181) <= lasts <= timedelta(days=184)


async def test_preflight_answers_only_the_sites_origins(visitor: Client) -> None:
    ok = await visitor.options(
        "/api/v1/consent/records",
        params={"site": "www"},
        headers={"origin": "https://www.nordlicht-hosting.example", "access-control-request-method": "POST"},
    )
    assert ok.status_code == 204
    assert ok.headers["access-control-allow-methods"] == "POST"
    refused = await visitor.options(
        "/api/v1/consent/records",
        params={"site": "www"},
        headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
    )
    assert refused.status_code == 403


async def test_well_known_gpc_declares_support(visitor: Client) -> None:
    body = (await visitor.get("/.well-known/gpc.json")).json()
    assert body["gpc"] is True
    assert datetime.fromisoformat(body["lastUpdate"]).year >= 2026


def test_lifetimes_and_material_changes(consent_app: Litestar) -> None:
    from importlib import resources

    demo = configuration().parse(resources.files("privacy").joinpath("demo.yaml").read_text())
    assert demo.consent is not None
    current = service.in_memory(demo.consent, revision=1, etag="a")
    keyring = consent_app.state.keyring
    where = Jurisdiction(country="DE", region=None, regime=Regime.OPT_IN, source="cdn")
    now = datetime(2026, 11, 22, tzinfo=UTC)
    claims = {
        "site": "www",
        "pv": "2026-11",
        "th": current.text_hash,
        "granted": ["necessary", "analytics"],
        "exp": int((now + timedelta(days=30)).timestamp()),
    }
    from consent.receipts import sign_receipt

    receipt = sign_receipt(keyring, claims)
    kept = service.decide(current, site_key="www", where=where, gpc=False, receipt=receipt, keyring=keyring, now=now)
    assert kept.show_banner is False and kept.consent["analytics"] is True
    expired = service.decide(
        current, site_key="www", where=where, gpc=False, receipt=receipt, keyring=keyring, now=now + timedelta(days=31)
    )
    assert expired.show_banner is True
    changed_text = demo.consent.model_copy(update={"texts": {**demo.consent.texts}})
    changed_text.texts["en"] = changed_text.texts["en"].model_copy(update={"body": "We now also share data."})
    reworded = service.in_memory(changed_text, revision=2, etag="b")
    assert reworded.text_hash != current.text_hash
    assert (
        service.decide(
            reworded, site_key="www", where=where, gpc=False, receipt=receipt, keyring=keyring, now=now
        ).show_banner
        is True
    )
    new_version = demo.consent.model_copy(update={"policy_version": "2027-01"})
    bumped = service.in_memory(new_version, revision=3, etag="c")
    assert bumped.text_hash == current.text_hash  # only the version changed
    assert (
        service.decide(
            bumped, site_key="www", where=where, gpc=False, receipt=receipt, keyring=keyring, now=now
        ).show_banner
        is True
    )


def test_refusals_last_six_months_and_acceptances_twelve() -> None:
    start = datetime(2026, 8, 31, 9, 30, tzinfo=UTC)
    assert add_months(start, 6) == datetime(2027, 2, 28, 9, 30, tzinfo=UTC)
    assert add_months(start, 12) == datetime(2027, 8, 31, 9, 30, tzinfo=UTC)


async def test_cookie_policy_lists_every_service_and_cookie(visitor: Client) -> None:
    page = await visitor.get("/privacy/cookies", params={"site": "www"})
    assert page.status_code == 200
    for text in (
        "Strictly necessary",
        "Matomo (hosted by us)",
        "^_pk_id\\.",
        "13 months",
        "a third party (.ads.example)",
        "Policy version 2026-11",
        "Nordlicht Hosting GmbH",
    ):
        assert text in page.text
    german = await visitor.get("/privacy/cookies", params={"site": "www", "lang": "de"})
    assert 'lang="de"' in german.text and "Unbedingt erforderlich" in german.text
    assert (await visitor.get("/privacy/cookies", params={"site": "shop"})).status_code == 404


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


async def test_console_shows_statistics_and_verifies_proof(visitor: Client, consent_settings: Settings) -> None:
    first = (await record(visitor, headers={"cf-ipcountry": "DE"})).json()
    await record(
        visitor,
        {**CHOICE, "action": "reject_all", "choices": {}},
        headers={"cf-ipcountry": "US", "cf-region-code": "CA"},
    )
    config = database_config(consent_settings, session_info={"keyring": visitor.app.state.keyring})
    async with config.create_session_maker()() as session, session.begin():
        _, token = await auth.create_token(session, name="auditor", role=Role.AUDITOR, actor=SYSTEM)
    await config.get_engine().dispose()

    stats = await visitor.get("/console/consent", headers=bearer(token))
    assert stats.status_code == 200
    assert "2 choices recorded" in stats.text
    assert "<svg" in stats.text and "Choices per day" in stats.text
    proof = await visitor.get("/console/consent/proof", params={"receipt": first["receipt"]}, headers=bearer(token))
    assert "The signature verifies" in proof.text and first["consent_id"] in proof.text
    forged = await visitor.get(
        "/console/consent/proof", params={"receipt": first["receipt"][:-4] + "AAAA"}, headers=bearer(token)
    )
    assert "does not verify" in forged.text
    history = await visitor.get(
        "/console/consent/proof", params={"consent_id": first["consent_id"]}, headers=bearer(token)
    )
    assert "Every record, oldest first" in history.text and "custom" in history.text


async def test_console_edits_the_set_up_and_shows_errors_with_their_path(
    visitor: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await add_user(sessions, "officer@example.org", Role.PRIVACY_OFFICER)
    assert await login(visitor, "officer@example.org") == 303
    page = await visitor.get("/console/consent/setup")
    assert page.status_code == 200
    document = html.unescape(re.search(r'<textarea id="document"[^>]*>(.*?)</textarea>', page.text, re.S).group(1))
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)

    broken = document.replace("policy_version: 2026-11", "policy_version: ''")
    refused = await visitor.post("/console/consent/setup", data={"document": broken, "_csrf_token": token})
    assert refused.status_code == 422
    assert "<code>policy_version</code>" in refused.text

    changed = document.replace("policy_version: 2026-11", "policy_version: 2026-12")
    saved = await visitor.post(
        "/console/consent/setup", data={"document": changed, "_csrf_token": token}, follow_redirects=False
    )
    assert saved.status_code == 303
    async with sessions() as session:
        current = await service.load_setup(session)
    assert current is not None and current.setup.policy_version == "2026-12"
    stale = await record(visitor)  # the old version is refused once the service has the new set-up
    for _ in range(50):
        if stale.status_code == 409:
            break
        await asyncio.sleep(0.05)
        stale = await record(visitor)
    assert stale.status_code == 409


async def test_auditor_sees_the_set_up_but_cannot_change_it(
    visitor: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await add_user(sessions, "auditor@example.org", Role.AUDITOR)
    assert await login(visitor, "auditor@example.org") == 303
    page = await visitor.get("/console/consent/setup")
    assert page.status_code == 200 and "readonly" in page.text and ">Save<" not in page.text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    refused = await visitor.post("/console/consent/setup", data={"document": "{}", "_csrf_token": token})
    assert refused.status_code == 403
