"""The `retention` block of the configuration file and the retention API's shapes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

import isodate
from pydantic import AfterValidator, Field, StringConstraints, field_serializer, model_validator

from privacy.db import toolkit_stores
from privacy.schemas import Day, Flag, Key, Schema, ShortText

Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")]


def _iso_duration(value: str) -> str:
    try:
        isodate.parse_duration(value)
    except (isodate.ISO8601Error, ValueError) as error:
        raise ValueError(f"'{value}' is not an ISO 8601 duration such as P180D, P12M or P1Y") from error
    if not value.startswith("P") or value in ("P", "PT"):
        raise ValueError(f"'{value}' is not an ISO 8601 duration such as P180D, P12M or P1Y")
    return value


Duration = Annotated[str, StringConstraints(max_length=40), AfterValidator(_iso_duration)]


class Action(StrEnum):
    DELETE = "delete"
    ANONYMISE = "anonymise"
    RESTRICT = "restrict"


class Transform(StrEnum):
    NULL = "null"
    CONSTANT = "constant"
    KEYED_HASH = "keyed_hash"
    TRUNCATE_IP = "truncate_ip"
    MONTH = "month"


class ColumnTransform(Schema):
    column: Identifier
    transform: Transform
    value: ShortText | None = Field(default=None, description="for constant: the replacement")

    @model_validator(mode="after")
    def _constant_has_value(self) -> ColumnTransform:
        if self.transform is Transform.CONSTANT and self.value is None:
            raise ValueError("a constant transform needs its value")
        return self


class Store(Schema):
    """Where a rule's rows are: one of the toolkit's own tables, a table of a registered SQL system,
    or a registered HTTP system that sweeps itself. Systems are named by key; their URLs and
    secrets live in the register of systems, which only administrators change."""

    kind: Literal["toolkit", "sql", "http"]
    name: Key | None = Field(
        default=None, description="for toolkit: one of the toolkit's own stores (consent_records, closed_requests, ...)"
    )
    system: Key | None = Field(default=None, description="for sql and http: the registered system's key")
    table: Identifier | None = None
    timestamp_column: Identifier | None = None
    key_column: Identifier | None = None
    subject_column: Identifier | None = Field(default=None, description="the person's email, for legal holds")
    restricted_column: Identifier | None = Field(default=None, description="for restrict: a boolean column set true")

    @model_validator(mode="after")
    def _complete(self) -> Store:
        if self.kind == "toolkit" and self.name not in toolkit_stores():
            raise ValueError(f"a toolkit store names one of {', '.join(sorted(toolkit_stores()))}")
        if self.kind != "toolkit" and self.system is None:
            raise ValueError(f"an {self.kind} store names the registered system it sweeps (system)")
        if self.kind == "sql" and not (self.table and self.timestamp_column and self.key_column):
            raise ValueError("an sql store needs table, timestamp_column and key_column")
        return self

    def label(self) -> str:
        return {
            "toolkit": f"toolkit:{self.name}",
            "sql": f"sql:{self.system}/{self.table}",
            "http": f"http:{self.system}",
        }[self.kind]


class RuleIn(Schema):
    key: Key
    category: Key | None = Field(default=None, description="the data category it serves")
    activity: Key | None = Field(default=None, description="the register activity it serves")
    period: Duration
    # One string type: the usual events are examples, and any other name the store keeps is allowed
    # (a union of both would publish a `oneOf` that the usual events match twice).
    event: Identifier = Field(
        default="collected",
        description="what the period runs from (the store's timestamp column holds it)",
        examples=["collected", "last_contact", "contract_end", "replied"],
    )
    action: Action = Action.DELETE
    transforms: list[ColumnTransform] = Field(default_factory=list, max_length=100)
    store: Store
    schedule: Literal["hourly", "daily", "weekly"] = "daily"
    enabled: Flag = True

    @model_validator(mode="after")
    def _consistent(self) -> RuleIn:
        if self.action is Action.ANONYMISE and not self.transforms:
            raise ValueError("anonymise needs a transform per column")
        if self.action is Action.RESTRICT and not self.store.restricted_column and self.store.kind == "sql":
            raise ValueError("restrict needs the store's restricted_column")
        if self.store.kind == "toolkit" and self.action is Action.RESTRICT:
            raise ValueError("the toolkit's own tables are deleted or anonymised, not restricted")
        return self

    def public(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_defaults=True)


class HoldIn(Schema):
    """A legal hold: rows it covers are never touched while it stands."""

    rule: Key | None = Field(default=None, description="a whole rule")
    subject: Annotated[str, StringConstraints(max_length=254)] | None = Field(
        default=None, description="a person's email"
    )
    record_key: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        default=None, description="one row's key"
    )
    reason: ShortText
    until: Day | None = None

    @model_validator(mode="after")
    def _one_target(self) -> HoldIn:
        if sum(value is not None for value in (self.rule, self.subject, self.record_key)) == 0:
            raise ValueError("a hold covers a rule, a person (subject) or a record (record_key)")
        return self


class HoldOut(Schema):
    """A legal hold as staff see it: whom or what it covers, never the person's email."""

    id: uuid.UUID
    rule: str | None
    record_key: str | None
    covers_a_person: bool
    reason: str
    placed_by: str
    placed_at: datetime
    until: date | None

    @field_serializer("placed_at")
    def _placed_at(self, placed_at: datetime) -> str:
        # As the holds list has always written it ("+00:00"), where pydantic would write "Z".
        return placed_at.isoformat()


class BackupSchedule(Schema):
    name: ShortText
    every: Duration
    kept: Duration


class RetentionConfig(Schema):
    """The `retention` block. Legal holds are not in it: they are placed and lifted by people, with
    a reason, through the API or the command line."""

    rules: list[RuleIn] = Field(default_factory=list, max_length=500)
    backups: list[BackupSchedule] = Field(default_factory=list, max_length=50)


class Counts(Schema):
    deleted: int = 0
    anonymised: int = 0
    restricted: int = 0
    held: int = 0

    def in_words(self, *, dry_run: bool) -> str:
        """For a dry run `would delete 5, would anonymise 0, ...`; for a real one `deleted 5, anonymised 0, ...`."""
        counts = [self.deleted, self.anonymised, self.restricted, self.held]
        verbs = ["would delete", "would anonymise", "would restrict", "would hold"]
        if not dry_run:
            verbs = ["deleted", "anonymised", "restricted", "held"]
        return ", ".join(f"{verb} {count}" for verb, count in zip(verbs, counts, strict=True))


class RunOut(Schema):
    id: int
    rule: str
    store: str
    dry_run: bool
    cutoff: datetime
    started_at: datetime
    finished_at: datetime | None
    status: str
    counts: Counts
    errors: list[str]


class ApprovalIn(Schema):
    run: Annotated[int, Field(ge=1, description="the dry run of the rule as it is now whose counts the approver saw")]


class ReviewOut(Schema):
    """Whether a rule awaits review, and the latest finished dry run of the rule as it is now."""

    rule: str
    awaiting_review: bool
    dry_run: RunOut | None


class ApprovalOut(Schema):
    rule: str
    approved_by: str
    approved_at: datetime
    dry_run: RunOut
