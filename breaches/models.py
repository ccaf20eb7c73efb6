"""Tables of the breach register: each breach as it stands, and each notification sent about it.
Every change of a breach is also a dated version in the audit trail."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from advanced_alchemy.types import GUID
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from privacy.db import Base


class Breach(Base):
    """`content` is the validated `BreachIn` as last recorded; the clock runs from `aware_at`."""

    __tablename__ = "breaches"

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=uuid.uuid4)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    aware_at: Mapped[datetime] = mapped_column(index=True)
    content: Mapped[dict[str, Any]]
    recorded_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class BreachNotification(Base):
    """One notification: to the lead supervisory authority (Art. 33(1), in phases, Art. 33(4)) or to
    a controller the organisation processes for (Art. 33(2)); what it said is `document`."""

    __tablename__ = "breach_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    breach_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("breaches.id", ondelete="CASCADE"), index=True)
    recipient: Mapped[str] = mapped_column(String(20))  # authority, controller
    name: Mapped[str] = mapped_column(String(300))
    phase: Mapped[str] = mapped_column(String(20))  # initial, complement
    sent_at: Mapped[datetime]
    late: Mapped[bool]
    delay_reason: Mapped[str | None] = mapped_column(String(2000))
    authority_reference: Mapped[str | None] = mapped_column(String(100))
    document: Mapped[dict[str, Any]]
