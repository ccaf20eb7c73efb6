"""Tables of the consent domain: the current set-up and the append-only consent records."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from advanced_alchemy.types import GUID
from sqlalchemy import BigInteger, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from consent import partitions
from privacy.db import Base, sweepable, utcnow
from privacy.i18n import N_


class ConsentSetupRow(Base):
    """The consent set-up; one row. `etag` is new at each change, so every process can tell with one
    cheap query that its copy in memory is stale; `revision` counts the changes for people."""

    __tablename__ = "consent_setup"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision: Mapped[int]
    etag: Mapped[str] = mapped_column(String(32))
    setup: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsentRecord(Base):
    """One decision of one visitor (EDPB Guidelines 05/2020 §§104-110). Never updated or deleted
    except by retention. The IP address is truncated before it is stored."""

    __tablename__ = "consent_records"
    __table_args__ = (
        Index("ix_consent_records_consent_id_recorded_at", "consent_id", "recorded_at"),
        {
            "info": sweepable(
                "consent_records",
                description=N_("Records of cookie choices"),
                timestamp="recorded_at",
                whole_parts=partitions.MONTHS,
            )
        },
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    consent_id: Mapped[uuid.UUID] = mapped_column(GUID)
    recorded_at: Mapped[datetime]
    site: Mapped[str] = mapped_column(String(100))
    policy_version: Mapped[str] = mapped_column(String(300))
    text_hash: Mapped[str] = mapped_column(String(64))
    country: Mapped[str | None] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(10))
    regime: Mapped[str] = mapped_column(String(20))
    jurisdiction_source: Mapped[str] = mapped_column(String(20))
    gpc: Mapped[bool]
    action: Mapped[str] = mapped_column(String(20))
    granted: Mapped[list[Any]]
    denied: Mapped[list[Any]]
    ui: Mapped[str] = mapped_column(String(40))
    ip_truncated: Mapped[str | None] = mapped_column(String(64))
    valid_until: Mapped[datetime]


class ConsentSubject(Base):
    """A signed-in person of a site linked to their one consent id there, by keyed hashes of the
    site's user id and of their email: their choice follows them to other devices and into their
    access requests. One id per person and site, whichever device chose first (the unique key).
    A link without `subject_hash` is a second id that earlier versions made for the same person,
    kept by the migration that made links unique: still theirs by email (their access request,
    their erasure), never taken up again."""

    __tablename__ = "consent_subjects"
    __table_args__ = (UniqueConstraint("site", "subject_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consent_id: Mapped[uuid.UUID] = mapped_column(GUID, index=True)
    site: Mapped[str] = mapped_column(String(100))
    subject_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    email_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    linked_at: Mapped[datetime]
