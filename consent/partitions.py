"""On PostgreSQL, consent records are partitioned by the month (UTC) they were recorded in, so a
retention sweep that covers whole months drops them instead of deleting their rows one by one.
Background work makes each month's partition ahead of time; a default partition catches any row
whose month has none yet, and its rows move into that month's partition once it is made."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

PARENT = "consent_records"
DEFAULT = "consent_records_default"
MONTHS_AHEAD = 3
_MONTH_NAME = re.compile(r"^consent_records_p(\d{4})_(\d{2})$")


@dataclass(frozen=True)
class Month:
    start: datetime
    end: datetime

    @property
    def name(self) -> str:
        return f"{PARENT}_p{self.start:%Y_%m}"


def month_of(moment: datetime) -> Month:
    start = moment.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return Month(start, end)


def is_partition(table_name: str) -> bool:
    return table_name == DEFAULT or _MONTH_NAME.match(table_name) is not None


async def is_partitioned(connection: AsyncConnection) -> bool:
    if connection.dialect.name != "postgresql":
        return False
    found = await connection.scalar(
        text("SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(:parent))"),
        {"parent": PARENT},
    )
    return bool(found)


async def months(connection: AsyncConnection) -> list[Month]:
    """The month partitions there are, oldest first."""
    names = await connection.scalars(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(:parent)"
        ),
        {"parent": PARENT},
    )
    found = [_MONTH_NAME.match(name) for name in names]
    return sorted(
        (month_of(datetime(int(m.group(1)), int(m.group(2)), 1, tzinfo=UTC)) for m in found if m is not None),
        key=lambda month: month.start,
    )


async def make_months_ahead(connection: AsyncConnection, now: datetime) -> list[Month]:
    """This month's partition and the next few, where missing; returns those it made."""
    wanted = [month_of(now)]
    for _ in range(MONTHS_AHEAD):
        wanted.append(month_of(wanted[-1].end))
    return await make_months(connection, wanted)


async def make_months(connection: AsyncConnection, wanted: Iterable[Month]) -> list[Month]:
    existing = {month.start for month in await months(connection)}
    made = []
    for month in wanted:
        if month.start not in existing:
            await _make_month(connection, month)
            made.append(month)
    return made


async def _make_month(connection: AsyncConnection, month: Month) -> None:
    # Attaching a month the default partition holds rows of would fail: those rows move first.
    bounds = {"start": month.start, "end": month.end}
    await connection.execute(text(f"CREATE TABLE {month.name} (LIKE {PARENT} INCLUDING DEFAULTS)"))
    await connection.execute(
        text(
            f"WITH moved AS (DELETE FROM {DEFAULT} WHERE recorded_at >= :start AND recorded_at < :end RETURNING *) "  # noqa: S608
            f"INSERT INTO {month.name} SELECT * FROM moved"
        ),
        bounds,
    )
    # Bounds are literals in ATTACH PARTITION: they come from a datetime, never from input.
    await connection.execute(
        text(
            f"ALTER TABLE {PARENT} ATTACH PARTITION {month.name} "
            f"FOR VALUES FROM ('{month.start.isoformat()}') TO ('{month.end.isoformat()}')"
        )
    )


async def whole_months_before(connection: AsyncConnection, cutoff: datetime) -> list[Month]:
    """Month partitions every row of which is older than `cutoff`."""
    return [month for month in await months(connection) if month.end <= cutoff]


async def count_rows(connection: AsyncConnection, month: Month) -> int:
    return int(await connection.scalar(text(f"SELECT count(*) FROM {month.name}")) or 0)  # noqa: S608


async def holds_any(connection: AsyncConnection, month: Month, record_keys: list[int]) -> bool:
    if not record_keys:
        return False
    found = await connection.scalar(
        text(f"SELECT EXISTS (SELECT 1 FROM {month.name} WHERE id = ANY(:keys))"),  # noqa: S608
        {"keys": record_keys},
    )
    return bool(found)


async def drop_month(connection: AsyncConnection, month: Month) -> None:
    await connection.execute(text(f"DROP TABLE {month.name}"))


class MonthPartitions:
    """What a retention sweep of the consent records drops whole (`privacy.db.WholeParts`)."""

    async def parts_before(self, connection: AsyncConnection, cutoff: datetime) -> list[Month]:
        return await whole_months_before(connection, cutoff) if await is_partitioned(connection) else []

    async def holds_any(self, connection: AsyncConnection, part: Month, record_keys: list[str]) -> bool:
        return await holds_any(connection, part, [int(key) for key in record_keys if key.isdigit()])

    async def drop(self, connection: AsyncConnection, part: Month) -> int:
        dropped = await count_rows(connection, part)
        await drop_month(connection, part)
        return dropped


MONTHS = MonthPartitions()
