"""Following a request: only its own, valid token opens it; what the person sees; each download
counted and in the audit trail."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dsar.models import RequestPackage
from privacy.db import utcnow
from privacy.models import AuditEntry
from tests.dsar.conftest import download, verified
from tests.mail_fixtures import Mailbox

Client = AsyncTestClient[Litestar]


async def test_following_a_request_needs_its_own_valid_token(
    person: Client, mailbox: Mailbox, background: Any, dsar_sessions: async_sessionmaker[AsyncSession]
) -> None:
    mine = await verified(person, mailbox, background)
    theirs = await verified(person, mailbox, background, email="grace@example.org")
    url = f"/api/v1/requests/{mine['reference']}"
    assert (await person.get(url)).status_code == 401
    assert (await person.get(url, headers={"authorization": f"Bearer {theirs['token']}"})).status_code == 401
    assert (await person.get(url, headers={"authorization": "Bearer forged"})).status_code == 401
    async with dsar_sessions() as session, session.begin():
        from dsar.models import RequestToken

        await session.execute(update(RequestToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    expired = await person.get(url, headers={"authorization": f"Bearer {mine['token']}"})
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]


async def test_the_person_sees_public_messages_and_each_download_is_counted_and_audited(
    person: Client, mailbox: Mailbox, background: Any, dsar_sessions: async_sessionmaker[AsyncSession]
) -> None:
    granted = await verified(person, mailbox, background)
    url, bearer = f"/api/v1/requests/{granted['reference']}", {"authorization": f"Bearer {granted['token']}"}
    assert (await person.get(url, headers=bearer)).json()["package_available_until"] is None
    await background()
    status = (await person.get(url, headers=bearer)).json()
    assert status["status"] == "completed" and status["package_available_until"] is not None
    assert [m["kind"] for m in status["messages"]] == ["received", "verified", "package_ready", "completed"]
    assert all(not m["kind"].startswith("step_") for m in status["messages"]), "the steps are for staff"
    for _ in range(2):
        assert (await download(person, granted)).status_code == 200
    async with dsar_sessions() as session:
        package = (await session.scalars(select(RequestPackage))).one()
        audited = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "request.package_downloaded"))
        ).all()
    assert package.downloads == 2
    assert [entry.actor for entry in audited] == [f"person:{granted['reference']}"] * 2
