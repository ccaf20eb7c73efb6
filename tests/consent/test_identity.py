"""Signed-in users: the site's own application vouches for its user with a short-lived JWT, and the
person's choice follows them to other devices."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import OKPKey

from privacy.settings import Settings
from tests.conftest import app_with_demo, client_of
from tests.consent.conftest import CHOICE, Client

APP_KEY = OKPKey.generate_key("Ed25519")


def assertion(subject: str = "customer-42", *, key: OKPKey = APP_KEY, **claims: Any) -> str:
    now = int(time.time())
    payload = {"sub": subject, "aud": "www", "iat": now, "exp": now + 300, "email": "ada@example.org", **claims}
    return jwt.encode({"alg": "Ed25519"}, payload, key, algorithms=["Ed25519"])


def with_identity_keys(demo: Any) -> Any:
    """The demo's `www` site with the application's key, and a `shop` site without any."""
    assert demo.consent is not None
    www = demo.consent.sites[0].model_copy(update={"identity_keys": [APP_KEY.as_dict(private=False)]})
    shop = www.model_copy(update={"key": "shop", "identity_keys": []})
    return demo.model_copy(update={"consent": demo.consent.model_copy(update={"sites": [www, shop]})})


@pytest.fixture
async def client(consent_settings: Settings) -> AsyncIterator[Client]:
    async with client_of(await app_with_demo(consent_settings, with_identity_keys)) as test_client:
        yield test_client


async def test_choice_made_on_one_device_follows_the_person_to_another(client: Client) -> None:
    laptop = await client.post("/api/v1/consent/records", json={**CHOICE, "identity": assertion()})
    assert laptop.status_code == 201

    phone = await client.post("/api/v1/consent/identity", json={"site": "www", "identity": assertion()})
    assert phone.status_code == 200
    assert phone.json()["consent_id"] == laptop.json()["consent_id"]
    decision = await client.get(
        "/api/v1/consent/decision",
        params={"site": "www", "receipt": phone.json()["receipt"]},
        headers={"cf-ipcountry": "NL"},
    )
    assert decision.json()["show_banner"] is False
    assert decision.json()["consent"]["analytics"] is True


async def test_changing_the_choice_from_account_settings_updates_every_device(client: Client) -> None:
    first = (await client.post("/api/v1/consent/records", json={**CHOICE, "identity": assertion()})).json()
    # The account page sends no consent id: the person's own one is taken up.
    changed = await client.post(
        "/api/v1/consent/records",
        json={**CHOICE, "action": "withdraw", "choices": {}, "ui": "account", "identity": assertion()},
    )
    assert changed.json()["consent_id"] == first["consent_id"]
    history = (await client.get(f"/api/v1/consent/records/{first['consent_id']}")).json()
    assert [entry["action"] for entry in history["history"]] == ["custom", "withdraw"]
    again = (await client.post("/api/v1/consent/identity", json={"site": "www", "identity": assertion()})).json()
    decision = await client.get("/api/v1/consent/decision", params={"site": "www", "receipt": again["receipt"]})
    assert decision.json()["consent"]["analytics"] is False


async def test_people_are_kept_apart(client: Client) -> None:
    await client.post("/api/v1/consent/records", json={**CHOICE, "identity": assertion("customer-1")})
    other = await client.post("/api/v1/consent/identity", json={"site": "www", "identity": assertion("customer-2")})
    assert other.status_code == 404


@pytest.mark.parametrize(
    ("token", "why"),
    [
        (assertion(key=OKPKey.generate_key("Ed25519")), "signed by a key the site did not register"),
        (assertion(aud="shop"), "meant for another site"),
        (assertion(exp=int(time.time()) - 120), "expired"),
        (assertion(iat=int(time.time()) - 7200, exp=int(time.time()) + 60), "lives longer than allowed"),
        ("not-a-jwt", "malformed"),
    ],
)
async def test_bad_assertions_are_refused_and_link_nothing(client: Client, token: str, why: str) -> None:
    refused = await client.post("/api/v1/consent/records", json={**CHOICE, "identity": token})
    assert refused.status_code == 401, why
    assert refused.headers["content-type"].startswith("application/problem+json")
    lookup = await client.post("/api/v1/consent/identity", json={"site": "www", "identity": token})
    assert lookup.status_code == 401, why


async def test_a_site_without_registered_keys_takes_no_assertions(client: Client) -> None:
    answer = await client.post("/api/v1/consent/identity", json={"site": "shop", "identity": assertion(aud="shop")})
    assert answer.status_code == 401
    assert "no registered key" in answer.json()["detail"]


def test_private_keys_are_refused_in_the_set_up() -> None:
    from consent.schemas import Site

    with pytest.raises(ValueError, match="public key only"):
        Site.model_validate({"key": "www", "identity_keys": [APP_KEY.as_dict(private=True)]})
