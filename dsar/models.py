"""Tables of the request domain. Identifying fields are encrypted, with keyed hashes beside them
for lookups; the request log itself (type, dates, outcome) carries no personal data."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from advanced_alchemy.types import GUID
from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from privacy.db import Base, encrypted, sweepable
from privacy.i18n import N_

# The toolkit store of closed requests, kept for accountability until the retention rule over it
# sweeps them (the demo's `request-records`: a year after the reply).
CLOSED_REQUESTS = "closed_requests"


class DataRequest(Base):
    __tablename__ = "data_requests"
    __table_args__ = {
        "info": sweepable(
            CLOSED_REQUESTS,
            description=N_("Records of the requests we answered"),
            timestamp="replied_at",
            subject_hash="email_hash",
        )
    }

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=uuid.uuid4)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    type: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(30), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2))
    email_hash: Mapped[str] = mapped_column(String(64), index=True)
    email_encrypted: Mapped[str] = mapped_column(Text, info=encrypted("request:{id}:email"))
    name_encrypted: Mapped[str | None] = mapped_column(Text, info=encrypted("request:{id}:name"))
    details_encrypted: Mapped[str | None] = mapped_column(Text, info=encrypted("request:{id}:details"))
    # A rectification's corrections as the person gave them (JSON of `Correction`s).
    corrections_encrypted: Mapped[str | None] = mapped_column(Text, info=encrypted("request:{id}:corrections"))
    # What the request is about beyond its type, as activity keys of the register (no personal
    # data): an objection's `ObjectionScope` under "objection", the consents to withdraw under "withdraw".
    scope: Mapped[dict[str, Any] | None]
    restriction_ground: Mapped[str | None] = mapped_column(String(30))
    # A directive request's `DirectiveIn`, a death notice's `DeathNoticeIn` (JSON): who is named.
    particulars_encrypted: Mapped[str | None] = mapped_column(Text, info=encrypted("request:{id}:particulars"))
    received_at: Mapped[datetime]
    verified_at: Mapped[datetime | None]
    verification_method: Mapped[str | None] = mapped_column(String(200))
    due_at: Mapped[date | None] = mapped_column(index=True)
    extended_due_at: Mapped[date | None]
    replied_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(40))


class RequestEvent(Base):
    """The request's timeline. Notes may hold what staff wrote about the person: encrypted."""

    __tablename__ = "data_request_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("data_requests.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200))
    note_encrypted: Mapped[str | None] = mapped_column(Text, info=encrypted("request:{request_id}:event"))


class VerificationCode(Base):
    """The one-time code proving the person holds the email given: keyed hash, 15 minutes, 5 tries."""

    __tablename__ = "data_request_codes"

    request_id: Mapped[uuid.UUID] = mapped_column(
        GUID, ForeignKey("data_requests.id", ondelete="CASCADE"), primary_key=True
    )
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime]
    sends: Mapped[int] = mapped_column(default=1)


class RequestToken(Base):
    """What lets the verified person follow their request; stored as a SHA-256 of the secret."""

    __tablename__ = "data_request_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("data_requests.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime]


class RequestPackage(Base):
    """The answer to download: a ZIP, encrypted at rest, stored in chunks so that it streams both
    ways and every node of a cluster can serve it."""

    __tablename__ = "data_request_packages"

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=uuid.uuid4)
    request_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("data_requests.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    downloads: Mapped[int] = mapped_column(default=0)


class PackageChunk(Base):
    __tablename__ = "data_request_package_chunks"

    package_id: Mapped[uuid.UUID] = mapped_column(
        GUID, ForeignKey("data_request_packages.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class RequestStep(Base):
    """One system's part of a request (gather or erase), durable and claimed with a lease, so a
    crash repeats nothing that finished and finishes what did not."""

    __tablename__ = "data_request_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("data_requests.id", ondelete="CASCADE"), index=True)
    system: Mapped[str] = mapped_column(String(100))
    activity: Mapped[str | None] = mapped_column(String(100))  # what an objection's decision is about
    action: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[datetime | None]
    result: Mapped[dict[str, Any] | None]
    finished_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(300))  # the same words whatever failed


class RequestRecipient(Base):
    """Someone the person's data was disclosed to, to be told of a rectification, an erasure or a
    restriction (Art. 19): informed, or not with the reason (impossible, disproportionate effort)."""

    __tablename__ = "data_request_recipients"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("data_requests.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(30))
    decided_at: Mapped[datetime | None]
    actor: Mapped[str | None] = mapped_column(String(200))


class RecordedConsent(Base):
    """A consent the organisation collected itself (a newsletter sign-up, an opt-in in its product)
    for an activity of the register resting on consent: what the person was shown, where and when
    (Art. 7(1)), and when they withdrew it (Art. 7(3))."""

    __tablename__ = "recorded_consents"

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=uuid.uuid4)
    email_hash: Mapped[str] = mapped_column(String(64), index=True)
    email_encrypted: Mapped[str] = mapped_column(Text, info=encrypted("recorded-consent:{id}:email"))
    activity: Mapped[str] = mapped_column(String(100))
    wording: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(300))
    given_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]
    withdrawal_reference: Mapped[str | None] = mapped_column(String(20))


