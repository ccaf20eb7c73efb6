"""Durable state claimed with a lease: many workers on PostgreSQL (`FOR UPDATE SKIP LOCKED`) never
take the same row, and a row whose worker died is taken up again when its lease expires."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from privacy.db import Base, rows_changed

Row = TypeVar("Row", bound=Base)


async def claim(
    session: AsyncSession,
    model: type[Row],
    *conditions: ColumnElement[bool],
    now: datetime,
    lease: timedelta,
    limit: int,
) -> list[Row]:
    """Take up to `limit` rows that meet `conditions` and are not leased to a live worker, lease
    them until `now + lease`, and commit the lease, so the claim holds while the work runs."""
    lease_until = model.lease_until  # type: ignore[attr-defined]
    rows = list(
        await session.scalars(
            select(model)
            .where(*conditions, or_(lease_until.is_(None), lease_until < now))
            .order_by(*model.__mapper__.primary_key)  # oldest first
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    for row in rows:
        row.lease_until = now + lease  # type: ignore[attr-defined]
    await session.commit()
    return rows


async def take(
    session: AsyncSession, model: type[Row], *conditions: ColumnElement[bool], now: datetime, lease: timedelta
) -> bool:
    """Lease the one row that meets `conditions` when no live worker holds it, and commit the lease;
    answers whether it was taken. One statement: two workers cannot both take it."""
    lease_until = model.lease_until  # type: ignore[attr-defined]
    taken = await rows_changed(
        session,
        update(model).where(*conditions, or_(lease_until.is_(None), lease_until < now)).values(lease_until=now + lease),
    )
    await session.commit()
    return bool(taken)


async def renew(
    session: AsyncSession, model: type[Row], *conditions: ColumnElement[bool], until: datetime | None
) -> None:
    """Extend a lease held (or end it, with `until=None`), in the caller's transaction."""
    await session.execute(update(model).where(*conditions).values(lease_until=until))
