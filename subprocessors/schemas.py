"""The `subprocessors` block of the configuration file and the shapes of the sub-processor API."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from privacy.countries import ADEQUATE_COUNTRIES, EEA
from privacy.i18n import N_
from privacy.register.schemas import PublishedLanguage
from privacy.schemas import AwareTime, CountryCode, Day, Email, Flag, Key, Schema, ShortText, Text, TextList


class Role(StrEnum):
    SUB_PROCESSOR = "sub_processor"
    PROCESSOR = "processor"


class TransferMechanism(StrEnum):
    NOT_NEEDED = "not_needed"
    ADEQUACY = "adequacy"
    SCCS_2021_914 = "sccs_2021_914"
    BINDING_CORPORATE_RULES = "binding_corporate_rules"
    EU_US_DPF = "eu_us_data_privacy_framework"


TRANSFER_LABELS = {
    TransferMechanism.NOT_NEEDED: N_("none needed (processing within the EEA)"),
    TransferMechanism.ADEQUACY: N_("adequacy decision (Art. 45)"),
    TransferMechanism.SCCS_2021_914: N_("Standard Contractual Clauses (Decision (EU) 2021/914)"),
    TransferMechanism.BINDING_CORPORATE_RULES: N_("binding corporate rules (Art. 47)"),
    TransferMechanism.EU_US_DPF: N_("EU-US Data Privacy Framework (Decision (EU) 2023/1795)"),
}


class Status(StrEnum):
    PROPOSED = "proposed"
    ANNOUNCED = "announced"
    ACTIVE = "active"
    RETIRED = "retired"


class Step(StrEnum):
    """The changes of a sub-processor's lifecycle, in the order they come (a change of the
    published details is not one of them)."""

    PROPOSED = "proposed"
    ANNOUNCED = "announced"
    ACTIVATED = "activated"
    RETIREMENT_ANNOUNCED = "retirement_announced"
    RETIRED = "retired"


ANNOUNCEMENTS = (Step.ANNOUNCED, Step.RETIREMENT_ANNOUNCED)
Summary = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]


class LifecycleChangeIn(Schema):
    """One dated change of a sub-processor's lifecycle, as the configuration file records it."""

    change: Step
    at: AwareTime = Field(description="when it happened, with its zone: 2026-03-01T09:30:00Z")
    effective_on: Day | None = Field(default=None, description="an announcement's: the day the change takes effect")
    summary: Summary | None = Field(default=None, description="an announcement's: what subscribers were told")

    @model_validator(mode="after")
    def _announcements_say_when(self) -> LifecycleChangeIn:
        if self.change not in ANNOUNCEMENTS:
            if self.effective_on is not None or self.summary is not None:
                raise ValueError("only an announcement has effective_on and summary")
        elif self.effective_on is None:
            raise ValueError("an announcement names the day it takes effect in effective_on")
        elif self.effective_on < self.at.date():
            raise ValueError(f"it would take effect on {self.effective_on}, before it was announced")
        return self


class SubProcessorIn(Schema):
    """One sub-processor. `active_since` records one already in use when the toolkit is set up
    (no announcement is made for it); every other one starts as proposed. `lifecycle` is what an
    export writes: the dated changes after that (subprocessors.lifecycle)."""

    key: Key
    name: ShortText = Field(description="legal entity name")
    service: ShortText
    purpose: ShortText
    role: Role = Role.SUB_PROCESSOR
    data_categories: TextList
    processing_locations: Annotated[list[CountryCode], Field(min_length=1, max_length=60)]
    corporate_location: CountryCode
    transfer_mechanism: TransferMechanism
    dpa_reference: ShortText | None = None
    customer_selectable: Flag = Field(default=False, description="applies only where the customer selects it")
    activities: Annotated[list[Key], Field(default_factory=list, max_length=200)]
    active_since: Day | None = None
    lifecycle: Annotated[list[LifecycleChangeIn], Field(max_length=len(Step))] | None = None

    @model_validator(mode="after")
    def _transfers_have_a_mechanism(self) -> SubProcessorIn:
        outside = sorted(set(self.processing_locations) - EEA)
        if outside and self.transfer_mechanism is TransferMechanism.NOT_NEEDED:
            raise ValueError(f"processing in {', '.join(outside)} is a transfer outside the EEA: name its mechanism")
        if self.transfer_mechanism is TransferMechanism.ADEQUACY and (set(outside) - ADEQUATE_COUNTRIES):
            raise ValueError(f"no adequacy decision covers {', '.join(sorted(set(outside) - ADEQUATE_COUNTRIES))}")
        if self.transfer_mechanism is TransferMechanism.EU_US_DPF and set(outside) - {"US"} - ADEQUATE_COUNTRIES:
            raise ValueError("the EU-US Data Privacy Framework covers transfers to the United States only")
        return self

    def content(self) -> dict[str, object]:
        """What is published and versioned: everything but the lifecycle."""
        return self.model_dump(mode="json", exclude={"active_since", "lifecycle"})


class AnnouncementIn(Schema):
    effective_on: Day | None = Field(default=None, description="at least the notice period ahead; default: exactly it")
    summary: Summary | None = None


class SubscriptionIn(Schema):
    email: Email
    language: PublishedLanguage | None = Field(
        default=None, description="the language of the emails; by default the organisation's default language"
    )


class TokenIn(Schema):
    token: Annotated[str, StringConstraints(min_length=20, max_length=100)]


class ObjectionIn(Schema):
    organisation: ShortText = Field(description="the customer objecting")
    email: Email
    reason: Text = Field(min_length=1)


class SubProcessorOut(Schema):
    key: str
    name: str
    service: str
    purpose: str
    role: str
    data_categories: list[str]
    processing_locations: list[str]
    corporate_location: str
    transfer_mechanism: str
    dpa_reference: str | None
    customer_selectable: bool
    activities: list[str]
    status: Status
    effective_on: date | None = Field(description="when an announced change takes effect")
    pending: str | None = Field(description="the announced change: activate or retire")


class ChangeOut(Schema):
    id: int
    key: str
    name: str
    kind: str
    at: datetime
    effective_on: date | None
    summary: str | None


class ListOut(Schema):
    at: date
    subprocessors: list[SubProcessorOut]
    announced: list[ChangeOut] = Field(description="changes announced and not yet in effect on that day")


class ObjectionOut(Schema):
    id: str
    key: str
    change_id: int
    organisation: str
    email: str
    reason: str
    received_at: datetime


class SubscriberCounts(Schema):
    confirmed: int
    awaiting_confirmation: int
