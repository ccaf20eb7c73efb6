"""One error hierarchy for every domain, mapped once to RFC 9457 problem details."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError


@dataclass
class FieldError:
    path: str
    message: str


class PrivacyError(Exception):
    status_code = 400
    title = "Bad request"

    def __init__(self, detail: str, *, errors: list[FieldError] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.extra = extra


class Invalid(PrivacyError):
    status_code = 422
    title = "Invalid input"


class Unauthorized(PrivacyError):
    status_code = 401
    title = "Authentication required"


class Forbidden(PrivacyError):
    status_code = 403
    title = "Not allowed"


class NotFound(PrivacyError):
    status_code = 404
    title = "Not found"


class Conflict(PrivacyError):
    status_code = 409
    title = "Conflict"


class Gone(PrivacyError):
    status_code = 410
    title = "Gone"


class Unavailable(PrivacyError):
    status_code = 503
    title = "Service unavailable"


class SystemUnavailable(PrivacyError):
    """Another system (a connector's or a retention store's) could not be reached or answered
    badly. The detail is the same whatever went wrong, so answers cannot be used to probe hosts,
    ports or files; the kind of failure goes to the log."""

    status_code = 502
    title = "Another system failed"


class TooManyRequests(PrivacyError):
    status_code = 429
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


@dataclass
class Problem:
    """The body of an RFC 9457 answer."""

    status: int
    title: str
    detail: str
    instance: str
    errors: list[FieldError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": "about:blank",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "instance": self.instance,
        }
        if self.errors:
            body["errors"] = [{"path": e.path, "message": e.message} for e in self.errors]
        return body


def error_path(location: tuple[int | str, ...] | list[int | str]) -> str:
    """Render a pydantic error location as `activities[3].lawful_basis`."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


# What a value refused by its pattern should have been, in words: a person reads no regular expression.
PATTERN_WORDS = {
    r"^[^@\s]+@[^@\s]+\.[^@\s]+$": "an email address, such as privacy@example.org",
    r"^[A-Z]{2}$": "a two-letter country code (ISO 3166-1), such as DE, FR or GB",
    r"^[a-z0-9][a-z0-9_-]{0,99}$": "a key: lower-case letters, digits, - and _, starting with a letter or digit",
    r"^[A-Za-z_][A-Za-z0-9_]{0,62}$": "a table or column name: letters, digits and _, not starting with a digit",
    r"^[a-z]{2}$": "a two-letter language code (ISO 639-1), such as en, fr or de",
    r"^(en|de|fr)$": "en, de or fr",
    r"^\d{6}$": "the six digits of the code",
    r"^https://": "an address starting with https://",
    r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$": "an origin: http:// or https://, a host and maybe a port, no path",
}


def validation_errors(error: ValidationError) -> list[FieldError]:
    """Pydantic's errors as paths and messages a person can act on."""
    found = []
    for item in error.errors():
        location = tuple(item["loc"])
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] == "string_pattern_mismatch":
            message = (
                f"should be {PATTERN_WORDS.get(str(item['ctx']['pattern']), 'written in the form this field takes')}"
            )
        if item["type"] == "enum":
            choices = str(item["ctx"]["expected"]).replace("'", "")
            message = f"'{str(item['input'])[:60]}' is not one of {choices}"
        found.append(FieldError(path=error_path(location) or "(file)", message=message))
    return found


def form_errors(error: Exception) -> list[FieldError]:
    """What a console form shows for an error: each field's problem, or the error's own words."""
    if isinstance(error, ValidationError):
        return validation_errors(error)
    if isinstance(error, PrivacyError):
        return error.errors or [FieldError(path="", message=error.detail)]
    return [FieldError(path="", message=str(error))]
