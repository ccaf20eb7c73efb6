"""Public writes are limited per client (consent records per client network), counted atomically,
and every refusal says when to come back; staff sign-in pauses per email and client together."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from consent.models import ConsentRecord
from privacy import auth
from privacy.actors import Role
from privacy.db import utcnow
from privacy.errors import TooManyRequests, Unauthorized
from privacy.ratelimit import Per, RateLimit, RateLimiter, counted_as
from privacy.settings import Settings
from tests.conftest import PASSWORD, add_user, app_with_demo, client_of, csrf_token, login, sessions_of
from tests.live_app import serving

CHOICE = {"site": "www", "policy_version": "2026-11", "action": "custom", "choices": {"analytics": True}}
OBJECTION = {"organisation": "Customer SA", "email": "legal@customer.example", "reason": "Not in our DPA"}
TOKEN = {"token": "t" * 40}
# Each public write, and the setting that limits it.
PUBLIC_WRITES = [
    ("/api/v1/requests", {"type": "access", "email": "ada@example.org"}, "request_posts_per_minute"),
    ("/api/v1/requests/application", {"application": "shop", "type": "access", "identity": "x"}, "request_posts_per_minute"),  # noqa: E501
    ("/api/v1/requests/R-AAAA-BBBB/verify", {"code": "123456"}, "code_attempts_per_minute"),
    ("/api/v1/requests/R-AAAA-BBBB/code", None, "code_resends_per_minute"),
    ("/api/v1/consent/records", CHOICE, "consent_records_per_minute"),
    ("/api/v1/consent/identity", {"site": "www", "identity": "x.y.z"}, "consent_records_per_minute"),
    ("/api/v1/subprocessors/subscriptions", {"email": "ada@example.org"}, "subscription_posts_per_minute"),
    ("/api/v1/subprocessors/subscriptions/confirm", TOKEN, "subscription_posts_per_minute"),
    ("/api/v1/subprocessors/subscriptions/unsubscribe", TOKEN, "subscription_posts_per_minute"),
    ("/api/v1/subprocessors/cloudmail/objections", OBJECTION, "objections_per_minute"),
]  # fmt: skip


def assert_refused(answer: httpx.Response) -> None:
    assert answer.status_code == 429, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert int(answer.headers["retry-after"]) >= 1


@pytest.mark.parametrize(("path", "body", "setting"), PUBLIC_WRITES)
async def test_every_public_write_is_limited_and_says_when_to_come_back(
    settings: Settings, path: str, body: dict[str, Any] | None, setting: str
) -> None:
    app = await app_with_demo(settings.model_copy(update={setting: 2}))
    async with client_of(app) as client:
        answers = [await client.post(path, json=body) for _ in range(3)]
        assert [a.status_code for a in answers[:2]] != [429, 429], "the first two are taken"
        assert 429 not in [a.status_code for a in answers[:2]]
        assert_refused(answers[2])
        assert (await client.get("/health/live")).status_code == 200, "only the limited route is refused"


async def test_limits_are_counted_apart(settings: Settings) -> None:
    limited = {"request_posts_per_minute": 1, "code_resends_per_minute": 1, "subscription_posts_per_minute": 1}
    app = await app_with_demo(settings.model_copy(update=limited))
    async with client_of(app) as client:
        assert (await client.post("/api/v1/requests", json=PUBLIC_WRITES[0][1])).status_code == 202
        assert (await client.post("/api/v1/requests", json=PUBLIC_WRITES[0][1])).status_code == 429
        assert (await client.post("/api/v1/requests/R-AAAA-BBBB/code")).status_code == 404
        subscribed = await client.post("/api/v1/subprocessors/subscriptions", json={"email": "ada@example.org"})
        assert subscribed.status_code == 202


async def test_consent_records_are_limited_per_network_under_concurrency(settings: Settings) -> None:
    settings = settings.model_copy(update={"consent_records_per_minute": 10, "trusted_proxies": "127.0.0.1"})
    app = await app_with_demo(settings)
    with serving(app) as url:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:

            async def record(address: str) -> httpx.Response:
                return await client.post("/api/v1/consent/records", json=CHOICE, headers={"x-forwarded-for": address})

            # Fifty visitors of one /24 at once: ten are recorded, whichever they are.
            answers = await asyncio.gather(*(record(f"203.0.113.{i}") for i in range(1, 51)))
            assert sorted(a.status_code for a in answers) == [201] * 10 + [429] * 40
            for answer in answers:
                if answer.status_code == 429:
                    assert_refused(answer)
            assert (await record("203.0.113.250")).status_code == 429, "the whole /24 counts together"
            assert (await record("198.51.100.7")).status_code == 201, "another network has its own count"
            # IPv6: a /56 counts together (2001:db8:0:100::/56 holds ...:100:: to ...:1ff::).
            v6 = [await record(f"2001:db8:0:1{i:02x}::{i}") for i in range(11)]
            assert [a.status_code for a in v6] == [201] * 10 + [429]
            assert (await record("2001:db8:0:200::1")).status_code == 201
    async with sessions_of(app, settings) as sessions, sessions() as session:
        stored = await session.scalar(select(func.count()).select_from(ConsentRecord))
    assert stored == 22


async def test_request_intake_limit_holds_under_concurrency(settings: Settings) -> None:
    settings = settings.model_copy(update={"request_posts_per_minute": 3, "trusted_proxies": "127.0.0.1"})
    app = await app_with_demo(settings)
    body = PUBLIC_WRITES[0][1]
    with serving(app) as url:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            answers = await asyncio.gather(
                *(
                    client.post("/api/v1/requests", json=body, headers={"x-forwarded-for": "192.0.2.9"})
                    for _ in range(20)
                )
            )
            assert sorted(a.status_code for a in answers) == [202] * 3 + [429] * 17
            assert all(int(a.headers["retry-after"]) >= 1 for a in answers if a.status_code == 429)
            other = await client.post("/api/v1/requests", json=body, headers={"x-forwarded-for": "192.0.2.10"})
            assert other.status_code == 202, "each client has its own count"


@pytest.mark.parametrize(
    ("path", "form", "setting"),
    [
        ("/privacy/requests", {"type": "access", "email": "ada@example.org"}, "request_posts_per_minute"),
        ("/privacy/requests/R-AAAA-BBBB/verify", {"code": "123456"}, "code_attempts_per_minute"),
        ("/privacy/requests/R-AAAA-BBBB/code", {}, "code_resends_per_minute"),
        ("/privacy/subprocessors", {"email": "ada@example.org"}, "subscription_posts_per_minute"),
        ("/privacy/subprocessors/cloudmail/objections", OBJECTION, "objections_per_minute"),
    ],
)
async def test_the_privacy_centre_forms_count_with_the_api(
    settings: Settings, path: str, form: dict[str, str], setting: str
) -> None:
    app = await app_with_demo(settings.model_copy(update={setting: 2}))
    async with client_of(app) as client:
        csrf = await csrf_token(client)
        answers = [
            await client.post(path, data={**form, "_csrf_token": csrf}, follow_redirects=False) for _ in range(3)
        ]
        assert 429 not in [a.status_code for a in answers[:2]]
        assert_refused(answers[2])


async def test_the_privacy_centre_says_when_to_come_back(settings: Settings) -> None:
    app = await app_with_demo(settings)
    async with client_of(app) as client:
        reference = (await client.post("/api/v1/requests", json=PUBLIC_WRITES[0][1])).json()["reference"]
        for _ in range(5):  # five wrong codes lock the reference
            await client.post(f"/api/v1/requests/{reference}/verify", json={"code": "000000"})
        csrf = await csrf_token(client)
        form = {"code": "000000", "_csrf_token": csrf}
        locked = await client.post(f"/privacy/requests/{reference}/verify", data=form)
        assert locked.status_code == 429
        assert int(locked.headers["retry-after"]) >= 1


def test_the_limiter_allows_a_burst_then_one_per_interval() -> None:
    now = [1000.0]
    limiter = RateLimiter(clock=lambda: now[0])
    assert [limiter.take("intake", "a", per_minute=6) for _ in range(6)] == [None] * 6
    wait = limiter.take("intake", "a", per_minute=6)
    assert wait == pytest.approx(10.0), "one more every ten seconds"
    assert limiter.take("intake", "b", per_minute=6) is None, "another client has its own count"
    assert limiter.take("codes", "a", per_minute=6) is None, "another limit has its own count"
    now[0] += 10
    assert limiter.take("intake", "a", per_minute=6) is None
    assert limiter.take("intake", "a", per_minute=6) == pytest.approx(10.0)
    now[0] += 60
    assert [limiter.take("intake", "a", per_minute=6) for _ in range(7)][-2:] == [None, pytest.approx(10.0)]


def test_the_limiter_forgets_idle_clients_first_when_full() -> None:
    now = [0.0]
    limiter = RateLimiter(max_tracked=10, clock=lambda: now[0])
    for client in range(10):
        limiter.take("intake", f"idle-{client}", per_minute=1)
    now[0] += 30
    limiter.take("intake", "busy", per_minute=1)
    now[0] += 31  # the idle ones have their allowance back: forgetting them changes nothing
    limiter.take("intake", "new", per_minute=1)
    assert limiter.take("intake", "busy", per_minute=1) is not None, "an active count is kept"
    assert len(limiter._due) <= 10


@pytest.mark.parametrize(
    ("address", "per", "key"),
    [
        ("203.0.113.77", Per.CLIENT, "203.0.113.77/32"),
        ("203.0.113.77", Per.NETWORK, "203.0.113.0/24"),
        ("::ffff:203.0.113.77", Per.NETWORK, "203.0.113.0/24"),
        ("2001:db8:1:2:3:4:5:6", Per.CLIENT, "2001:db8:1:2::/64"),
        ("2001:db8:1:2:3:4:5:6", Per.NETWORK, "2001:db8:1::/56"),
        ("testclient", Per.NETWORK, "testclient"),
        (None, Per.CLIENT, "unknown"),
    ],
)
def test_what_a_client_is_counted_as(address: str | None, per: Per, key: str) -> None:
    assert counted_as(address, per) == key


def test_a_limit_must_name_a_setting() -> None:
    with pytest.raises(ValueError, match="names no setting"):
        RateLimit("typo", "request_post_per_minute")


# Staff sign-in: failures pause one email from one client, and one client whatever the emails.

POLICY = auth.LoginPolicy(max_failures=5, window=timedelta(minutes=15), session_lifetime=timedelta(hours=1))


async def sign_in(
    sessions: async_sessionmaker[AsyncSession],
    email: str,
    password: str,
    client: str,
    policy: auth.LoginPolicy = POLICY,
) -> str:
    async with sessions() as session:
        try:
            await auth.log_in(session, email=email, password=password, client=client, now=utcnow(), policy=policy)
        except (Unauthorized, TooManyRequests) as error:
            await session.commit()  # as the sign-in page does: the failure counts
            return type(error).__name__
        await session.commit()
        return "signed in"


async def test_a_stranger_cannot_lock_a_colleague_out_from_elsewhere(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_user(sessions, "dana@example.org", Role.ADMIN)
    stranger = [await sign_in(sessions, "dana@example.org", "guess", "198.51.100.66") for _ in range(6)]
    assert stranger == ["Unauthorized"] * 5 + ["TooManyRequests"]
    assert await sign_in(sessions, "dana@example.org", PASSWORD, "198.51.100.66") == "TooManyRequests"
    assert await sign_in(sessions, "dana@example.org", PASSWORD, "203.0.113.5") == "signed in"


async def test_one_client_guessing_across_many_emails_is_paused(sessions: async_sessionmaker[AsyncSession]) -> None:
    await add_user(sessions, "dana@example.org", Role.ADMIN)
    client_policy = dataclasses.replace(POLICY, client_max_failures=8)
    sprayed = [
        await sign_in(sessions, f"user{i}@example.org", "Summer2026!!", "198.51.100.66", client_policy)
        for i in range(9)
    ]
    assert sprayed == ["Unauthorized"] * 8 + ["TooManyRequests"]
    paused = await sign_in(sessions, "dana@example.org", PASSWORD, "198.51.100.66", client_policy)
    assert paused == "TooManyRequests", "the client is paused, whichever email it tries"
    assert await sign_in(sessions, "dana@example.org", PASSWORD, "203.0.113.5", client_policy) == "signed in"


async def test_concurrent_wrong_passwords_count_every_one(sessions: async_sessionmaker[AsyncSession]) -> None:
    await add_user(sessions, "dana@example.org", Role.ADMIN)
    answers = await asyncio.gather(
        *(sign_in(sessions, "dana@example.org", f"guess {i}", "198.51.100.66") for i in range(12))
    )
    assert answers.count("Unauthorized") <= 5, f"{answers.count('Unauthorized')} passwords were checked"
    assert answers.count("TooManyRequests") >= 7


async def test_the_sign_in_page_still_pauses_after_failures(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await add_user(sessions, "dana@example.org", Role.ADMIN)
    assert [await login(client, "dana@example.org", "wrong password") for _ in range(5)] == [401] * 5
    assert await login(client, "dana@example.org") == 429
