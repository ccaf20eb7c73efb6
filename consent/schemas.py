"""The consent set-up (the `consent` block of the configuration file) and the public API's shapes."""

from __future__ import annotations

import functools
import re
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

import pycountry
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from privacy.assertions import check_public_keys
from privacy.countries import EEA
from privacy.schemas import Count, CountryCode, Flag, Key, Language, Schema, ShortText, Text

NECESSARY = "necessary"
Origin = Annotated[str, StringConstraints(pattern=r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$")]
# What earlier versions stored as the default `us_opt_out_states`, which no one listed; read as
# listed, it would take these states out of an opt-in default.
EARLIER_DEFAULT_US_STATES = ["CA", "CO", "CT", "DE", "MD", "MN", "MT", "NE", "NH", "NJ", "OR", "TX"]
REGION_CODE = re.compile(r"[A-Z]{2}-[A-Z0-9]{1,3}")


def entries_between(minimum: int = 0, maximum: int | None = None) -> AfterValidator:
    """Bounds a mapping's size. Not `Field(min_length=...)`: Litestar documents a dict carrying that
    constraint as an array, so the bounds are checked here and documented as min/maxProperties."""

    def check(mapping: dict[Any, Any]) -> dict[Any, Any]:
        if len(mapping) < minimum:
            raise ValueError(f"at least {minimum} needed, {len(mapping)} given")
        if maximum is not None and len(mapping) > maximum:
            raise ValueError(f"at most {maximum} allowed, {len(mapping)} given")
        return mapping

    return AfterValidator(check)


class Regime(StrEnum):
    OPT_IN = "opt_in"
    OPT_OUT = "opt_out"


class Action(StrEnum):
    ACCEPT_ALL = "accept_all"
    REJECT_ALL = "reject_all"
    CUSTOM = "custom"
    WITHDRAW = "withdraw"


class Signal(StrEnum):
    """Google Consent Mode v2 signals."""

    AD_STORAGE = "ad_storage"
    AD_USER_DATA = "ad_user_data"
    AD_PERSONALIZATION = "ad_personalization"
    ANALYTICS_STORAGE = "analytics_storage"
    FUNCTIONALITY_STORAGE = "functionality_storage"
    PERSONALIZATION_STORAGE = "personalization_storage"
    SECURITY_STORAGE = "security_storage"


class BannerTexts(Schema):
    title: ShortText
    body: Text
    accept_all: ShortText
    reject_all: ShortText
    customise: ShortText
    save: ShortText
    exempt: ShortText | None = Field(
        default=None,
        description="shown with a category that runs without consent where the visitor is (exempt audience "
        "measurement); needed while a category is exempt",
    )


class Category(Schema):
    key: Key
    labels: dict[Language, ShortText]
    descriptions: dict[Language, Text] = Field(default_factory=dict)
    consent_mode: list[Signal] | None = Field(
        default=None,
        max_length=len(Signal),
        description="the Google Consent Mode signals this category grants; when left out, 'necessary' grants "
        "security_storage, 'analytics' analytics_storage, 'advertising' the three ad signals, any other none",
    )
    gpc_opt_out: Flag | None = Field(
        default=None,
        description="a browser privacy signal (Global Privacy Control) opts out of this category, as of sale, "
        "sharing or targeted advertising; when left out, it does for a category granting an ad signal",
    )
    exempt: Flag = Field(
        default=False,
        description="consent-exempt audience measurement: runs without consent in the opt-in regime of the "
        "countries listed in regimes.exempt_measurement, its services meeting the conditions",
    )


# A regular expression matching only itself: no special character unless escaped.
FIXED_TEXT = re.compile(r"(?:[^\\.^$*+?{}\[\]|()]|\\.)+")


class Cookie(Schema):
    name: ShortText
    pattern: Flag = Field(default=False, description="name is a regular expression")
    domain: ShortText | None = None
    duration: ShortText
    party: Literal["first", "third"] = "first"

    def name_prefix(self) -> str | None:
        """What the names of a pattern like `^_pk_id\\.` start with ("_pk_id."), to say so in words;
        None for a pattern more intricate than a fixed beginning."""
        if not self.pattern or not self.name.startswith("^"):
            return None
        prefix = re.sub(r"\.[*+]$", "", self.name[1:])
        if not prefix or not FIXED_TEXT.fullmatch(prefix):
            return None
        return re.sub(r"\\(.)", r"\1", prefix)


class Service(Schema):
    key: Key
    category: Key
    vendor: ShortText
    purpose: Text
    privacy_policy: Annotated[str, StringConstraints(max_length=500, pattern=r"^https://")] | None = None
    cookies: list[Cookie] = Field(default_factory=list, max_length=100)
    # What exempt audience measurement must declare of each of its services (none is assumed).
    first_party: Flag | None = Field(
        default=None, description="what it collects is used for this site alone, never by the vendor for itself"
    )
    aggregated_only: Flag | None = Field(default=None, description="it produces aggregated statistics only")
    cross_site: Flag | None = Field(default=None, description="it follows visitors across other sites or apps")
    retention_months: Count | None = Field(default=None, ge=1, le=1200, description="how long what it collects is kept")


class Site(Schema):
    key: Key
    origins: list[Origin] = Field(default_factory=list, max_length=50)
    default_language: Language = "en"
    identity_keys: Annotated[list[dict[str, Any]], AfterValidator(check_public_keys)] = Field(
        default_factory=list,
        max_length=10,
        description="public JWKs with which the site's own application signs identity assertions",
    )


def _region_code(value: object) -> object:
    if isinstance(value, str) and not REGION_CODE.fullmatch(value.strip().upper()):
        raise ValueError(f"'{value}' is not a region: write its ISO 3166-2 code, such as US-CA or CA-QC")
    return value.strip().upper() if isinstance(value, str) else value


RegionCode = Annotated[str, BeforeValidator(_region_code)]


class Regimes(Schema):
    """Where each regime applies: a region listed is its own; a country listed is its own; every
    other country gets `default`, and an unknown location the opt-in regime."""

    default: Regime = Regime.OPT_OUT
    opt_in: list[CountryCode] = Field(default_factory=lambda: sorted(EEA | {"GB", "CH"}), max_length=300)
    opt_out: list[CountryCode] = Field(default_factory=list, max_length=300)
    opt_in_regions: list[RegionCode] = Field(default_factory=list, max_length=500)
    opt_out_regions: list[RegionCode] = Field(default_factory=list, max_length=500)
    exempt_measurement: list[CountryCode] = Field(
        default_factory=lambda: ["FR"],
        max_length=300,
        description="countries whose rules let exempt audience measurement run without consent in the opt-in "
        "regime (France: CNIL guidelines of 17 September 2020, art. 5)",
    )
    gpc_hides_banner: Flag = True

    @model_validator(mode="before")
    @classmethod
    def _us_states(cls, data: Any) -> Any:
        """`us_opt_out_states: [CA]`, the earlier spelling, is `opt_out_regions: [US-CA]`."""
        if not isinstance(data, dict) or "us_opt_out_states" not in data:
            return data
        data = dict(data)
        states, regions = data.pop("us_opt_out_states"), data.get("opt_out_regions", [])
        if not isinstance(states, list) or not isinstance(regions, list):
            raise ValueError("us_opt_out_states and opt_out_regions are lists, such as [CA, CO] and [US-CA]")
        if states != EARLIER_DEFAULT_US_STATES:
            data["opt_out_regions"] = [*regions, *(f"US-{s}" if isinstance(s, str) else s for s in states)]
        return data

    @model_validator(mode="after")
    def _each_place_once(self) -> Regimes:
        for kind, opt_in, opt_out in (
            ("countries", self.opt_in, self.opt_out),
            ("regions", self.opt_in_regions, self.opt_out_regions),
        ):
            both = sorted(set(opt_in) & set(opt_out))
            if both:
                raise ValueError(f"{kind} listed as both opt-in and opt-out: {', '.join(both)}")
        return self


class Lifetimes(Schema):
    acceptance_months: Count = Field(default=12, ge=1, le=24)
    refusal_months: Count = Field(default=6, ge=1, le=24)


class ConsentSetup(Schema):
    policy_version: ShortText
    sites: list[Site] = Field(min_length=1, max_length=100)
    categories: list[Category] = Field(min_length=1, max_length=20)
    services: list[Service] = Field(default_factory=list, max_length=500)
    regimes: Regimes = Field(default_factory=Regimes)
    lifetimes: Lifetimes = Field(default_factory=Lifetimes)
    texts: Annotated[dict[Language, BannerTexts], entries_between(minimum=1)] = Field(
        json_schema_extra={"minProperties": 1}
    )

    @model_validator(mode="after")
    def _consistent(self) -> ConsentSetup:
        keys = [c.key for c in self.categories]
        if NECESSARY not in keys:
            raise ValueError("categories: the 'necessary' category is required")
        if len(set(keys)) != len(keys):
            raise ValueError("categories: keys must be unique")
        for service in self.services:
            if service.category not in keys:
                raise ValueError(f"services: '{service.key}' names an unknown category '{service.category}'")
        for site in self.sites:
            if site.default_language not in self.texts:
                raise ValueError(f"sites: '{site.key}' uses language '{site.default_language}' with no texts")
        return self


# "application": stated by the site's own application in its signed identity assertion.
LocationSource = Literal["cdn", "ip", "application", "unknown"]


class Jurisdiction(Schema):
    country: str | None
    region: str | None
    regime: Regime
    source: LocationSource


Granted = Literal["granted", "denied"]


class ConsentMode(Schema):
    """Google Consent Mode v2 signals, each granted when the category declaring it is."""

    ad_storage: Granted
    ad_user_data: Granted
    ad_personalization: Granted
    analytics_storage: Granted
    functionality_storage: Granted
    personalization_storage: Granted
    security_storage: Granted


class Decision(Schema):
    site: str
    policy_version: str
    jurisdiction: Jurisdiction
    gpc: bool
    show_banner: bool
    consent: dict[str, bool]
    consent_mode: ConsentMode
    signals: dict[str, str] = Field(description="each Consent Mode signal a category grants, and that category")
    gpc_opt_out: list[str] = Field(description="the categories a privacy signal opts out of")
    exempt: list[str] = Field(description="the categories that run without consent where the visitor is")
    texts: dict[str, object]


class SiteDocument(Schema):
    """What a site's banner checks a visitor's receipt against before applying it without asking
    for a decision; the same for every visitor, so browsers and CDNs keep it."""

    site: str
    policy_version: str = Field(description="a receipt naming another version is asked again")
    text_hash: str = Field(description="hash of everything the banner shows; a receipt naming another is asked again")
    categories: list[str]
    signals: dict[str, str] = Field(description="each Consent Mode signal a category grants, and that category")
    gpc_opt_out: list[str] = Field(description="the categories a privacy signal opts out of")
    exempt: list[str] = Field(description="the categories that may run without consent in some countries")
    exempt_in: list[str] = Field(description="the countries where they do, in the opt-in regime")


IdentityAssertion = Annotated[str, StringConstraints(max_length=4096)]


class RecordIn(Schema):
    site: Key
    consent_id: uuid.UUID | None = None
    policy_version: ShortText
    action: Action
    choices: Annotated[dict[Key, Flag], entries_between(maximum=20)] = Field(
        default_factory=dict, json_schema_extra={"maxProperties": 20}
    )
    ui: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_.-]{1,40}$")] = "banner"
    identity: IdentityAssertion | None = Field(
        default=None, description="the site's assertion of its signed-in user: links this consent id to them"
    )


@functools.cache
def _subdivision_codes() -> frozenset[str]:
    """ISO 3166-2 codes, such as US-CA."""
    return frozenset(str(subdivision.code) for subdivision in pycountry.subdivisions)


class StatedJurisdiction(Schema):
    """Where the visitor is, as the site's own application states it in the `jurisdiction` claim of
    its signed identity assertion (a choice it records server-side comes from its server's address,
    not the visitor's): the country and, where the law differs within it, the region."""

    country: CountryCode
    region: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, max_length=6)] | None = None

    @field_validator("region")
    @classmethod
    def _region_of_the_country(cls, region: str | None, info: ValidationInfo) -> str | None:
        country = info.data.get("country")
        if region is None or country is None:  # a wrong country is reported on its own
            return region
        code = region.removeprefix(f"{country}-")
        if f"{country}-{code}" not in _subdivision_codes():
            raise ValueError(
                f"{region} is not a region of {country}: give its ISO 3166-2 code, such as CA for California (US-CA)"
            )
        return code


class IdentityIn(Schema):
    site: Key
    identity: IdentityAssertion


class RecordOut(Schema):
    consent_id: uuid.UUID
    recorded_at: datetime
    valid_until: datetime
    receipt: str


class RecordEntry(Schema):
    recorded_at: datetime
    action: Action
    policy_version: str
    granted: list[str]
    denied: list[str]
    gpc: bool
    regime: Regime
    ui: str


class ConsentHistory(Schema):
    consent_id: uuid.UUID
    site: str
    current: dict[str, bool]
    valid_until: datetime
    history: list[RecordEntry]
