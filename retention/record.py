"""The backups as an annex of the Art. 30 record: among the security measures (Art. 30(1)(g),
Art. 32(1)(c): restoring access after an incident), where each store of copies is, whether the
copies are encrypted, how often they are taken and how long kept, which is also how long erased
data lingers in them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from privacy.domain import RecordAnnex
from retention import service

Line = dict[str, str | list[str]]

COLUMNS = [
    ("name", "Backups"),
    ("stored_in", "Stored in (country, provider)"),
    ("encryption", "Encryption"),
    ("schedules", "Taken and kept"),
]


async def backup_lines(session: AsyncSession, now: datetime) -> list[Line]:
    return [
        {
            "name": store.name,
            "stored_in": store.stored_in,
            "encryption": store.encryption,
            "schedules": store.schedules_in_words,
        }
        for store in await service.list_backups(session)
    ]


BACKUPS = RecordAnnex(
    key="backups", title="Backups (security measures, Art. 30(1)(g))", columns=COLUMNS, rows=backup_lines
)