class Suppression(Base):
    """A person who objected, and to what: an activity's key, or `direct-marketing` for all of it.
    Kept apart from the request, which retention sweeps, so the objection is honoured for good; the
    email only as its keyed hash."""

    __tablename__ = "suppressions"
    __table_args__ = (UniqueConstraint("email_hash", "activity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email_hash: Mapped[str] = mapped_column(String(64), index=True)
    activity: Mapped[str] = mapped_column(String(100))
    request_reference: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]


class Restriction(Base):
    """A person's data restricted (Art. 18) in the systems listed, until lifted: announced to the
    person first with its reason (Art. 18(3)), lifted in each system once `lift_at` has come. Kept
    apart from the request, which retention sweeps: a restriction outlives it."""

    __tablename__ = "restrictions"

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=uuid.uuid4)
    request_reference: Mapped[str] = mapped_column(String(20), unique=True)
    email_hash: Mapped[str] = mapped_column(String(64), index=True)
    email_encrypted: Mapped[str] = mapped_column(Text, info=encrypted("restriction:{id}:email"))
    ground: Mapped[str | None] = mapped_column(String(30))  # None: asked before grounds were recorded
    systems: Mapped[list[Any]]
    placed_at: Mapped[datetime]
    lift_reason_encrypted: Mapped[str | None] = mapped_column(Text, info=encrypted("restriction:{id}:lift-reason"))
    lift_at: Mapped[datetime | None] = mapped_column(index=True)
    lifted_in: Mapped[list[Any]]
    lifted_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]


class PostMortemDirective(Base):
    """What a person asked to become of their data after their death (art. 85 LIL), in force until
    changed, revoked or carried out. Kept apart from the request that left it, which retention
    sweeps; what it says, and whom it names, only sealed, and cleared once it no longer applies."""

    __tablename__ = "post_mortem_directives"
    # One set of directives in force per person, whatever runs at once.
    __table_args__ = (
        Index(
            "uq_post_mortem_directives_in_force",
            "email_hash",
            unique=True,
            sqlite_where=text("status = 'in_force'"),
            postgresql_where=text("status = 'in_force'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=uuid.uuid4)
    email_hash: Mapped[str] = mapped_column(String(64), index=True)
    trusted_email_hash: Mapped[str | None] = mapped_column(String(64))
    content_encrypted: Mapped[str | None] = mapped_column(Text, info=encrypted("directive:{id}:content"))
    status: Mapped[str] = mapped_column(String(20))  # in_force, replaced, revoked, carrying_out, carried_out
    request_reference: Mapped[str] = mapped_column(String(20))
    carried_out_by: Mapped[str | None] = mapped_column(String(20))  # the death notice's reference
    left_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class Connector(Base):
    """A system holding personal data as request work reaches it; `content` is the validated
    `ConnectorIn`. `system_key` copies its registered system, so that system cannot be removed
    while a connector uses it."""

    __tablename__ = "connectors"

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=uuid.uuid4)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    system_key: Mapped[str | None] = mapped_column(
        String(100), ForeignKey("external_systems.key", ondelete="RESTRICT"), index=True
    )
    content: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
