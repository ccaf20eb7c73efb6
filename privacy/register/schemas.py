"""What goes in and out of the register: the organisation and its processing activities."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from privacy.assertions import check_public_keys
from privacy.i18n import LANGUAGES
from privacy.register.taxonomy import DATA_CATEGORIES, category_label
from privacy.schemas import CountryCode, Day, Email, Flag, Key, Language, Schema, ShortText, Text, TextList


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


WebAddress = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500, pattern=r"^https://[^\s]+$")]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)]
# Inline, so that showing it costs the visitor no request to anyone; an SVG in an <img> runs no script.
LogoImage = Annotated[
    str,
    StringConstraints(max_length=200_000, pattern=r"^data:image/(png|jpeg|webp|svg\+xml);base64,[A-Za-z0-9+/]+={0,2}$"),
]


def _readable_on_white(colour: str) -> str:
    """Links and buttons take the accent colour on white: it must reach WCAG 2.2's 4.5:1 contrast."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    if 1.05 / (luminance + 0.05) < 4.5:
        raise PydanticCustomError(
            "colour",
            "{colour} is too light to read on white (contrast under 4.5:1): choose a darker one",
            {"colour": colour},
        )
    return colour.lower()


AccentColour = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$"), AfterValidator(_readable_on_white)]


class RightsChannels(Schema):
    """Where people may exercise their rights besides the request page (Art. 12(2))."""

    account_settings: WebAddress | None = Field(
        default=None, description="the page where signed-in customers see, correct, download or delete their data"
    )
    email: Email | None = None
    postal_address: Text | None = None
    department: ShortText | None = Field(default=None, description="whom letters are addressed to")


class SupervisoryAuthority(Schema):
    name: ShortText
    country: CountryCode
    address: Text | None = None
    website: WebAddress | None = None
    email: Email | None = None
    phone: Phone | None = None


class Contact(Schema):
    name: ShortText
    email: Email | None = None
    address: Text | None = None
    phone: Phone | None = None


class Application(Schema):
    """One of the organisation's own applications, which may vouch for its signed-in customers
    (identity assertions: JWTs it signs with the private half of these public keys)."""

    key: Key
    name: ShortText
    identity_keys: Annotated[list[dict[str, Any]], AfterValidator(check_public_keys)] = Field(
        min_length=1, max_length=10
    )


PublishedLanguage = Literal["en", "fr", "de", "nl", "es"]  # privacy.i18n.LANGUAGES


