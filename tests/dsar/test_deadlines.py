"""Art. 12(3) deadlines under Regulation 1182/71: month ends, leap years, weekends, public holidays;
and when the one-month clock starts: at receipt (the default) or, with
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

from dsar import intake, staff
from dsar.deadlines import legal_deadline
from dsar.schemas import RequestIn, StaffRequestIn
from privacy import mail
from privacy.settings import Settings
from tests.conftest import SYSTEM, app_with_demo, client_of, sessions_of
from tests.dsar.conftest import ADA

Client = AsyncTestClient[Litestar]


@pytest.mark.parametrize(
    ("received", "country", "months", "due", "why"),
    [
        (date(2026, 3, 10), "DE", 1, date(2026, 4, 10), "same date next month (a Friday)"),
        (date(2027, 1, 31), "DE", 1, date(2027, 3, 1), "31 Jan -> 28 Feb 2027, a Sunday -> Monday 1 March"),
        (date(2028, 1, 31), "DE", 1, date(2028, 2, 29), "leap year: 31 Jan -> 29 Feb 2028, a Tuesday"),
        (date(2026, 5, 31), "DE", 1, date(2026, 6, 30), "31 May -> 30 June"),
        (date(2026, 10, 17), "DE", 1, date(2026, 11, 17), "Tuesday 17 November"),
        (date(2026, 10, 14), "NL", 1, date(2026, 11, 16), "Saturday 14 Nov -> Monday 16 Nov"),
        (date(2026, 11, 25), "DE", 1, date(2026, 12, 28), "25 Dec and 26 Dec (Sat) are holidays, 27 Sunday"),
        (date(2026, 11, 25), "GB", 1, date(2026, 12, 29), "England: 25 Dec, 28 Dec (Boxing Day substitute)"),
        (date(2026, 4, 8), "FR", 1, date(2026, 5, 11), "8 May (Friday) is a French holiday -> Monday"),
        (date(2026, 4, 8), "DE", 1, date(2026, 5, 8), "but a working day in Germany"),
        (date(2026, 4, 1), "FR", 1, date(2026, 5, 4), "1 May is Labour Day (Friday), then the weekend"),
        (date(2026, 4, 1), "DE", 1, date(2026, 5, 4), "the same in Germany"),
        (date(2026, 9, 3), "DE", 1, date(2026, 10, 5), "3 Oct, German Unity Day, is a Saturday"),
        (date(2026, 11, 30), "DE", 3, date(2027, 3, 1), "three months: 28 Feb 2027 is a Sunday"),
        (date(2027, 11, 30), "DE", 3, date(2028, 2, 29), "three months into a leap February"),
    ],
)
def test_legal_deadline(received: date, country: str, months: int, due: date, why: str) -> None:
    assert legal_deadline(received, months=months, country=country) == due, why


def test_a_country_without_known_holidays_still_skips_weekends() -> None:
    assert legal_deadline(date(2026, 10, 14), months=1, country="AQ") == date(2026, 11, 16)


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
        request = await intake.submit_request(
            session, data=RequestIn(type="access", email=ADA), settings=desk.settings, now=RECEIVED
        )
        request_id, reference = request.id, request.reference
    waiting = await shown_to_staff(desk, request_id, admin)
    clock = desk.settings.request_clock_starts
    assert waiting["due_at"] == (EXPECTED["receipt"][0].isoformat() if clock == "receipt" else None)

    # Eighteen days later the person asks for a new code (the first expired) and proves the email.
    async with desk.sessions() as session, session.begin():
        await intake.resend_code(session, reference=reference, now=NEW_CODE_ASKED)
    code = await newest_code(desk)
    async with desk.sessions() as session, session.begin():
        await intake.verify_code(session, reference=reference, code=code, settings=desk.settings, now=VERIFIED)

    shown = await shown_to_staff(desk, request_id, admin)
    assert shown["due_at"] == EXPECTED[clock][0].isoformat()
    assert (shown["received_at"][:16], shown["verified_at"][:16]) == ("2026-03-02T10:00", "2026-03-20T15:00")


async def test_a_letter_recorded_later_is_due_a_month_after_the_clock_starts(desk: Desk, admin: dict[str, str]) -> None:
    letter = StaffRequestIn.model_validate(
        {"type": "rectification", "email": ADA, "received_at": RECEIVED, "channel": "letter", "verification": "ID"}
    )
    async with desk.sessions() as session, session.begin():
        request = await staff.record_staff_request(
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
        recorded = await staff.record_staff_request(
            session, data=letter, actor=SYSTEM, settings=desk.settings, now=VERIFIED
        )
        request_id = recorded.id
    extended_on = datetime(2026, 3, 25, 11, 0, tzinfo=UTC)  # before either first deadline
    async with desk.sessions() as session, session.begin():
        await staff.extend_deadline(
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
