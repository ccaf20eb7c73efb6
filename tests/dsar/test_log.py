"""The request log for auditors: every request once, in order of receipt, whatever the batch size;
dates and outcomes, never who."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dsar import log, staff
from dsar.schemas import StaffRequestIn
from privacy.db import utcnow
from privacy.settings import Settings
from tests.conftest import SYSTEM
from tests.dsar.conftest import letter


async def test_the_log_pages_through_every_request_in_order_and_names_no_one(
    dsar_sessions: async_sessionmaker[AsyncSession], dsar_settings: Settings
) -> None:
    now = utcnow().replace(microsecond=0)
    # Four received at the same moment: the batches must neither skip nor repeat one of them.
    received = [now - timedelta(days=3)] * 4 + [now - timedelta(days=2)]
    async with dsar_sessions() as session, session.begin():
        for index, at in enumerate(received):
            data = StaffRequestIn.model_validate(letter(at, email=f"person-{index}@example.org", name="Ada"))
            await staff.record_staff_request(session, data=data, actor=SYSTEM, settings=dsar_settings, now=now)
    async with dsar_sessions() as session:
        batches = [rows async for rows in log.request_log(session, batch=2)]
    assert [len(rows) for rows in batches] == [2, 2, 1]
    rows = [row for rows in batches for row in rows]
    assert len(rows[0]) == len(log.REQUEST_LOG_COLUMNS)
    references = [row[0] for row in rows]
    assert len(set(references)) == 5 and references[:4] == sorted(references[:4])
    assert [row[4][:10] for row in rows] == [at.date().isoformat() for at in received]
    assert not any("@" in cell or "Ada" in cell for row in rows for cell in row), "dates and outcomes, never who"
