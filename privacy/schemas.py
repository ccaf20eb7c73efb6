"""What goes in and out of the core: explicit fields, nothing implicit."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

import pycountry
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from privacy.actors import Role

# Codes people write for a country that ISO 3166-1 gives another (the EU writes Greece EL).
COUNTRY_CODES_MISTAKEN = {"UK": "GB", "EL": "GR"}


def _a_country(code: str) -> str:
    if code in COUNTRY_CODES_MISTAKEN:
        raise ValueError(f"{code} is not an ISO 3166-1 country code: use {COUNTRY_CODES_MISTAKEN[code]}")
    if pycountry.countries.get(alpha_2=code) is None:
        raise ValueError(f"{code} is not a country code (ISO 3166-1), such as DE, FR or GB")
    return code


Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
CountryCode = Annotated[
    str,
    BeforeValidator(lambda value: value.strip().upper() if isinstance(value, str) else value),
    StringConstraints(pattern=r"^[A-Z]{2}$"),
    AfterValidator(_a_country),
]
Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,99}$")]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]  # ISO 639-1


# Strict values for every input, public and staff. Litestar hands pydantic the decoded JSON (and
# the configuration file its YAML) as Python objects, which pydantic's lax mode would coerce: `0`
# to false, a number to a time in 1970, a time without its zone read as anyone's. Times and days
# are still read from ISO 8601 text, JSON having no type of its own for them; the console's forms
# convert their fields to these types themselves.
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
ISO_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}")


def _no_number(value: object) -> None:
    if isinstance(value, bool | int | float | Decimal):
        raise ValueError("a number is not a date or a time: write it as ISO 8601 text")


def _iso_time(value: object) -> object:
    _no_number(value)
    if isinstance(value, str) and not ISO_TIME.match(value):
        raise ValueError("a time is ISO 8601 text with its zone, such as 2026-05-04T09:30:00+02:00")
    return value


def _iso_day(value: object) -> object:
    _no_number(value)
    if isinstance(value, datetime) or (isinstance(value, str) and not ISO_DAY.fullmatch(value)):
        raise ValueError("a day is ISO 8601 text such as 2026-05-04")
    return value


def _bool(value: object) -> object:
    if not isinstance(value, bool):
        raise ValueError("true or false, not a number or a string")
    return value


def _int(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("a whole number, not a string, a decimal or true/false")
    return value


# Checked by validators, not `Strict()`: Litestar calls `model_validate(..., strict=False)`, which
# overrides a field's own strictness.
# True or false, nothing else (not 0 or 1, not "true" or "yes").
Flag = Annotated[bool, BeforeValidator(_bool)]
# A whole number: never a boolean, a decimal or a string of digits.
Count = Annotated[int, BeforeValidator(_int)]
# A moment: ISO 8601 with its zone (Z or an offset); naive times and numbers are refused.
AwareTime = Annotated[AwareDatetime, BeforeValidator(_iso_time)]
# A calendar day, YYYY-MM-DD (or a date from YAML); numbers and times are refused.
Day = Annotated[date, BeforeValidator(_iso_day)]


TextList = Annotated[list[ShortText], Field(default_factory=list, max_length=100)]


class Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=False)


class UserIn(Schema):
    email: Email
    password: Annotated[str, StringConstraints(min_length=12, max_length=1000)]
    role: Role


class UserUpdate(Schema):
    role: Role | None = None
    active: Flag | None = None


class UserOut(Schema):
    id: uuid.UUID
    email: str
    role: Role
    active: bool
    created_at: datetime
    last_login_at: datetime | None


class TokenIn(Schema):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    role: Role


class TokenOut(Schema):
    id: uuid.UUID
    name: str
    role: Role
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="Shown once; only its hash is stored")


class AuditEntryOut(Schema):
    seq: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    before: dict[str, object] | None
    after: dict[str, object] | None


class ChainReportOut(Schema):
    intact: bool
    checked: int
    head_seq: int | None
    head_hash: str | None
    first_bad_seq: int | None
    problem: str | None


class SystemKind(StrEnum):
    SQL = "sql"
    HTTP = "http"


class SystemIn(Schema):
    """Another system, as an administrator registers it. URL and secret are stored encrypted; left
    out on an update, the stored ones stay."""

    key: Key
    name: ShortText
    kind: SystemKind
    url: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = Field(
        default=None,
        description="sql: postgresql://user:password@host:5432/database, or sqlite:////path/file.sqlite3 inside "
        "PRIVACY_EXTERNAL_SQLITE_DIR; http: the endpoint, https://...",
    )
    secret: Annotated[str, StringConstraints(min_length=32, max_length=500)] | None = Field(
        default=None, description="http: the secret shared with that system to sign requests both ways (write-only)"
    )


class SystemSummary(Schema):
    """What everyone may know of a registered system."""

    key: str
    name: str
    kind: SystemKind


class SystemOut(SystemSummary):
    """What an administrator sees: the URL with its password hidden, never the secret."""

    url: str
    has_secret: bool
    updated_at: datetime


class SystemCheckOut(Schema):
    reachable: bool
    detail: str
