"""The consent set-up (the `consent` block of the configuration file) and the public API's shapes."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from privacy.assertions import check_public_keys
from privacy.countries import EEA
from privacy.schemas import Count, CountryCode, Flag, Key, Schema, ShortText, Text

NECESSARY = "necessary"
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]
Origin = Annotated[str, StringConstraints(pattern=r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$")]
# ISO 3166-2 subdivision codes of the US states with comprehensive privacy laws that treat the
# Global Privacy Control as an opt-out of sale, sharing and targeted advertising.
US_GPC_STATES = ["CA", "CO", "CT", "DE", "MD", "MN", "MT", "NE", "NH", "NJ", "OR", "TX"]


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


class BannerTexts(Schema):
    title: ShortText
    body: Text
    accept_all: ShortText
    reject_all: ShortText
    customise: ShortText
    save: ShortText


class Category(Schema):
    key: Key
    labels: dict[Language, ShortText]
    descriptions: dict[Language, Text] = Field(default_factory=dict)


class Cookie(Schema):
    name: ShortText
    pattern: Flag = Field(default=False, description="name is a regular expression")
    domain: ShortText | None = None
    duration: ShortText
    party: Literal["first", "third"] = "first"


class Service(Schema):
    key: Key
    category: Key
    vendor: ShortText
    purpose: Text
    privacy_policy: Annotated[str, StringConstraints(max_length=500, pattern=r"^https://")] | None = None
    cookies: list[Cookie] = Field(default_factory=list, max_length=100)


class Site(Schema):
    key: Key
    origins: list[Origin] = Field(default_factory=list, max_length=50)
    default_language: Language = "en"
    identity_keys: Annotated[list[dict[str, Any]], AfterValidator(check_public_keys)] = Field(
        default_factory=list,
        max_length=10,
        description="public JWKs with which the site's own application signs identity assertions",
    )


class Regimes(Schema):
    opt_in: list[CountryCode] = Field(default_factory=lambda: sorted(EEA | {"GB", "CH"}))
    us_opt_out_states: list[Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]] = Field(
        default_factory=lambda: list(US_GPC_STATES)
    )
    default: Regime = Regime.OPT_OUT
    gpc_hides_banner: Flag = True


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


LocationSource = Literal["cdn", "ip", "unknown"]


class Jurisdiction(Schema):
    country: str | None
    region: str | None
    regime: Regime
    source: LocationSource


class ConsentMode(Schema):
    """Google Consent Mode v2 signals."""

    ad_storage: Literal["granted", "denied"]
    analytics_storage: Literal["granted", "denied"]
    ad_user_data: Literal["granted", "denied"]
    ad_personalization: Literal["granted", "denied"]


class Decision(Schema):
    site: str
    policy_version: str
    jurisdiction: Jurisdiction
    gpc: bool
    show_banner: bool
    consent: dict[str, bool]
    consent_mode: ConsentMode
    texts: dict[str, object]


class SiteDocument(Schema):
    """What a site's banner checks a visitor's receipt against before applying it without asking
    for a decision; the same for every visitor, so browsers and CDNs keep it."""

    site: str
    policy_version: str = Field(description="a receipt naming another version is asked again")
    text_hash: str = Field(description="hash of everything the banner shows; a receipt naming another is asked again")
    categories: list[str]


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
