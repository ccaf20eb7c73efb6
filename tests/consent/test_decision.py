"""The decision a banner asks for: regime by location, the privacy signal, the standing choice."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

Client = AsyncTestClient[Litestar]


async def decision(visitor: Client, headers: dict[str, str] | None = None, **query: str) -> dict[str, Any]:
    response = await visitor.get("/api/v1/consent/decision", params={"site": "www", **query}, headers=headers or {})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize(
    ("country", "region", "regime"),
    [
        ("DE", "", "opt_in"),
        ("IS", "", "opt_in"),
        ("GB", "", "opt_in"),
        ("CH", "", "opt_in"),
        ("US", "CA", "opt_out"),
        ("US", "WY", "opt_out"),
        ("JP", "", "opt_out"),
    ],
)
async def test_regime_follows_the_trusted_cdn_location(visitor: Client, country: str, region: str, regime: str) -> None:
    body = await decision(visitor, {"cf-ipcountry": country, "cf-region-code": region})
    assert body["jurisdiction"] == {"country": country, "region": region or None, "regime": regime, "source": "cdn"}
    if regime == "opt_in":
        assert body["show_banner"] is True
        assert body["consent"] == {"necessary": True, "functional": False, "analytics": False, "advertising": False}
        assert body["consent_mode"]["ad_storage"] == "denied"
    else:
        assert body["consent"]["analytics"] is True


async def test_unknown_location_gets_the_strictest_regime(visitor: Client) -> None:
    for headers in ({"cf-ipcountry": "XX"}, {"cf-ipcountry": "T1"}, {}):
        body = await decision(visitor, headers)
        assert body["jurisdiction"]["regime"] == "opt_in"
        assert body["jurisdiction"]["source"] == "unknown"


async def test_gpc_in_california_hides_the_banner_and_turns_advertising_off(visitor: Client) -> None:
    body = await decision(visitor, {"cf-ipcountry": "US", "cf-region-code": "CA", "sec-gpc": "1"})
    assert body["gpc"] is True
    assert body["show_banner"] is False
    assert body["consent"]["advertising"] is False
    assert body["consent"]["analytics"] is True
    assert body["consent_mode"]["ad_user_data"] == "denied"


async def test_gpc_never_grants_and_only_exactly_1_counts(visitor: Client) -> None:
    germany = await decision(visitor, {"cf-ipcountry": "DE", "sec-gpc": "1"})
    assert germany["show_banner"] is True and germany["consent"]["advertising"] is False
    not_a_signal = await decision(visitor, {"cf-ipcountry": "US", "cf-region-code": "CA", "sec-gpc": "true"})
    assert not_a_signal["gpc"] is False and not_a_signal["consent"]["advertising"] is True


async def test_ip_lookup_and_forwarded_for_only_from_trusted_proxies(visitor: Client) -> None:
    # The test client's peer is not a trusted proxy: its X-Forwarded-For is ignored.
    ignored = await decision(visitor, {"x-forwarded-for": "81.2.69.160"})
    assert ignored["jurisdiction"]["source"] == "unknown"


async def test_texts_follow_the_language_and_cover_every_category(visitor: Client) -> None:
    body = await decision(visitor, lang="de")
    assert body["texts"]["accept_all"] == "Alle akzeptieren"
    assert [c["key"] for c in body["texts"]["categories"]] == ["necessary", "functional", "analytics", "advertising"]
    assert body["texts"]["categories"][2]["services"][0]["vendor"] == "Matomo (hosted by us)"


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
