"""Tables of the privacy notice: its published versions, and the statements the next one states."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from privacy.db import Base


class NoticeVersion(Base):
    """A published version of the privacy notice: the content it states (drawn from the records when
    it was published), its hash, date and change summary. Kept for good, as its revision history."""

    __tablename__ = "notice_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    published_at: Mapped[datetime]
    published_by: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(String(1000))
    material: Mapped[bool]
    content_hash: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict[str, Any]]


class NoticeStatementsRow(Base):
    """The statements of the `notice` block (`NoticeStatements`), one row: the next published
    version states them, as it states the records."""

    __tablename__ = "notice_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    content: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
