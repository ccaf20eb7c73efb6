"""The privacy team's side: requests recorded with their real receipt time, the inbox, extension,
refusal, and reminders that go once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from babel.dates import format_date
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dsar.models import DataRequest
from privacy.actors import Role
from privacy.db import utcnow
from tests.conftest import add_user
from tests.dsar.conftest import ADA, letter
from tests.mail_fixtures import Mailbox, body_of

Client = AsyncTestClient[Litestar]


async def test_request_by_letter_keeps_its_receipt_time_and_deadline(person: Client, officer: dict[str, str]) -> None:
    received = datetime(2026, 10, 14, 9, 30, tzinfo=UTC)
    answer = await person.post(
        "/api/v1/admin/requests", json=letter(received, notes="Letter dated 12 October"), headers=officer
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    # Demo organisation in Germany: 14 Nov 2026 is a Saturday -> Monday 16 Nov.
    assert body["due_at"] == "2026-11-16"
    assert body["received_at"].startswith("2026-10-14T09:30")
    assert body["verification_method"] == "copy of passport checked by post"
    assert body["status"] == "in_progress"
    assert [entry["kind"] for entry in body["timeline"]] == ["received", "verified"]
    assert body["timeline"][0]["note"] == "Letter dated 12 October"
    shown = await person.get(f"/api/v1/admin/requests/{body['id']}", headers=officer)
    assert shown.json() == body


async def test_future_receipt_time_is_refused_and_auditors_cannot_record(
    person: Client, officer: dict[str, str], auditor: dict[str, str]
) -> None:
    future = await person.post("/api/v1/admin/requests", json=letter(utcnow() + timedelta(hours=2)), headers=officer)
    assert future.status_code == 422
    assert future.json()["errors"][0]["path"] == "received_at"
    assert (await person.get("/api/v1/admin/requests", headers=officer)).json() == []
    refused = await person.post("/api/v1/admin/requests", json=letter(utcnow()), headers=auditor)
    assert refused.status_code == 403


async def test_inbox_sorts_by_due_date_and_marks_overdue_and_due_soon(person: Client, officer: dict[str, str]) -> None:
    now = utcnow()
    # Received 28 days ago, the deadline is 0 to 3 days away, at most 4 more past a weekend and holidays
    # (Easter, Christmas): always within the 7 days of "due soon", whatever the day the test runs.
    # (27 days ago, it fell 8 days away on some days, e.g. on 10 April 2028.)
    for days_ago, kind in [(10, "erasure"), (40, "access"), (28, "portability")]:
        response = await person.post(
            "/api/v1/admin/requests", json=letter(now - timedelta(days=days_ago), type=kind), headers=officer
        )
        assert response.status_code == 201
    inbox = (await person.get("/api/v1/admin/requests", headers=officer)).json()
    assert [r["type"] for r in inbox] == ["access", "portability", "erasure"]
    assert [r["overdue"] for r in inbox] == [True, False, False]
    assert inbox[1]["due_soon"] is True and inbox[2]["due_soon"] is False
    erasures = await person.get("/api/v1/admin/requests", params={"type": "erasure"}, headers=officer)
    assert [r["type"] for r in erasures.json()] == ["erasure"]
    window = await person.get("/api/v1/admin/requests", params={"due_after": now.date().isoformat()}, headers=officer)
    assert {r["type"] for r in window.json()} == {"portability", "erasure"}


async def test_extension_once_before_the_deadline_with_reasons_mailed(
    person: Client, officer: dict[str, str], mailbox: Mailbox, background: Any
) -> None:
    received = utcnow() - timedelta(days=3)
    created = (await person.post("/api/v1/admin/requests", json=letter(received), headers=officer)).json()
    url = f"/api/v1/admin/requests/{created['id']}/extend"
    reason = "Your data is spread over twelve archived systems that must be restored first."
    extended = await person.post(url, json={"reason": reason}, headers=officer)
    assert extended.status_code == 200
    assert date.fromisoformat(extended.json()["extended_due_at"]) > date.fromisoformat(extended.json()["due_at"])
    again = await person.post(url, json={"reason": reason}, headers=officer)
    assert again.status_code == 409 and "already" in again.json()["detail"]
    await background()
    [mail] = [m for m in mailbox.to(ADA) if "more time" in m["Subject"]]
    in_words = format_date(date.fromisoformat(extended.json()["extended_due_at"]), format="long", locale="en")
    assert reason in body_of(mail) and in_words in body_of(mail), "the new deadline, as the person writes dates"


async def test_no_extension_after_the_first_deadline(
    person: Client, officer: dict[str, str], dsar_sessions: async_sessionmaker[AsyncSession]
) -> None:
    created = (
        await person.post("/api/v1/admin/requests", json=letter(utcnow() - timedelta(days=50)), headers=officer)
    ).json()
    late = await person.post(
        f"/api/v1/admin/requests/{created['id']}/extend",
        json={"reason": "We are very busy these weeks."},
        headers=officer,
    )
    assert late.status_code == 409 and "before the first deadline" in late.json()["detail"]


async def test_refusal_tells_the_reason_and_the_right_to_complain(
    person: Client, officer: dict[str, str], mailbox: Mailbox, background: Any
) -> None:
    created = (await person.post("/api/v1/admin/requests", json=letter(utcnow()), headers=officer)).json()
    refused = await person.post(
        f"/api/v1/admin/requests/{created['id']}/refuse",
        json={"reason": "excessive", "explanation": "This is the ninth identical request this month."},
        headers=officer,
    )
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    await background()
    text = body_of(mailbox.to(ADA)[0])
    assert "ninth identical request" in text and "supervisory authority" in text and "Art. 12(5)" in text
    twice = await person.post(
        f"/api/v1/admin/requests/{created['id']}/refuse",
        json={"reason": "excessive", "explanation": "This is the ninth identical request this month."},
        headers=officer,
    )
    assert twice.status_code == 409


async def test_reminders_go_once_per_lead_time_and_when_overdue(
    person: Client,
    officer: dict[str, str],
    mailbox: Mailbox,
    background: Any,
    dsar_sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_user(dsar_sessions, "dpo@example.org", Role.PRIVACY_OFFICER)
    # Rectification is worked by staff: the request stays open while the reminders fall due.
    created = (
        await person.post("/api/v1/admin/requests", json=letter(utcnow(), type="rectification"), headers=officer)
    ).json()

    async def due_in(days: int) -> None:
        async with dsar_sessions() as session, session.begin():
            await session.execute(update(DataRequest).values(due_at=utcnow().date() + timedelta(days=days)))

    await due_in(20)
    await background()
    assert mailbox.to("dpo@example.org") == []
    await due_in(6)
    await background()
    await background()
    await due_in(1)
    await background()
    await due_in(-1)
    await background()
    await background()
    subjects = [m["Subject"] for m in mailbox.to("dpo@example.org")]
    assert len(subjects) == 3, subjects
    assert subjects[-1].endswith("is overdue")
    assert all(created["reference"] in s for s in subjects)
    assert all(ADA not in body_of(m) for m in mailbox.to("dpo@example.org")), "reminders carry no personal data"
