"""Tables of the register: the organisation, its processing activities and every version they had."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from advanced_alchemy.types import GUID
from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from privacy.db import Base, utcnow


class Organisation(Base):
    """The controller itself; one row. `profile` holds the validated `OrganisationProfile` schema."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    legal_name: Mapped[str] = mapped_column(String(300))
    country: Mapped[str] = mapped_column(String(2))
    profile: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProcessingActivity(Base):
    """An entry of the Art. 30 register. `content` holds the validated `ActivityIn` schema;
    the columns beside it are copies for filtering and ordering."""

    __tablename__ = "processing_activities"

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=uuid.uuid4)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(30))
    content: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ActivityVersion(Base):
    """Every version an activity has had, kept after the activity itself is removed."""

    __tablename__ = "processing_activity_versions"
    __table_args__ = (UniqueConstraint("activity_key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    activity_key: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int]
    content: Mapped[dict[str, Any] | None]
    actor: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
