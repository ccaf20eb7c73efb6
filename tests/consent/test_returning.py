"""Returning visitors: the site document browsers and CDNs keep (strong ETag, 304 on revalidation,
a new ETag when the set-up changes), and the receipt cookies the service sets on a choice."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from http.cookies import SimpleCookie

import httpx
from litestar import Litestar

from consent import setup
from consent.documents import SITE_DOCUMENT_MAX_AGE
from consent.schemas import ConsentSetup
from privacy.db import utcnow
from privacy.settings import Settings
from tests.conftest import SYSTEM, app_with_demo, client_of, sessions_of
from tests.consent.conftest import CHOICE, Client, record

SITE_DOCUMENT = "/api/v1/consent/site"


async def test_site_document_is_public_cacheable_and_revalidated(visitor: Client) -> None:
    first = await visitor.get(SITE_DOCUMENT, params={"site": "www"})
    assert first.status_code == 200
    assert first.json() == {
        "site": "www",
        "policy_version": "2026-11",
        "text_hash": first.json()["text_hash"],
        "categories": ["necessary", "functional", "analytics", "advertising"],
        "signals": first.json()["signals"],
        "gpc_opt_out": ["advertising"],
        "exempt": ["analytics"],
        "exempt_in": ["FR"],
    }
    assert first.json()["signals"]["analytics_storage"] == "analytics"
    assert first.headers.get_list("cache-control") == [f"public, max-age={SITE_DOCUMENT_MAX_AGE}"]
    assert first.headers["access-control-allow-origin"] == "*"
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')  # strong: no W/ prefix

    for held in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        revalidated = await visitor.get(SITE_DOCUMENT, params={"site": "www"}, headers={"if-none-match": held})
        assert revalidated.status_code == 304, held
        assert revalidated.content == b""
        assert revalidated.headers["etag"] == etag
        assert revalidated.headers["cache-control"] == f"public, max-age={SITE_DOCUMENT_MAX_AGE}"
    stale = await visitor.get(SITE_DOCUMENT, params={"site": "www"}, headers={"if-none-match": '"other"'})
    assert stale.status_code == 200 and stale.headers["etag"] == etag

    unknown = await visitor.get(SITE_DOCUMENT, params={"site": "shop"})
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")


async def test_site_document_changes_only_with_the_setup(
    consent_app: Litestar, visitor: Client, consent_settings: Settings
) -> None:
    before = await visitor.get(SITE_DOCUMENT, params={"site": "www"})
    again = await visitor.get(SITE_DOCUMENT, params={"site": "www"})
    assert again.headers["etag"] == before.headers["etag"]

    current = consent_app.state.consent_cache.require().setup
    renewed = ConsentSetup.model_validate({**current.model_dump(mode="json"), "policy_version": "2027-01"})
    async with sessions_of(consent_app, consent_settings) as sessions, sessions() as session, session.begin():
        await setup.save_setup(session, setup=renewed, actor=SYSTEM, now=utcnow())

    after = await _once_changed(visitor, before.headers["etag"])
    assert after.json()["policy_version"] == "2027-01"
    assert after.json()["text_hash"] == before.json()["text_hash"]  # only the version changed
    old_etag = {"if-none-match": before.headers["etag"]}
    held_old = await visitor.get(SITE_DOCUMENT, params={"site": "www"}, headers=old_etag)
    assert held_old.status_code == 200 and held_old.json()["policy_version"] == "2027-01"


async def _once_changed(visitor: Client, etag: str) -> httpx.Response:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        answer = await visitor.get(SITE_DOCUMENT, params={"site": "www"})
        if answer.headers["etag"] != etag:
            return answer
        await asyncio.sleep(0.05)
    raise AssertionError("the site document did not change with the set-up")


def cookies_of(response: httpx.Response) -> dict[str, str]:
    """Each Set-Cookie header by cookie name, as sent."""
    return {header.split("=", 1)[0]: header for header in response.headers.get_list("set-cookie")}


async def test_the_choice_sets_first_party_cookies_for_the_receipts_lifetime(visitor: Client) -> None:
    answer = await record(visitor, {**CHOICE, "action": "accept_all", "choices": {}})
    assert answer.status_code == 201
    body = answer.json()
    sent = cookies_of(answer)
    assert set(sent) == {"privacy_consent_www", "privacy_consent_www_id"}
    receipt, consent_id = SimpleCookie(sent["privacy_consent_www"]), SimpleCookie(sent["privacy_consent_www_id"])
    assert receipt["privacy_consent_www"].value == body["receipt"]
    assert consent_id["privacy_consent_www_id"].value == body["consent_id"]
    lifetime = datetime.fromisoformat(body["valid_until"]) - datetime.fromisoformat(body["recorded_at"])
    for morsel in (receipt["privacy_consent_www"], consent_id["privacy_consent_www_id"]):
        assert abs(int(morsel["max-age"]) - lifetime.total_seconds()) <= 2
        assert morsel["path"] == "/"
        assert morsel["samesite"].lower() == "lax"
        assert not morsel["domain"]  # host-only: first party to the service's own origin
        assert not morsel["httponly"]  # the banner reads the receipt to apply it
        assert not morsel["secure"]  # served over plain http here


async def test_cookies_are_secure_when_served_over_https(consent_settings: Settings) -> None:
    app = await app_with_demo(consent_settings.model_copy(update={"public_url": "https://privacy.example.org"}))
    async with client_of(app) as https_visitor:
        answer = await record(https_visitor)
    assert answer.status_code == 201
    for header in cookies_of(answer).values():
        assert "; Secure" in header and "SameSite=lax" in header


async def test_site_document_is_in_the_openapi_document(visitor: Client) -> None:
    spec = (await visitor.get("/schema/openapi.json")).json()
    answers = spec["paths"][SITE_DOCUMENT]["get"]["responses"]
    assert set(answers) >= {"200", "304"}
    schema = answers["200"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/SiteDocument")
    documented = spec["components"]["schemas"]["SiteDocument"]["properties"]
    assert set(documented) == {
        "site",
        "policy_version",
        "text_hash",
        "categories",
        "signals",
        "gpc_opt_out",
        "exempt",
        "exempt_in",
    }
