"""The `retention` block of the configuration file and the retention API's shapes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

import isodate
from pydantic import AfterValidator, Field, StringConstraints, field_serializer, model_validator

from privacy.db import toolkit_stores
from privacy.i18n import duration_words
from privacy.schemas import CountryCode, Day, Flag, Key, Schema, ShortText
from retention.durations import every_words

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
    """A legal hold: rows it covers are never touched while it stands: until a day, for a period
    after each row's event (a relative hold, such as a legal obligation to keep invoices a year
    after their date), or until it is lifted."""

    rule: Key | None = Field(default=None, description="a whole rule")
    subject: Annotated[str, StringConstraints(max_length=254)] | None = Field(
        default=None, description="a person's email"
    )
    record_key: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        default=None, description="one row's key"
    )
    reason: ShortText
    until: Day | None = None
    kept_for: Duration | None = Field(
        default=None, description="kept this long after each row's event (with after), such as P1Y"
    )
    after: Identifier | None = Field(
        default=None, description="with kept_for: the store's column holding each row's event, such as invoice_date"
    )

    @model_validator(mode="after")
    def _one_target(self) -> HoldIn:
        if sum(value is not None for value in (self.rule, self.subject, self.record_key)) == 0:
            raise ValueError("a hold covers a rule, a person (subject) or a record (record_key)")
        if self.until is not None and self.kept_for is not None:
            raise ValueError("a hold keeps rows until a day (until) or for a time after each row's event (kept_for)")
        if (self.kept_for is None) != (self.after is None):
            raise ValueError("a hold kept for a time after each row's event names both kept_for and after")
        if self.kept_for is not None and self.rule is None:
            raise ValueError("a hold kept for a time after each row's event names the rule whose store has that column")
        return self


class FileHold(HoldIn):
    """A legal hold kept in the configuration file (a standing legal obligation), named by its key:
    applying the file again updates it. A person's email has no place in the file."""

    key: Key

    @model_validator(mode="after")
    def _no_person(self) -> FileHold:
        if self.subject is not None:
            raise ValueError("a hold on a person is placed through the API, not written in the configuration file")
        return self

    def public(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_defaults=True)


def kept_in_words(until: date | None, kept_for: str | None, after: str | None) -> str:
    """How long a hold keeps its rows: "until 2031-01-02", "1 year after each invoice date"."""
    if until is not None:
        return f"until {until.isoformat()}"
    if kept_for is not None:
        return f"{duration_words(kept_for)} after each {(after or 'event').replace('_', ' ')}"
    return "until lifted"


def covers_in_words(rule: str | None, covers_a_person: bool, record_key: str | None) -> str:
    """What a hold covers, never the person's email: "the whole rule invoices", "a person"."""
    if covers_a_person:
        return "a person" + (f" in rule {rule}" if rule else "")
    if record_key is not None:
        return f"record {record_key}" + (f" of rule {rule}" if rule else "")
    return f"the whole rule {rule}"


class HoldOut(Schema):
    """A legal hold as staff see it: whom or what it covers, never the person's email. `covers` and
    `kept` say it in words."""

    id: uuid.UUID
    key: str | None
    rule: str | None
    record_key: str | None
    covers_a_person: bool
    reason: str
    placed_by: str
    placed_at: datetime
    until: date | None
    kept_for: str | None
    after: str | None
    covers: str
    kept: str

    @field_serializer("placed_at")
    def _placed_at(self, placed_at: datetime) -> str:
        # As the holds list has always written it ("+00:00"), where pydantic would write "Z".
        return placed_at.isoformat()


class BackupSchedule(Schema):
    every: Duration
    kept: Duration

    def in_words(self) -> str:
        """In words, such as "every day, kept 30 days"."""
        return f"{every_words(self.every)}, kept {duration_words(self.kept)}"


class BackupStore(Schema):
    """Where copies of the data are kept (Art. 30(1)(g), Art. 32): the country (ISO 3166-1) and
    the provider, whether the copies are encrypted, and each schedule taking them."""

    name: ShortText
    country: CountryCode
    provider: ShortText
    encrypted: Flag
    schedules: list[BackupSchedule] = Field(min_length=1, max_length=20)

    @model_validator(mode="before")
    @classmethod
    def _not_a_schedule(cls, data: Any) -> Any:
        if isinstance(data, dict) and {"every", "kept"} & data.keys():
            raise ValueError(
                "a backup store lists its schedules: name, country, provider, encrypted and "
                "schedules: [{every: P1D, kept: P30D}]"
            )
        return data


class BackupStoreOut(Schema):
    """A backup store as recorded. Stores recorded before backups had a place (migration 0015) have
    no country, provider or encryption until they are given; the words say "not recorded"."""

    name: str
    country: str | None
    provider: str | None
    encrypted: bool | None
    schedules: list[BackupSchedule]
    stored_in: str = Field(description="the country and the provider, in words")
    encryption: str = Field(description="encrypted, not encrypted, or not recorded")
    schedules_in_words: list[str] = Field(description="such as: every day, kept 30 days")


class RetentionConfig(Schema):
    """The `retention` block. Its holds are standing ones, such as legal obligations to keep records
    a time after their date, each with a key; holds on a person or a case are placed and lifted by
    people, with a reason, through the API."""

    rules: list[RuleIn] = Field(default_factory=list, max_length=500)
    holds: list[FileHold] = Field(default_factory=list, max_length=200)
    backups: list[BackupStore] = Field(default_factory=list, max_length=50)


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
    holds: list[str] = Field(description="the legal holds in force for the run, in words (never whom they cover)")

    def held_in_words(self) -> str:
        """The holds in force, such as "; held by the whole rule invoices, 1 year after each invoice
        date", or nothing."""
        return f"; held by {'; '.join(self.holds)}" if self.holds else ""


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
