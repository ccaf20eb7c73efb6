"""What goes in and out of the request API: explicit fields only."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from privacy.schemas import Email, Key, Schema, ShortText, Text

Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]
Reference = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9-]{6,20}$")]


class RequestType(StrEnum):
    ACCESS = "access"
    ERASURE = "erasure"
    PORTABILITY = "portability"
    RECTIFICATION = "rectification"
    RESTRICTION = "restriction"
    OBJECTION = "objection"


class RequestStatus(StrEnum):
    AWAITING_VERIFICATION = "awaiting_verification"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    REFUSED = "refused"


class Channel(StrEnum):
    WEB = "web"
    APPLICATION = "application"
    EMAIL = "email"
    LETTER = "letter"
    PHONE = "phone"


class RefusalReason(StrEnum):
    NOT_VERIFIED = "not_verified"
    MANIFESTLY_UNFOUNDED = "manifestly_unfounded"
    EXCESSIVE = "excessive"
    NO_DATA_FOUND = "no_data_found"
    EXEMPTION_APPLIES = "exemption_applies"


class RequestIn(Schema):
    type: RequestType
    email: Email
    name: ShortText | None = None
    details: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None
    language: Language | None = None


class RequestAccepted(Schema):
    reference: str
    status: RequestStatus


class CodeIn(Schema):
    code: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{6}$")]


class TokenGranted(Schema):
    reference: str
    token: str
    expires_at: datetime


class ApplicationRequestIn(Schema):
    application: Key
    type: RequestType
    identity: Annotated[str, StringConstraints(max_length=4096)]
    details: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None
    language: Language | None = None


class Message(Schema):
    at: datetime
    kind: str
    text: str | None


class RequestStatusOut(Schema):
    reference: str
    type: RequestType
    status: RequestStatus
    received_at: datetime
    due_at: date | None
    extended_due_at: date | None
    package_available_until: datetime | None
    messages: list[Message]


class StaffRequestIn(Schema):
    type: RequestType
    email: Email
    name: ShortText | None = None
    received_at: datetime
    channel: Channel
    notes: Text | None = None
    verification: ShortText = Field(description="how staff verified the person's identity")
    language: Language | None = None


class TimelineEntry(Schema):
    at: datetime
    kind: str
    actor: str
    note: str | None


class RequestOut(Schema):
    id: str
    reference: str
    type: RequestType
    status: RequestStatus
    channel: Channel
    email: str
    name: str | None
    received_at: datetime
    verified_at: datetime | None
    verification_method: str | None
    due_at: date | None
    extended_due_at: date | None
    replied_at: datetime | None
    outcome: str | None
    timeline: list[TimelineEntry]


class RequestSummary(Schema):
    id: str
    reference: str
    type: RequestType
    status: RequestStatus
    channel: Channel
    received_at: datetime
    due_at: date | None
    extended_due_at: date | None
    overdue: bool
    due_soon: bool


class ExtensionIn(Schema):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=2000)]


class RefusalIn(Schema):
    reason: RefusalReason
    explanation: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=2000)]
