"""The public consent API as a banner on another origin meets it: CORS for the site's own origins
only, answers never cached across visitors, problem answers for bad input, the well-known files and
the cookie policy page."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select

from consent.models import ConsentRecord
from privacy.db import database_config
from privacy.settings import Settings
from tests.consent.conftest import CHOICE, Client, record


async def test_answers_are_not_cached_across_visitors(visitor: Client) -> None:
    response = await visitor.get("/api/v1/consent/decision", params={"site": "www"})
    assert response.headers["cache-control"] == "private, no-store"
    assert {"Origin", "Sec-GPC", "cf-ipcountry"} <= {v.strip() for v in response.headers["vary"].split(",")}


async def test_unknown_site_is_a_404_naming_it(visitor: Client) -> None:
    response = await visitor.get("/api/v1/consent/decision", params={"site": "shop"})
    assert response.status_code == 404
    assert "'shop'" in response.json()["detail"]


async def test_foreign_origin_is_refused(visitor: Client) -> None:
    response = await visitor.get(
        "/api/v1/consent/decision", params={"site": "www"}, headers={"origin": "https://evil.example"}
    )
    assert response.status_code == 403
    allowed = await visitor.get(
        "/api/v1/consent/decision", params={"site": "www"}, headers={"origin": "https://www.nordlicht-hosting.example"}
    )
    assert allowed.headers["access-control-allow-origin"] == "https://www.nordlicht-hosting.example"


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


async def test_well_known_gpc_declares_support(visitor: Client) -> None:
    body = (await visitor.get("/.well-known/gpc.json")).json()
    assert body["gpc"] is True
    assert datetime.fromisoformat(body["lastUpdate"]).year >= 2026


async def test_cookie_policy_lists_every_service_and_cookie(visitor: Client) -> None:
    page = await visitor.get("/privacy/cookies", params={"site": "www"})
    assert page.status_code == 200
    for text in (
        "Strictly necessary",
        "Matomo (hosted by us)",
        "names starting with <code>_pk_id.</code>",  # the pattern ^_pk_id\. in words
        "13 months",
        "Example Ad Network Inc. (.ads.example)",  # a third party's cookie: set by its vendor
        "Policy version 2026-11",
        "Nordlicht Hosting GmbH",
    ):
        assert text in page.text
    assert "^_pk_id" not in page.text
    german = await visitor.get("/privacy/cookies", params={"site": "www", "lang": "de"})
    assert 'lang="de"' in german.text and "Unbedingt erforderlich" in german.text
    assert (await visitor.get("/privacy/cookies", params={"site": "shop"})).status_code == 404
