"""Tables of the sub-processor domain: the register, its dated changes (every version of the
list), subscribers to change notices and customers' objections."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from advanced_alchemy.types import GUID
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from privacy.db import Base, encrypted


class SubProcessor(Base):
    """`content` is the validated `SubProcessorIn` as published; `pending` is an announced change
    (activate or retire) that takes effect on `effective_on`."""

    __tablename__ = "subprocessors"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    content: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(20))
    pending: Mapped[str | None] = mapped_column(String(20))
    effective_on: Mapped[date | None]
    updated_at: Mapped[datetime]


class SubProcessorChange(Base):
    """One dated change of the list, with the sub-processor as it stood after it: the list on any
    day is rebuilt from these."""

    __tablename__ = "subprocessor_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(index=True)
    effective_on: Mapped[date | None]
    status_after: Mapped[str] = mapped_column(String(20))
    content: Mapped[dict[str, Any]]
    summary: Mapped[str | None] = mapped_column(String(1000))


class Subscriber(Base):
    """A person subscribed to change notices. The email is encrypted, with a keyed hash to find it;
    the links in their messages carry the id signed (`notices.subscriber_token`), nothing stored.
    Their messages are in `language`, the one they subscribed in."""

    __tablename__ = "subprocessor_subscribers"

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=uuid.uuid4)
    email_encrypted: Mapped[str] = mapped_column(Text, info=encrypted("subprocessor-subscriber:{id}:email"))
    email_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    language: Mapped[str] = mapped_column(String(2), server_default="en")


class Objection(Base):
    __tablename__ = "subprocessor_objections"

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=uuid.uuid4)
    key: Mapped[str] = mapped_column(String(100), index=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("subprocessor_changes.id"))
    organisation: Mapped[str] = mapped_column(String(300))
    email_encrypted: Mapped[str] = mapped_column(Text, info=encrypted("objection:{id}:email"))
    reason_encrypted: Mapped[str] = mapped_column(Text, info=encrypted("objection:{id}:reason"))
    received_at: Mapped[datetime]
