"""Signed-in users: the site's own application vouches for its user with a short-lived JWT, and the
person's choice follows them to other devices."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from joserfc import jws, jwt
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


async def test_two_devices_of_one_person_keep_one_consent_id(client: Client) -> None:
    # Each device made an anonymous choice first, so each holds a consent id of its own.
    laptop_id = (await client.post("/api/v1/consent/records", json=CHOICE)).json()["consent_id"]
    phone_id = (await client.post("/api/v1/consent/records", json=CHOICE)).json()["consent_id"]

    laptop = await client.post(
        "/api/v1/consent/records", json={**CHOICE, "consent_id": laptop_id, "identity": assertion()}
    )
    phone = await client.post(
        "/api/v1/consent/records",
        json={**CHOICE, "consent_id": phone_id, "action": "reject_all", "choices": {}, "identity": assertion()},
    )
    assert laptop.json()["consent_id"] == laptop_id
    assert phone.json()["consent_id"] == laptop_id, "the phone's choice goes under the person's first consent id"
    history = (await client.get(f"/api/v1/consent/records/{laptop_id}")).json()
    assert [entry["action"] for entry in history["history"]] == ["custom", "custom", "reject_all"]


async def test_simultaneous_first_choices_of_one_person_make_one_consent_id(
    consent_settings: Settings,
) -> None:
    app = await app_with_demo(consent_settings, with_identity_keys)
    # The app runs on this test's own loop, so the requests overlap.
    transport = httpx.ASGITransport(app=app)
    async with app.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://testserver") as devices:
        answers = await asyncio.gather(
            *(devices.post("/api/v1/consent/records", json={**CHOICE, "identity": assertion()}) for _ in range(8))
        )
    await app.state.db_config.get_engine().dispose()
    assert [answer.status_code for answer in answers] == [201] * 8
    assert len({answer.json()["consent_id"] for answer in answers}) == 1


async def test_a_device_id_linked_to_another_person_is_not_shared(client: Client) -> None:
    first = (await client.post("/api/v1/consent/records", json={**CHOICE, "identity": assertion("customer-1")})).json()
    # Another person signs in on the same browser, which still holds the first person's consent id.
    second = await client.post(
        "/api/v1/consent/records",
        json={**CHOICE, "consent_id": first["consent_id"], "identity": assertion("customer-2", email="bo@example.org")},
    )
    assert second.status_code == 201
    assert second.json()["consent_id"] != first["consent_id"]
    history = (await client.get(f"/api/v1/consent/records/{first['consent_id']}")).json()
    assert len(history["history"]) == 1


def receipt_claims(answer: Any) -> Any:
    return json.loads(jws.extract_compact(answer.json()["receipt"].encode()).payload)


async def test_the_application_states_where_the_person_is_for_a_choice_it_records(client: Client) -> None:
    # The account page's choice reaches the service from the application's server, in Germany.
    server = {"cf-ipcountry": "DE"}
    stated = assertion(jurisdiction={"country": "US", "region": "CA"})
    answer = await client.post("/api/v1/consent/records", json={**CHOICE, "identity": stated}, headers=server)
    assert answer.status_code == 201, answer.text
    assert receipt_claims(answer)["jur"] == {
        "country": "US",
        "region": "CA",
        "regime": "opt_out",
        "source": "application",
    }
    unstated = await client.post("/api/v1/consent/records", json={**CHOICE, "identity": assertion()}, headers=server)
    assert receipt_claims(unstated)["jur"]["country"] == "DE"
    # Only the application's signature vouches for a jurisdiction: a browser cannot send one.
    browser = await client.post(
        "/api/v1/consent/records", json={**CHOICE, "jurisdiction": {"country": "US", "region": "CA"}}, headers=server
    )
    assert browser.status_code == 422


@pytest.mark.parametrize(
    ("stated", "path", "words"),
    [
        ({"country": "XX"}, "identity.jurisdiction.country", "XX is not a country code (ISO 3166-1)"),
        ({"country": "UK"}, "identity.jurisdiction.country", "use GB"),
        ({"country": "US", "region": "ZZ"}, "identity.jurisdiction.region", "ZZ is not a region of US"),
        ("FR", "identity.jurisdiction", "should be an object with a country"),
    ],
)
async def test_a_stated_jurisdiction_that_is_no_country_is_refused_in_words(
    client: Client, stated: Any, path: str, words: str
) -> None:
    answer = await client.post("/api/v1/consent/records", json={**CHOICE, "identity": assertion(jurisdiction=stated)})
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert [error["path"] for error in answer.json()["errors"]] == [path]
    assert words in answer.json()["errors"][0]["message"]
    nothing = await client.post("/api/v1/consent/identity", json={"site": "www", "identity": assertion()})
    assert nothing.status_code == 404, "the refused choice linked and stored nothing"
