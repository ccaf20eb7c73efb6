"""What goes in and out of the register: the organisation and its processing activities."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints

from privacy.assertions import check_public_keys
from privacy.schemas import CountryCode, Day, Email, Flag, Key, Schema, ShortText, Text, TextList


class LawfulBasis(StrEnum):
    """Art. 6(1)(a)-(f)."""

    CONSENT = "consent"
    CONTRACT = "contract"
    LEGAL_OBLIGATION = "legal_obligation"
    VITAL_INTERESTS = "vital_interests"
    PUBLIC_TASK = "public_task"
    LEGITIMATE_INTERESTS = "legitimate_interests"


class ActivityRole(StrEnum):
    CONTROLLER = "controller"
    JOINT_CONTROLLER = "joint_controller"
    PROCESSOR = "processor"


class SpecialCategory(StrEnum):
    """Art. 9(1)."""

    RACIAL_OR_ETHNIC_ORIGIN = "racial_or_ethnic_origin"
    POLITICAL_OPINIONS = "political_opinions"
    RELIGIOUS_OR_PHILOSOPHICAL_BELIEFS = "religious_or_philosophical_beliefs"
    TRADE_UNION_MEMBERSHIP = "trade_union_membership"
    GENETIC = "genetic_data"
    BIOMETRIC = "biometric_data"
    HEALTH = "health"
    SEX_LIFE_OR_ORIENTATION = "sex_life_or_sexual_orientation"


class Article9Condition(StrEnum):
    """Art. 9(2)(a)-(j)."""

    EXPLICIT_CONSENT = "explicit_consent"
    EMPLOYMENT_AND_SOCIAL_SECURITY = "employment_and_social_security"
    VITAL_INTERESTS = "vital_interests"
    NOT_FOR_PROFIT_BODY = "not_for_profit_body"
    MADE_PUBLIC = "manifestly_made_public"
    LEGAL_CLAIMS = "legal_claims"
    SUBSTANTIAL_PUBLIC_INTEREST = "substantial_public_interest"
    HEALTH_OR_SOCIAL_CARE = "health_or_social_care"
    PUBLIC_HEALTH = "public_health"
    ARCHIVING_RESEARCH_STATISTICS = "archiving_research_statistics"


class Safeguard(StrEnum):
    """Chapter V transfer tools."""

    ADEQUACY = "adequacy"
    EU_US_DPF = "eu_us_data_privacy_framework"
    SCCS = "sccs_2021_914"
    BCRS = "binding_corporate_rules"
    CODE_OF_CONDUCT = "code_of_conduct"
    CERTIFICATION = "certification"
    DEROGATION = "art_49_derogation"


class DpiaStatus(StrEnum):
    NOT_ASSESSED = "not_assessed"
    NOT_REQUIRED = "not_required"
    REQUIRED = "required"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class Contact(Schema):
    name: ShortText
    email: Email | None = None
    address: Text | None = None
    phone: Annotated[str, StringConstraints(max_length=50)] | None = None


class Application(Schema):
    """One of the organisation's own applications, which may vouch for its signed-in customers
    (identity assertions: JWTs it signs with the private half of these public keys)."""

    key: Key
    name: ShortText
    identity_keys: Annotated[list[dict[str, Any]], AfterValidator(check_public_keys)] = Field(
        min_length=1, max_length=10
    )


class OrganisationProfile(Schema):
    legal_name: ShortText
    address: Text
    country: CountryCode
    contact_email: Email
    dpo: Contact | None = None
    eu_representative: Contact | None = None
    uk_representative: Contact | None = None
    lead_supervisory_authority: ShortText | None = None
    custom_data_categories: list[Key] = Field(default_factory=list, max_length=200)
    applications: list[Application] = Field(default_factory=list, max_length=20)


class SpecialCategoryUse(Schema):
    category: SpecialCategory
    condition: Article9Condition | None = None


class Transfer(Schema):
    country: CountryCode
    recipient: ShortText | None = None
    safeguard: Safeguard | None = None


class AutomatedDecisions(Schema):
    """Art. 22: solely automated decisions with legal or similarly significant effects."""

    used: Flag = False
    logic: Text | None = None


class Dpia(Schema):
    status: DpiaStatus = DpiaStatus.NOT_ASSESSED
    reference: ShortText | None = None
    review_on: Day | None = Field(default=None, description="when the assessment is reviewed (Art. 35(11))")


class ActivityIn(Schema):
    key: Key
    name: ShortText
    purpose: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
    description: Text = ""
    role: ActivityRole = ActivityRole.CONTROLLER
    controller: Contact | None = Field(default=None, description="For processor activities: on whose behalf")
    joint_controllers: list[Contact] = Field(default_factory=list, max_length=20)
    data_subject_categories: TextList
    personal_data_categories: Annotated[list[Key], Field(default_factory=list, max_length=100)]
    special_categories: list[SpecialCategoryUse] = Field(default_factory=list, max_length=8)
    lawful_basis: LawfulBasis | None = None
    direct_marketing: Flag = Field(
        default=False, description="direct marketing: an objection stops it for the person, always (Art. 21(2)-(3))"
    )
    consent_purpose: ShortText | None = None
    legitimate_interest: Text | None = None
    balancing_test: ShortText | None = None
    legal_obligation: ShortText | None = None
    recipients: TextList
    transfers: list[Transfer] = Field(default_factory=list, max_length=100)
    retention: Text = ""
    security_measures: TextList
    source: Text = ""
    automated_decisions: AutomatedDecisions = Field(default_factory=AutomatedDecisions)
    dpia: Dpia = Field(default_factory=Dpia)


class Gap(Schema):
    field: str
    message: str


class ActivityOut(ActivityIn):
    version: int
    created_at: datetime
    updated_at: datetime
    gaps: list[Gap]


class ActivityVersionOut(Schema):
    version: int
    changed_at: datetime
    actor: str
    content: ActivityIn | None


class DataCategory(Schema):
    key: str
    label: str
    custom: bool
