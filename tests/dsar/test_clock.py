"""When the one-month clock starts: at receipt (the default) or, with
PRIVACY_REQUEST_CLOCK_STARTS=verification, when the person proves their email; both times are kept.
The clock is passed in, so every date below can be checked against a 2026 calendar: the demo
organisation is in Germany (Good Friday 3 April, Easter Monday 6 April 2026)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dsar import service
from dsar.schemas import RequestIn, StaffRequestIn
from privacy import mail
from privacy.settings import Settings
from tests.conftest import SYSTEM, app_with_demo, client_of, sessions_of

Client = AsyncTestClient[Litestar]
ADA = "ada@example.org"
RECEIVED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # Monday
NEW_CODE_ASKED = datetime(2026, 3, 20, 14, 58, tzinfo=UTC)  # Friday, eighteen days later
VERIFIED = datetime(2026, 3, 20, 15, 0, tzinfo=UTC)

# (clock starts at, first deadline, extended deadline): one month, then three months, from the
# start of the clock; a deadline on a weekend or holiday moves to the next working day.
EXPECTED = {
    # 2 April is a Thursday; 2 June a Tuesday.
    "receipt": (date(2026, 4, 2), date(2026, 6, 2)),
    # 20 April is a Monday; 20 June a Saturday -> Monday 22 June.
    "verification": (date(2026, 4, 20), date(2026, 6, 22)),
}


@dataclass
class Desk:
    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    staff: Client


@pytest.fixture(params=["receipt", "verification"])
async def desk(request: pytest.FixtureRequest, settings: Settings) -> AsyncIterator[Desk]:
    clocked = settings.model_copy(update={"request_clock_starts": request.param})
    app = await app_with_demo(clocked)
    async with sessions_of(app, clocked) as sessions, client_of(app) as staff:
        yield Desk(clocked, sessions, staff)


async def newest_code(desk: Desk) -> str:
    async with desk.sessions() as session:
        letters = await mail.pending_messages(session)  # newest first; no SMTP here, the outbox keeps them
    found = re.search(r"Your code is (\d{6})", letters[0].body)
    assert found
    return found.group(1)


async def shown_to_staff(desk: Desk, request_id: Any, admin: dict[str, str]) -> dict[str, Any]:
    answer = await desk.staff.get(f"/api/v1/admin/requests/{request_id}", headers=admin)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def test_a_request_from_the_form_is_due_a_month_after_the_clock_starts(desk: Desk, admin: dict[str, str]) -> None:
    async with desk.sessions() as session, session.begin():
        request = await service.submit_request(
            session, data=RequestIn(type="access", email=ADA), settings=desk.settings, now=RECEIVED
        )
        request_id, reference = request.id, request.reference
    waiting = await shown_to_staff(desk, request_id, admin)
    clock = desk.settings.request_clock_starts
    assert waiting["due_at"] == (EXPECTED["receipt"][0].isoformat() if clock == "receipt" else None)

    # Eighteen days later the person asks for a new code (the first expired) and proves the email.
    async with desk.sessions() as session, session.begin():
        await service.resend_code(session, reference=reference, now=NEW_CODE_ASKED)
    code = await newest_code(desk)
    async with desk.sessions() as session, session.begin():
        await service.verify_code(session, reference=reference, code=code, settings=desk.settings, now=VERIFIED)

    shown = await shown_to_staff(desk, request_id, admin)
    assert shown["due_at"] == EXPECTED[clock][0].isoformat()
    assert (shown["received_at"][:16], shown["verified_at"][:16]) == ("2026-03-02T10:00", "2026-03-20T15:00")


async def test_a_letter_recorded_later_is_due_a_month_after_the_clock_starts(desk: Desk, admin: dict[str, str]) -> None:
    letter = StaffRequestIn.model_validate(
        {"type": "rectification", "email": ADA, "received_at": RECEIVED, "channel": "letter", "verification": "ID"}
    )
    async with desk.sessions() as session, session.begin():
        request = await service.record_staff_request(
            session, data=letter, actor=SYSTEM, settings=desk.settings, now=VERIFIED
        )
        request_id = request.id
    shown = await shown_to_staff(desk, request_id, admin)
    assert shown["due_at"] == EXPECTED[desk.settings.request_clock_starts][0].isoformat()
    assert (shown["received_at"][:16], shown["verified_at"][:16]) == ("2026-03-02T10:00", "2026-03-20T15:00")


async def test_an_extension_makes_three_months_from_the_start_of_the_clock(desk: Desk, admin: dict[str, str]) -> None:
    letter = StaffRequestIn.model_validate(
        {"type": "rectification", "email": ADA, "received_at": RECEIVED, "channel": "letter", "verification": "ID"}
    )
    async with desk.sessions() as session, session.begin():
        recorded = await service.record_staff_request(
            session, data=letter, actor=SYSTEM, settings=desk.settings, now=VERIFIED
        )
        request_id = recorded.id
    extended_on = datetime(2026, 3, 25, 11, 0, tzinfo=UTC)  # before either first deadline
    async with desk.sessions() as session, session.begin():
        await service.extend_deadline(
            session,
            request_id=request_id,
            reason="Archived systems",
            actor=SYSTEM,
            settings=desk.settings,
            today=extended_on.date(),
            now=extended_on,
        )
    shown = await shown_to_staff(desk, request_id, admin)
    first, extended = EXPECTED[desk.settings.request_clock_starts]
    assert (shown["due_at"], shown["extended_due_at"]) == (first.isoformat(), extended.isoformat())
