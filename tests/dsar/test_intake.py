"""Intake: the same answer for anyone, a one-time code by email that unlocks the request, and a
request from the organisation's application for its signed-in customer."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from typing import Any

from joserfc import jwt
from joserfc.jwk import OKPKey
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dsar.models import DataRequest, VerificationCode
from privacy.db import utcnow
from privacy.register import service as register
from privacy.register.schemas import Application
from tests.conftest import SYSTEM
from tests.dsar.conftest import ADA, code_in, submit
from tests.mail_fixtures import Mailbox

Client = AsyncTestClient[Litestar]


async def test_intake_answers_alike_and_mails_a_code_that_unlocks_the_request(
    person: Client, mailbox: Mailbox, background: Any, dsar_sessions: async_sessionmaker[AsyncSession]
) -> None:
    first = await submit(person, name="Ada Lovelace")
    second = await submit(person, "nobody-we-know@example.net")
    assert first.status_code == second.status_code == 202
    assert first.json().keys() == second.json().keys() == {"reference", "status"}
    assert first.json()["status"] == "awaiting_verification"
    async with dsar_sessions() as session:  # stored encrypted, found by a keyed hash
        stored = (await session.scalars(select(DataRequest.email_encrypted))).all()
    assert all(ADA not in value for value in stored)

    await background()
    reference = first.json()["reference"]
    answer = await person.post(f"/api/v1/requests/{reference}/verify", json={"code": code_in(mailbox, ADA)})
    assert answer.status_code == 200
    token = answer.json()["token"]
    status = await person.get(f"/api/v1/requests/{reference}", headers={"authorization": f"Bearer {token}"})
    assert status.status_code == 200
    body = status.json()
    assert body["status"] == "in_progress" and body["due_at"] is not None
    assert [message["kind"] for message in body["messages"]] == ["received", "verified"]
    assert status.headers["cache-control"] == "no-store"


async def test_wrong_codes_count_and_five_lock_the_code(person: Client, mailbox: Mailbox, background: Any) -> None:
    reference = (await submit(person)).json()["reference"]
    await background()
    right = code_in(mailbox, ADA)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    answers = [await person.post(f"/api/v1/requests/{reference}/verify", json={"code": wrong}) for _ in range(5)]
    assert [a.status_code for a in answers] == [422] * 5
    assert "4 attempts left" in answers[0].text
    locked = await person.post(f"/api/v1/requests/{reference}/verify", json={"code": right})
    assert locked.status_code == 429, "even the right code is refused after five wrong ones"


async def test_expired_code_and_resend_throttle(
    person: Client, mailbox: Mailbox, background: Any, dsar_sessions: async_sessionmaker[AsyncSession]
) -> None:
    reference = (await submit(person)).json()["reference"]
    await background()
    code = code_in(mailbox, ADA)
    too_soon = await person.post(f"/api/v1/requests/{reference}/code")
    assert too_soon.status_code == 429 and "retry-after" in too_soon.headers
    async with dsar_sessions() as session, session.begin():
        later = utcnow() - timedelta(minutes=16)
        await session.execute(update(VerificationCode).values(expires_at=later, sent_at=later))
    expired = await person.post(f"/api/v1/requests/{reference}/verify", json={"code": code})
    assert expired.status_code == 410
    assert (await person.post(f"/api/v1/requests/{reference}/code")).status_code == 202
    await background()
    assert len(mailbox.to(ADA)) == 2
    fresh = await person.post(f"/api/v1/requests/{reference}/verify", json={"code": code_in(mailbox, ADA)})
    assert fresh.status_code == 200


async def test_signed_in_customer_request_counts_as_verified_and_its_assertion_works_once(
    person: Client, dsar_sessions: async_sessionmaker[AsyncSession]
) -> None:
    key = OKPKey.generate_key("Ed25519")
    async with dsar_sessions() as session, session.begin():
        organisation = await register.require_organisation(session)
        app = Application(key="portal", name="Customer portal", identity_keys=[key.as_dict(private=False)])
        await register.save_organisation(
            session, profile=organisation.model_copy(update={"applications": [app]}), actor=SYSTEM
        )
    now = int(time.time())
    claims = {"sub": "c-1", "email": ADA, "aud": "portal", "iat": now, "exp": now + 120, "jti": str(uuid.uuid4())}
    identity = jwt.encode({"alg": "Ed25519"}, claims, key, algorithms=["Ed25519"])
    body = {"application": "portal", "type": "access", "identity": identity}
    answer = await person.post("/api/v1/requests/application", json=body)
    assert answer.status_code == 201, answer.text
    status = await person.get(
        f"/api/v1/requests/{answer.json()['reference']}", headers={"authorization": f"Bearer {answer.json()['token']}"}
    )
    assert status.json()["status"] == "in_progress"
    replay = await person.post("/api/v1/requests/application", json=body)
    assert replay.status_code == 401 and "used already" in replay.json()["detail"]
    unknown = await person.post("/api/v1/requests/application", json={**body, "application": "other"})
    assert unknown.status_code == 401


async def test_post_mortem_directives_are_offered_only_where_the_law_gives_them(person: Client) -> None:
    """Art. 85 LIL is French law: the demo organisation is in Germany, so neither a directive nor a
    death notice is taken."""
    directive = {"trusted_person": "George Byron", "trusted_email": "byron@example.org", "wish": "erasure"}
    refused = await person.post("/api/v1/requests", json={"type": "directive", "email": ADA, "directive": directive})
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"path": "type", "message": "not offered here"}]
    form = await person.get("/privacy/requests")
    assert 'value="directive"' not in form.text and 'value="death_notice"' not in form.text
