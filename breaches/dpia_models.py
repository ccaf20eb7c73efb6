"""Tables of DPIAs (Art. 35): the screening of each activity, the assessment, and its versions."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from advanced_alchemy.types import GUID
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from privacy.db import Base


class DpiaScreening(Base):
    """Whether an activity needs a DPIA: the criteria that apply, what they suggest (two or more:
    required), and what was decided, by whom and why. The latest one stands; all are kept."""

    __tablename__ = "dpia_screenings"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity: Mapped[str] = mapped_column(String(100), index=True)
    criteria: Mapped[list[Any]]
    suggested_required: Mapped[bool]
    required: Mapped[bool]
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime]


class Dpia(Base):
    """An activity's assessment as it stands: `content` is the validated `DpiaIn`."""

    __tablename__ = "dpias"

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=uuid.uuid4)
    activity: Mapped[str] = mapped_column(String(100), unique=True)
    version: Mapped[int]
    content: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(20))  # draft, signed_off
    signed_off_by: Mapped[str | None] = mapped_column(String(200))
    signed_off_at: Mapped[datetime | None]
    review_on: Mapped[date | None] = mapped_column(index=True)
    updated_at: Mapped[datetime]


class DpiaVersion(Base):
    """Every version of an assessment, as it was saved or signed off."""

    __tablename__ = "dpia_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    dpia_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("dpias.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    status: Mapped[str] = mapped_column(String(20))
    content: Mapped[dict[str, Any]]
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]
