"""The console's request pages, through their forms (CSRF included)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from privacy.actors import Role
from tests.conftest import add_user, login
from tests.dsar.conftest import ADA, code_in, verified

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


async def test_manual_step_is_completed_from_the_console_with_csv(
    person: Client,
    admin: dict[str, str],
    dsar_sessions: async_sessionmaker[AsyncSession],
    mailbox: Any,
    background: Any,
) -> None:
    manual = {"key": "archive", "name": "Paper archive", "kind": "manual", "owner_email": "archivist@example.org"}
    await person.put("/api/v1/admin/connectors/archive", json=manual, headers=admin)
    granted = await verified(person, mailbox, background)
    await background()
    await add_user(dsar_sessions, "officer@example.org", Role.PRIVACY_OFFICER)
    assert await login(person, "officer@example.org") == 303
    inbox = await person.get("/console/requests")
    detail_url = re.search(r'href="(/console/requests/[0-9a-f-]{36})"', inbox.text).group(1)  # type: ignore[union-attr]
    detail = await person.get(detail_url)
    action = re.search(r'action="(/console/requests/[^"]+/steps/\d+)"', detail.text).group(1)  # type: ignore[union-attr]
    done = await person.post(
        action,
        data={"_csrf_token": csrf_of(detail.text), "rows": "box,document\nB-17,Signed contract 2019\n"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    await background()
    package = await person.get(
        f"/api/v1/requests/{granted['reference']}/package", headers={"authorization": f"Bearer {granted['token']}"}
    )
    data = json.loads(zipfile.ZipFile(io.BytesIO(package.content)).read("data.json"))
    assert data["archive"]["identification"]["records"] == [{"box": "B-17", "document": "Signed contract 2019"}]


async def test_outbox_shows_what_waits_to_be_sent_to_those_who_work_requests(
    person: Client, dsar_sessions: async_sessionmaker[AsyncSession]
) -> None:
    reference = (await person.post("/api/v1/requests", json={"type": "access", "email": "ada@example.org"})).json()
    await add_user(dsar_sessions, "officer@example.org", Role.PRIVACY_OFFICER)
    await add_user(dsar_sessions, "auditor@example.org", Role.AUDITOR)
    assert await login(person, "auditor@example.org") == 303
    seen_by_auditor = await person.get("/console/outbox")
    assert f"Your code for request {reference['reference']}" in seen_by_auditor.text
    assert "Your code is" not in seen_by_auditor.text, "one-time codes are for those who work requests"
    assert await login(person, "officer@example.org") == 303
    outbox = await person.get("/console/outbox")
    assert outbox.status_code == 200
    assert "Your code is" in outbox.text and "ada@example.org" in outbox.text


async def test_a_correction_asked_on_the_privacy_centre_is_decided_from_the_console(
    person: Client,
    admin: dict[str, str],
    dsar_sessions: async_sessionmaker[AsyncSession],
    mailbox: Any,
    background: Any,
) -> None:
    manual = {"key": "archive", "name": "Paper archive", "kind": "manual", "owner_email": "archivist@example.org"}
    await person.put("/api/v1/admin/connectors/archive", json=manual, headers=admin)
    form = await person.get("/privacy/requests")
    assert "what is wrong and what it should be" in form.text
    sent = await person.post(
        "/privacy/requests",
        data={
            "_csrf_token": csrf_of(form.text),
            "type": "rectification",
            "email": ADA,
            "corrections": "surname = King\nfirst name = Augusta Ada\n",
        },
        follow_redirects=False,
    )
    assert sent.status_code in (200, 303), sent.text
    await background()
    [summary] = (await person.get("/api/v1/admin/requests", headers=admin)).json()
    verify = await person.post(f"/api/v1/requests/{summary['reference']}/verify", json={"code": code_in(mailbox, ADA)})
    assert verify.status_code == 200, verify.text

    await add_user(dsar_sessions, "officer@example.org", Role.PRIVACY_OFFICER)
    assert await login(person, "officer@example.org") == 303
    detail = await person.get(f"/console/requests/{summary['id']}")
    assert "What the person asks to correct" in detail.text
    assert "<td>first name</td><td>Augusta Ada</td>" in detail.text
    action = re.search(r'action="(/console/requests/[^"]+/steps/\d+)"', detail.text).group(1)  # type: ignore[union-attr]
    empty = await person.post(action, data={"_csrf_token": csrf_of(detail.text), "fields": "", "refused": ""})
    assert empty.status_code == 422 and "give the corrected values" in empty.text
    assert f'action="{action}"' in empty.text and "awaiting decision" in empty.text, "the step stays to decide"
    decided = await person.post(
        action,
        data={"_csrf_token": csrf_of(detail.text), "fields": "surname = King\nfirst name = Augusta Ada"},
        follow_redirects=False,
    )
    assert decided.status_code == 303, decided.text
    await background()
    answered = await person.get(f"/console/requests/{summary['id']}")
    assert "completed (rectified)" in answered.text.replace("\n", " ")
    assert "Paper archive: corrected first name; surname" in answered.text
