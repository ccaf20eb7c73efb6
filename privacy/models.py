"""Tables of the core: organisation, register, staff access, audit trail, key generations."""

from __future__ import annotations

import uuid
from datetime import datetime

from advanced_alchemy.types import GUID
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from privacy.db import Base, encrypted, sweepable, utcnow
from privacy.i18n import N_


class StaffUser(Base):
    """A member of staff. The email is personal data: kept encrypted, found by its keyed hash."""

    __tablename__ = "staff_users"

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=uuid.uuid4)
    email_index: Mapped[str] = mapped_column(String(64), unique=True)
    email_encrypted: Mapped[str] = mapped_column(Text, info=encrypted("staff_user:{id}:email"))
    role: Mapped[str] = mapped_column(String(30))
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]


class ApiToken(Base):
    """A Bearer token; only its SHA-256 is stored (the token itself has 256 bits of entropy)."""

    __tablename__ = "api_tokens"

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(30))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class StaffSession(Base):
    """A console login. The cookie carries a random token; only its SHA-256 is stored."""

    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("staff_users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class LoginFailure(Base):
    """A failed console login, counted for throttling. Email and client address are keyed hashes."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_subject_at", "subject", "failed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    subject: Mapped[str] = mapped_column(String(80))
    failed_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """One link of the hash-chained audit trail. `before`/`after` are encrypted; `payload_digest`
    is a keyed hash of their clear form, so re-encryption under a new key keeps the chain intact."""

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100), index=True)
    object_type: Mapped[str] = mapped_column(String(100))
    object_id: Mapped[str] = mapped_column(String(200))
    before_encrypted: Mapped[str | None] = mapped_column(Text, info=encrypted("audit:{seq}:before"))
    after_encrypted: Mapped[str | None] = mapped_column(Text, info=encrypted("audit:{seq}:after"))
    payload_digest: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class EncryptionKey(Base):
    """A generation of the field-encryption key. The key itself is derived from the master secret
    and this id; only the id and its date live here. The highest id is the active one."""

    __tablename__ = "encryption_keys"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxMessage(Base):
    """A message to send, written in the same transaction as the change that causes it. Delivery
    claims it with a lease; `dedupe_key` makes a message that must go once (a reminder) go once."""

    __tablename__ = "outbox_messages"
    __table_args__ = {"info": sweepable("delivered_mail", description=N_("Emails we sent you"), timestamp="sent_at")}

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=uuid.uuid4)
    purpose: Mapped[str] = mapped_column(String(60))
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    recipient_encrypted: Mapped[str] = mapped_column(Text, info=encrypted("outbox:{id}:to"))
    subject: Mapped[str] = mapped_column(String(300))
    body_encrypted: Mapped[str] = mapped_column(Text, info=encrypted("outbox:{id}:body"))
    created_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(index=True)
    lease_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    last_error: Mapped[str | None] = mapped_column(String(300))


class UsedAssertion(Base):
    """Identity assertions already used, kept until they expire, so each is used once."""

    __tablename__ = "used_assertions"

    token_id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class ExternalSystem(Base):
    """Another system holding personal data: a database or an HTTP endpoint, registered by an
    administrator and named by key wherever it is used (request connectors, retention stores). Its
    URL and shared secret are encrypted together in `connection_encrypted` (a JSON object)."""

    __tablename__ = "external_systems"

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=uuid.uuid4)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(10))
    connection_encrypted: Mapped[str] = mapped_column(Text, info=encrypted("external-system:{key}:connection"))
    updated_at: Mapped[datetime]


class AuditChainHead(Base):
    """The newest entry of the audit trail, one row. Appending bumps it first, which serialises
    appenders on every engine (on SQLite it takes the write lock before the chain is read), and
    lets `verify_chain` notice entries removed from the end."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int]
    entry_hash: Mapped[str] = mapped_column(String(64))
