"""The request log for auditors: every request's type, channel, dates and outcome, never who made
it. It goes into the auditor's bundle as `requests/request-log.csv`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from dsar.models import DataRequest
from privacy.bundle import Archive
from privacy.csvfile import csv_bytes

REQUEST_LOG_COLUMNS = [
    "reference", "type", "channel", "status", "received_at", "verified_at", "due_at", "extended_due_at",
    "replied_at", "outcome",
]  # fmt: skip


async def request_log(session: AsyncSession, *, batch: int = 2000) -> AsyncIterator[list[list[str]]]:
    """Every request as the log for auditors shows it, in batches ordered by receipt: dates and
    outcomes, never who."""
    columns = [getattr(DataRequest, name) for name in REQUEST_LOG_COLUMNS]
    after: datetime | None = None
    last_reference = ""
    while True:
        query = select(*columns).order_by(DataRequest.received_at, DataRequest.reference).limit(batch)
        if after is not None:
            query = query.where(
                or_(
                    DataRequest.received_at > after,
                    and_(DataRequest.received_at == after, DataRequest.reference > last_reference),
                )
            )
        rows = (await session.execute(query)).all()
        if not rows:
            return
        yield [["" if value is None else _log_value(value) for value in row] for row in rows]
        after, last_reference = rows[-1].received_at, rows[-1].reference


def _log_value(value: object) -> str:
    return value.isoformat() if isinstance(value, date | datetime) else str(value)


async def request_log_bundle_part(session: AsyncSession, archive: Archive, now: datetime) -> None:
    """The request log for auditors: dates and outcomes, never who."""
    with archive.member("requests/request-log.csv") as writer:
        writer.write(csv_bytes([REQUEST_LOG_COLUMNS]))
        async for rows in request_log(session):
            writer.write(csv_bytes(rows))
