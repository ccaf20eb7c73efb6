"""The consent console: statistics, proof lookup for auditors, and the set-up's editor."""

from __future__ import annotations

import asyncio
import html
import re

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from consent import setup
from privacy import auth
from privacy.actors import Role
from privacy.db import database_config
from privacy.settings import Settings
from tests.conftest import SYSTEM, add_user, bearer, login
from tests.consent.conftest import CHOICE, Client, record


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
    assert '<a href="#policy_version">Policy version</a>' in refused.text

    changed = document.replace("policy_version: 2026-11", "policy_version: 2026-12")
    saved = await visitor.post(
        "/console/consent/setup", data={"document": changed, "_csrf_token": token}, follow_redirects=False
    )
    assert saved.status_code == 303
    async with sessions() as session:
        current = await setup.load_setup(session)
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
