"""Tables of the retention domain: rules, legal holds, backup stores with their schedules and the
run log (counts, never the data)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from advanced_alchemy.types import GUID
from sqlalchemy import ForeignKey, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column

from privacy.db import Base, encrypted


class RetentionRule(Base):
    """`content` is the validated `RuleIn`. `system_key` copies its store's registered system, so
    that system cannot be removed while a rule sweeps it. A new or changed rule is `awaiting_review`
    and sweeps nothing until a person approves its dry run."""

    __tablename__ = "retention_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    content: Mapped[dict[str, Any]]
    system_key: Mapped[str | None] = mapped_column(
        String(100), ForeignKey("external_systems.key", ondelete="RESTRICT"), index=True
    )
    next_run_at: Mapped[datetime | None] = mapped_column(index=True)
    lease_until: Mapped[datetime | None]
    awaiting_review: Mapped[bool] = mapped_column(server_default=false())
    updated_at: Mapped[datetime]


class LegalHold(Base):
    """The held person's email is encrypted, with a keyed hash beside it for the toolkit's tables.
    A hold keeps its rows until a day (`until`), for a period after each row's event (`kept_for`
    after the store's column `after_column`), or until lifted. `key` names a hold kept in the
    configuration file."""

    __tablename__ = "legal_holds"

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=uuid.uuid4)
    rule_key: Mapped[str | None] = mapped_column(String(100))
    subject_encrypted: Mapped[str | None] = mapped_column(Text, info=encrypted("legal-hold:subject"))
    subject_hash: Mapped[str | None] = mapped_column(String(64))
    record_key: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(300))
    placed_by: Mapped[str] = mapped_column(String(200))
    placed_at: Mapped[datetime]
    until: Mapped[date | None]
    kept_for: Mapped[str | None] = mapped_column(String(40))
    after_column: Mapped[str | None] = mapped_column(String(63))
    key: Mapped[str | None] = mapped_column(String(100), unique=True)


class RetentionRun(Base):
    __tablename__ = "retention_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_key: Mapped[str] = mapped_column(String(100), index=True)
    store: Mapped[str] = mapped_column(String(200))
    dry_run: Mapped[bool]
    cutoff: Mapped[datetime]
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20))
    cursor: Mapped[str | None] = mapped_column(String(200))
    counts: Mapped[dict[str, Any]]
    errors: Mapped[list[Any]]
    holds: Mapped[list[Any]] = mapped_column(server_default=text("'[]'"))  # in force, in words


class BackupStoreRow(Base):
    """Where backups are kept. Stores moved from the schedules of before (migration 0015) have no
    country, provider or encryption recorded until they are given."""

    __tablename__ = "backup_stores"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    country: Mapped[str | None] = mapped_column(String(2))
    provider: Mapped[str | None] = mapped_column(String(300))
    encrypted: Mapped[bool | None]


class BackupScheduleRow(Base):
    __tablename__ = "backup_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("backup_stores.id", ondelete="CASCADE"), index=True)
    every: Mapped[str] = mapped_column(String(40))
    kept: Mapped[str] = mapped_column(String(40))
