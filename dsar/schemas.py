"""What goes in and out of the request API: explicit fields only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from privacy.schemas import AwareTime, Day, Email, Flag, Key, Schema, ShortText, Text

Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]
Reference = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9-]{6,20}$")]


class RequestType(StrEnum):
    ACCESS = "access"
    ERASURE = "erasure"
    PORTABILITY = "portability"
    RECTIFICATION = "rectification"
    RESTRICTION = "restriction"
    OBJECTION = "objection"
    WITHDRAWAL = "withdrawal"
    DIRECTIVE = "directive"
    DEATH_NOTICE = "death_notice"


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


FieldName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
FieldValue = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class Correction(Schema):
    """For rectification (Art. 16): what the person says is wrong, and what it should be."""

    field: FieldName = Field(description="what is wrong, in the person's words or a field's name")
    value: FieldValue = Field(description="what it should be")


Corrections = Annotated[list[Correction], Field(default_factory=list, max_length=50)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=2000)]


class RestrictionGround(StrEnum):
    """Art. 18(1)(a)-(d)."""

    ACCURACY_CONTESTED = "accuracy_contested"
    UNLAWFUL_PROCESSING = "unlawful_processing"
    LEGAL_CLAIMS = "legal_claims"
    OBJECTION_PENDING = "objection_pending"


# Art. 18(1)(a) and (d): the data is restricted while a contested accuracy is checked, or while an
# objection is assessed, if the person asks.
MEANWHILE_GROUNDS = {
    RequestType.RECTIFICATION: RestrictionGround.ACCURACY_CONTESTED,
    RequestType.OBJECTION: RestrictionGround.OBJECTION_PENDING,
}


class ObjectionScope(Schema):
    """What the person objects to (Art. 21): activities of the register, by key, and direct
    marketing. A request of type objection without it objects to everything it may."""

    activities: list[Key] = Field(default_factory=list, max_length=100)
    direct_marketing: Flag = False


class ObjectableOut(Schema):
    """An activity of the register one may object to (Art. 21)."""

    key: str
    name: str
    purpose: str
    direct_marketing: bool


class DirectiveWish(StrEnum):
    """What a post-mortem directive asks (art. 85 I loi Informatique et Libertés)."""

    ACCESS = "access"  # the trusted person receives a copy of the data
    ERASURE = "erasure"
    AS_WRITTEN = "as_written"  # the privacy team carries out the instructions


class DirectiveIn(Schema):
    """Directives about one's data after one's death, naming the trusted person who carries them
    out; or `revoke` to withdraw those in force."""

    revoke: Flag = False
    trusted_person: ShortText | None = Field(default=None, description="the person who carries them out")
    trusted_email: Email | None = Field(default=None, description="how that person is known when they notify")
    wish: DirectiveWish | None = None
    instructions: Text | None = Field(default=None, description="what the directive says, in the person's words")

    @model_validator(mode="after")
    def _complete_or_revoked(self) -> DirectiveIn:
        given = [self.trusted_person, self.trusted_email, self.wish, self.instructions]
        if self.revoke and any(value is not None for value in given):
            raise ValueError("a revocation carries no new directives")
        if not self.revoke and None in (self.trusted_person, self.trusted_email, self.wish):
            raise ValueError("directives name the trusted person, their email and the wish")
        if self.wish is DirectiveWish.AS_WRITTEN and not self.instructions:
            raise ValueError("directives carried out as written need the instructions")
        return self


class Relationship(StrEnum):
    TRUSTED_PERSON = "trusted_person"  # named in the person's directives
    HEIR = "heir"


class DeathNoticeIn(Schema):
    """Who died, and how the one telling us knows (art. 85 LIL): the evidence is checked by staff."""

    email: Email = Field(description="the email under which the person who died was known to us")
    name: ShortText | None = None
    died_on: Day
    relationship: Relationship
    evidence: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)] = Field(
        description="the evidence of the death and of the relationship (e.g. a death certificate)"
    )

    @model_validator(mode="after")
    def _died_already(self) -> DeathNoticeIn:
        # A day's grace: the notifier's date may be ahead of UTC.
        if self.died_on > datetime.now(UTC).date() + timedelta(days=1):
            raise ValueError("the date of death is in the future")
        return self


class AskedFor(Schema):
    """What a request asks beyond its type, each part only with its type: the corrections of a
    rectification, what an objection is against, a restriction's ground, the consents to withdraw."""

    type: RequestType
    corrections: Corrections
    objection: ObjectionScope | None = None
    restriction_ground: RestrictionGround | None = None
    withdraw: list[Key] | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="for a withdrawal: the activities whose consent ends (all when left out)",
    )
    directive: DirectiveIn | None = None
    death: DeathNoticeIn | None = None
    restrict_meanwhile: Flag = Field(
        default=False,
        description="for a rectification or an objection: restrict the data while it is assessed (Art. 18(1)(a), (d))",
    )

    @model_validator(mode="after")
    def _fits_its_type(self) -> AskedFor:
        if self.corrections and self.type is not RequestType.RECTIFICATION:
            raise ValueError("corrections go with a rectification request")
        if self.objection is not None and self.type is not RequestType.OBJECTION:
            raise ValueError("what the person objects to goes with an objection request")
        if (self.restriction_ground is not None) != (self.type is RequestType.RESTRICTION):
            raise ValueError("a restriction request, and only one, gives its ground (restriction_ground)")
        if self.withdraw is not None and self.type is not RequestType.WITHDRAWAL:
            raise ValueError("the consents to withdraw go with a withdrawal request")
        if (self.directive is not None) != (self.type is RequestType.DIRECTIVE):
            raise ValueError("a directive request, and only one, gives the directives (directive)")
        if (self.death is not None) != (self.type is RequestType.DEATH_NOTICE):
            raise ValueError("a death notice, and only one, says who died (death)")
        if self.restrict_meanwhile and self.type not in MEANWHILE_GROUNDS:
            raise ValueError("only a rectification or an objection restricts the data while it is assessed")
        return self