class CustomCategory(Schema):
    """A category of personal data of the organisation's own, beyond the starter taxonomy, with
    its label in each language it publishes (a bare key, as earlier versions took, still reads)."""

    key: Key
    labels: dict[Language, ShortText] = Field(default_factory=dict)
    description: Text = ""

    @model_validator(mode="before")
    @classmethod
    def _bare_key(cls, data: Any) -> Any:
        return {"key": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _not_a_starter_category(self) -> CustomCategory:
        if self.key in DATA_CATEGORIES:
            raise PydanticCustomError(
                "category", "'{key}' is in the starter taxonomy already: use it as it is", {"key": self.key}
            )
        return self

    def label(self, language: str) -> str:
        """In `language`, else in English, else in the first language given, else the key in words."""
        labels = self.labels
        return labels.get(language) or labels.get("en") or next(iter(labels.values()), "") or category_label(self.key)


def _unique_keys(categories: list[CustomCategory]) -> list[CustomCategory]:
    keys = [category.key for category in categories]
    if repeated := sorted({key for key in keys if keys.count(key) > 1}):
        raise PydanticCustomError("category", "each category once: {keys} repeated", {"keys": ", ".join(repeated)})
    return categories


def _only_english() -> list[PublishedLanguage]:
    return ["en"]


def _unique_languages(languages: list[str]) -> list[str]:
    return list(dict.fromkeys(languages))


class OrganisationProfile(Schema):
    legal_name: ShortText
    address: Text
    country: CountryCode
    contact_email: Email
    dpo: Contact | None = None
    eu_representative: Contact | None = None
    uk_representative: Contact | None = None
    lead_supervisory_authority: ShortText | None = None
    supervisory_authorities: list[SupervisoryAuthority] = Field(
        default_factory=list, max_length=40, description="the authorities people can turn to, named in the notice"
    )
    rights_channels: RightsChannels = Field(default_factory=RightsChannels)
    logo: LogoImage | None = Field(default=None, description="a data: URI (PNG, JPEG, WebP or SVG) of at most 150 kB")
    accent_colour: AccentColour | None = Field(default=None, description="#rrggbb, readable on white")
    custom_data_categories: Annotated[list[CustomCategory], AfterValidator(_unique_keys)] = Field(
        default_factory=list, max_length=200
    )
    applications: list[Application] = Field(default_factory=list, max_length=20)
    languages: Annotated[list[PublishedLanguage], AfterValidator(_unique_languages)] = Field(
        default_factory=_only_english,
        min_length=1,
        description="the languages the public pages are published in: " + ", ".join(LANGUAGES),
    )
    default_language: PublishedLanguage = Field(
        default="en", description="shown to a visitor asking for none of them, with a note"
    )

    @model_validator(mode="after")
    def _default_is_published(self) -> OrganisationProfile:
        if self.default_language not in self.languages:
            raise PydanticCustomError(
                "languages",
                "the default language {language} is not among the languages published",
                {"language": self.default_language},
            )
        return self

    def category_label(self, key: str, language: str = "en") -> str:
        """A data category as people read it: the organisation's own label, or the taxonomy's."""
        custom = {category.key: category for category in self.custom_data_categories}
        return custom[key].label(language) if key in custom else category_label(key)


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


class BasisScope(Schema):
    """What one of several bases covers: groups of people, data categories, countries, or a note
    ("invoices and tax records"). Empty: the whole activity."""

    data_subjects: list[ShortText] = Field(default_factory=list, max_length=100)
    data_categories: list[Key] = Field(default_factory=list, max_length=100)
    countries: list[CountryCode] = Field(default_factory=list, max_length=250)
    note: Text = ""


class BasisUse(Schema):
    """One lawful basis of an activity (Art. 6(1)) with what it covers and what it rests on."""

    basis: LawfulBasis
    covers: BasisScope = Field(default_factory=BasisScope)
    consent_purpose: ShortText | None = Field(
        default=None, description="consent: the banner category or the consent collected on the organisation's forms"
    )
    legitimate_interest: Text | None = Field(default=None, description="legitimate interests: the interest pursued")
    balancing_test: ShortText | None = Field(default=None, description="legitimate interests: where the test is kept")
    legal_obligation: ShortText | None = Field(default=None, description="legal obligation: the law cited")


# The single-basis form of earlier versions: `lawful_basis` with its specifics beside it.
SINGLE_BASIS_FIELDS = ("consent_purpose", "legitimate_interest", "balancing_test", "legal_obligation")


def _single_basis_as_list(data: Any) -> Any:
    """A file or call written with one `lawful_basis` still applies, as a list of one."""
    if not isinstance(data, dict) or ("lawful_basis" not in data and not set(SINGLE_BASIS_FIELDS) & data.keys()):
        return data
    if "lawful_bases" in data:
        raise PydanticCustomError("bases", "give either lawful_bases or lawful_basis, not both")
    single = dict(data)
    basis = single.pop("lawful_basis", None)
    specifics = {name: single.pop(name) for name in SINGLE_BASIS_FIELDS if name in single}
    if basis is None and any(value is not None for value in specifics.values()):
        names = ", ".join(name for name, value in specifics.items() if value is not None)
        raise PydanticCustomError("bases", "{names} belongs to a lawful basis: add lawful_basis", {"names": names})
    return {**single, "lawful_bases": [] if basis is None else [{"basis": basis, **specifics}]}


class ActivityWords(Schema):
    """An activity as people read it in another of the published languages."""

    name: ShortText | None = None
    purpose: Text | None = None
    recipients: TextList
    retention: Text | None = None


class ActivityIn(Schema):
    key: Key
    name: ShortText
    position: int | None = Field(
        default=None,
        ge=0,
        le=100_000,
        description="its place in the register and the notice, lowest first; activities without one follow, by name",
    )
    purpose: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
    description: Text = ""
    role: ActivityRole = ActivityRole.CONTROLLER
    controller: Contact | None = Field(default=None, description="For processor activities: on whose behalf")
    joint_controllers: list[Contact] = Field(default_factory=list, max_length=20)
    data_subject_categories: TextList
    personal_data_categories: Annotated[list[Key], Field(default_factory=list, max_length=100)]
    special_categories: list[SpecialCategoryUse] = Field(default_factory=list, max_length=8)
    lawful_bases: list[BasisUse] = Field(
        default_factory=list, max_length=10, description="each basis with what it covers; `lawful_basis` gives one"
    )
    direct_marketing: Flag | None = Field(
        default=None, description="direct marketing: an objection stops it for the person, always (Art. 21(2)-(3))"
    )
    recipients: TextList
    transfers: list[Transfer] = Field(default_factory=list, max_length=100)
    retention: Text = ""
    security_measures: TextList
    source: Text = ""
    automated_decisions: AutomatedDecisions = Field(default_factory=AutomatedDecisions)
    dpia: Dpia = Field(default_factory=Dpia)
    translations: dict[PublishedLanguage, ActivityWords] = Field(
        default_factory=dict,
        description="name, purpose, recipients and retention in other languages than the organisation's default",
    )

    @model_validator(mode="before")
    @classmethod
    def _single_basis(cls, data: Any) -> Any:
        return _single_basis_as_list(data)

    def register_order(self) -> tuple[bool, int, str]:
        return (self.position is None, self.position or 0, self.name.casefold())

    def rests_on(self, basis: LawfulBasis) -> bool:
        return any(use.basis is basis for use in self.lawful_bases)


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
    description: str = ""
