"""What goes in and out of the breach register: explicit fields only."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from privacy.register.schemas import PublishedLanguage
from privacy.schemas import AwareTime, Email, Flag, Key, Schema, ShortText, Text

Keys = Annotated[list[Key], Field(default_factory=list, max_length=200)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=2000)]
Count = Annotated[int, Field(ge=0, le=10_000_000_000)]


class Nature(StrEnum):
    """What the breach did to the data (the EDPB's three kinds, Guidelines 9/2022)."""

    CONFIDENTIALITY = "confidentiality"  # disclosed or accessed without authority
    INTEGRITY = "integrity"  # altered without authority
    AVAILABILITY = "availability"  # lost or destroyed, for a time or for good


class NoCommunication(StrEnum):
    """Art. 34(3): why the people affected are not told, though the risk to them is high."""

    UNINTELLIGIBLE = "unintelligible"  # (a) the data is unintelligible to anyone not authorised, e.g. encrypted
    RISK_NO_LONGER_LIKELY = "risk_no_longer_likely"  # (b) later measures ensure the high risk no longer arises
    PUBLIC_COMMUNICATION = "public_communication"  # (c) telling each would take disproportionate effort


class BreachIn(Schema):
    """A breach as the privacy team knows it; recorded again as it learns more."""

    aware_at: AwareTime = Field(description="when the organisation became aware: the 72-hour clock starts here")
    summary: ShortText = Field(description="what happened, in a line")
    description: Text | None = None
    started_at: AwareTime | None = None
    ended_at: AwareTime | None = None
    nature: Annotated[list[Nature], Field(default_factory=list, max_length=3)]
    activities: Keys
    systems: Keys
    subprocessors: Keys
    data_categories: Keys
    people_affected: Count | None = Field(default=None, description="approximate number of people")
    records_affected: Count | None = Field(default=None, description="approximate number of records")
    consequences: Text | None = Field(default=None, description="the likely consequences for the people")
    measures_taken: Text | None = None
    measures_proposed: Text | None = None
    handler: ShortText | None = Field(default=None, description="who handles it")
    notify_authority: Flag | None = Field(
        default=None, description="whether the lead authority is notified (undecided while unset)"
    )
    no_notification_reason: Reason | None = Field(
        default=None, description="why the breach is unlikely to result in a risk (Art. 33(1)), when not notified"
    )

    high_risk: Flag | None = Field(
        default=None, description="likely to result in a high risk to the people: they are told (Art. 34(1))"
    )
    advice: Text | None = Field(default=None, description="what the people can do to protect themselves")
    no_communication: NoCommunication | None = Field(default=None, description="Art. 34(3): why they are not told")
    no_communication_reason: Reason | None = None

    @model_validator(mode="after")
    def _consistent(self) -> BreachIn:
        if self.started_at and self.ended_at and self.ended_at < self.started_at:
            raise ValueError("the breach ends before it starts")
        if self.notify_authority is False and self.no_notification_reason is None:
            raise ValueError("not notifying needs the reason the breach is unlikely to result in a risk")
        if self.notify_authority is not False and self.no_notification_reason is not None:
            raise ValueError("a reason not to notify goes with notify_authority: false")
        if (self.no_communication is None) != (self.no_communication_reason is None):
            raise ValueError("not telling the people names the exception of Art. 34(3) and explains it")
        return self


class NotificationOut(Schema):
    id: int
    recipient: Literal["authority", "controller"]
    name: str
    phase: Literal["initial", "complement"]
    sent_at: datetime
    late: bool
    delay_reason: str | None
    authority_reference: str | None


class ClockState(StrEnum):
    RUNNING = "running"  # due, not notified yet
    LATE = "late"  # past due, not notified yet
    NOTIFIED = "notified"
    NOT_NOTIFIED = "not_notified"  # decided, with the reason


class PeopleTold(Schema):
    """Art. 34: the letters to the people affected, as the outbox delivers them."""

    queued: int
    sent: int
    failed: int = Field(description="not delivered after every try")


class PersonIn(Schema):
    email: Email
    language: PublishedLanguage | None = Field(
        default=None, description="en, fr, de, nl or es; the organisation's default language when left out"
    )


class PeopleIn(Schema):
    people: Annotated[list[PersonIn], Field(min_length=1, max_length=100_000)]


class CommunicationOut(Schema):
    queued: int = Field(description="letters queued now")
    already: int = Field(description="people told before, not written to again")


class GatheredOut(CommunicationOut):
    found: dict[str, int] = Field(description="people found in each SQL system linked to the breach")
    unusable: int = Field(description="values found that are not email addresses, not written to")
    by_hand: list[str] = Field(description="linked systems the toolkit cannot list (HTTP, manual): upload theirs")


class BreachOut(BreachIn):
    id: str
    reference: str
    notification_due_at: datetime = Field(description="72 hours after awareness, in UTC (Art. 33(1))")
    clock: ClockState
    hours_left: float | None = Field(description="until the notification is due, while it is not made")
    recorded_at: datetime
    updated_at: datetime
    notifications: list[NotificationOut]
    people_told: PeopleTold


class AuthorityNotificationIn(Schema):
    """A notification made to the lead authority (on its own form, with the toolkit's document)."""

    phase: Literal["initial", "complement"] = "initial"
    notified_at: AwareTime
    authority_reference: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    delay_reason: Reason | None = Field(default=None, description="Art. 33(1): why later than 72 hours")


class ControllersNotified(Schema):
    notified: list[str] = Field(description="controllers told now, through the outbox")
    already: list[str] = Field(description="controllers told before")
    without_email: list[str] = Field(description="controllers with no email in the register: tell them by hand")


Document = dict[str, Any]