class RequestIn(AskedFor):
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


class ApplicationRequestIn(AskedFor):
    application: Key
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
    recipients: list[str] = Field(description="whom the data was disclosed to (Art. 19), told of the request")


class StaffRequestIn(AskedFor):
    email: Email
    name: ShortText | None = None
    received_at: AwareTime
    channel: Channel
    notes: Text | None = None
    verification: ShortText = Field(description="how staff verified the person's identity")
    language: Language | None = None


class TimelineEntry(Schema):
    at: datetime
    kind: str
    actor: str
    note: str | None


class StepOut(Schema):
    id: int
    system: str
    activity: str | None = Field(description="for an objection's decision: the activity it decides")
    action: str
    status: str
    attempts: int
    finished_at: datetime | None
    last_error: str | None


class KeptIn(Schema):
    what: ShortText
    why: ShortText
    until: Day | None = None


Cell = str | int | float | bool | None


class ManualResultIn(Schema):
    """Staff's part of a step. A manual system's export: the rows found; its erasure: what was
    erased and kept. A rectification, in any system: the corrected values (`fields`), or why the
    data is not corrected (`refused`)."""

    rows: list[dict[Annotated[str, StringConstraints(max_length=100)], Cell]] = Field(
        default_factory=list, max_length=100_000
    )
    erased: list[ShortText] = Field(default_factory=list, max_length=100)
    kept: list[KeptIn] = Field(default_factory=list, max_length=100)
    fields: dict[FieldName, FieldValue | None] = Field(
        default_factory=dict, max_length=100, description="for rectification: field -> corrected value"
    )
    refused: Reason | None = Field(
        default=None,
        description="for rectification: why this system's data is not corrected; for a death notice: why the "
        "evidence is not accepted; for directives: why they could not be carried out",
    )
    outcome: Literal["stopped", "compelling_grounds", "death_confirmed", "carried_out"] | None = Field(
        default=None,
        description="for an objection: the processing stops for the person, or continues; for a death notice: "
        "the evidence is accepted; for directives carried out as written: done",
    )
    reason: Reason | None = Field(
        default=None,
        description="for an objection: the compelling legitimate grounds; for directives carried out: what was done",
    )


class NotInformed(StrEnum):
    """Art. 19: why a recipient is not told."""

    IMPOSSIBLE = "impossible"
    DISPROPORTIONATE_EFFORT = "disproportionate_effort"


class RecipientOut(Schema):
    id: int
    name: str
    kind: Literal["recipient", "sub-processor"]
    status: Literal["to_inform", "informed", "not_informed"]
    reason: NotInformed | None


class RecipientIn(Schema):
    informed: Flag
    reason: NotInformed | None = Field(default=None, description="when not informed: why (Art. 19)")

    @model_validator(mode="after")
    def _reason_when_not_informed(self) -> RecipientIn:
        if not self.informed and self.reason is None:
            raise ValueError("a recipient not informed needs the reason: impossible or disproportionate_effort")
        return self


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
    corrections: list[Correction]
    objection: ObjectionScope | None
    restriction_ground: RestrictionGround | None
    directive: DirectiveIn | None
    death: DeathNoticeIn | None
    recipients: list[RecipientOut]
    timeline: list[TimelineEntry]
    steps: list[StepOut]


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


class RestrictionOut(Schema):
    id: str
    request_reference: str
    ground: RestrictionGround | None
    systems: list[str]
    placed_at: datetime
    lift_at: datetime | None = Field(description="when the restriction is lifted, once announced to the person")
    lifted_at: datetime | None


class LiftIn(Schema):
    reason: Reason = Field(description="why the restriction ends (sent to the person before it does)")


class ConsentIn(Schema):
    """A consent the organisation collected itself, for an activity of the register on consent."""

    email: Email
    activity: Key
    wording: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)] = Field(
        description="what the person was shown and agreed to"
    )
    source: ShortText = Field(description="where: the form, page or product screen")
    given_at: AwareTime


class ConsentOut(Schema):
    id: str
    activity: str
    source: str
    given_at: datetime
    withdrawn_at: datetime | None
