"""The console's request pages, through their forms (CSRF included)."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from privacy.actors import Role
from tests.conftest import add_user, login

Client = AsyncTestClient[Litestar]


def csrf_of(html: str) -> str:
    found = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


async def test_record_a_letter_then_see_form_errors_for_a_future_time(
    person: Client, dsar_sessions: async_sessionmaker[AsyncSession]
) -> None:
    await add_user(dsar_sessions, "officer@example.org", Role.PRIVACY_OFFICER)
    assert await login(person, "officer@example.org") == 303
    inbox = await person.get("/console/requests")
    form = {
        "_csrf_token": csrf_of(inbox.text),
        "type": "erasure",
        "email": "grace@example.org",
        "received_at": "2026-11-20T10:15",
        "channel": "letter",
        "verification": "Signed letter matched the contract on file",
    }
    recorded = await person.post("/console/requests", data=form, follow_redirects=False)
    assert recorded.status_code == 303, recorded.text
    detail = await person.get(recorded.headers["location"])
    assert "Signed letter matched the contract on file" in detail.text and "grace@example.org" in detail.text
    future = await person.post("/console/requests", data={**form, "received_at": "2099-01-01T00:00"})
    assert future.status_code == 422 and "in the future" in future.text
