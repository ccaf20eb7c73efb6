"""The privacy centre's fixed wording, and what it says of an error: English message ids marked
for the catalogues (`privacy/locales`), read in the person's language from them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from privacy.errors import NotFound, PrivacyError, TooManyRequests, error_path
from privacy.i18n import N_, gettext

# Keyed as the templates read it (`t.title`, `t.types.access`).
WORDING: dict[str, Any] = {
    "title": N_("Your personal data"),
    "intro": N_(
        "Ask us what personal data we hold about you, for a copy to take elsewhere, to correct or "
        "erase it, or to restrict or object to its use. We answer within one month; for complex "
        "requests we may extend this by two further months and will tell you why."
    ),
    "type": N_("What would you like?"),
    "types": {
        "access": N_("A copy of my data (access)"),
        "portability": N_("My data to take to another service (portability)"),
        "erasure": N_("Erase my data (erasure)"),
        "rectification": N_("Correct my data (rectification)"),
        "restriction": N_("Restrict the use of my data (restriction)"),
        "objection": N_("Object to the use of my data (objection)"),
        "withdrawal": N_("Withdraw a consent I gave (withdrawal)"),
        "directive": N_("Leave, change or revoke directives for my data after my death"),
        "death_notice": N_("Tell you of the death of someone whose data you hold"),
    },
    "email": N_("Your email address"),
    "email_hint": N_("We send a code to this address to check that it is yours."),
    "name": N_("Your name (optional)"),
    "details": N_("Anything we should know (optional)"),
    "corrections": N_(
        "To correct your data: what is wrong and what it should be, one per line as: what = what it "
        "should be (optional)"
    ),
    "objection_scope": N_("For an objection: what do you object to? (None ticked: all of it.)"),
    "direct_marketing": N_("Direct marketing (always stopped)"),
    "restriction_ground": N_("If you ask for a restriction: why"),
    "restrict_meanwhile": N_("For a correction or an objection: restrict the use of my data until you decide"),
    "grounds": {
        "accuracy_contested": N_("You contest the accuracy of the data"),
        "unlawful_processing": N_("The processing is unlawful, but you do not want the data erased"),
        "legal_claims": N_("You need the data for a legal claim"),
        "objection_pending": N_("You objected and await our decision"),
    },
    "post_mortem": {
        "directive": N_("For directives after your death (French law, art. 85 loi Informatique et Libertés)"),
        "trusted_person": N_("The person who carries them out"),
        "trusted_email": N_("Their email address (they use it when they tell us of your death)"),
        "wish": N_("What should happen to your data"),
        "wishes": {
            "access": N_("Give that person a copy"),
            "erasure": N_("Erase it"),
            "as_written": N_("Follow the instructions below"),
        },
        "instructions": N_("Your instructions (optional)"),
        "revoke": N_("Revoke my directives instead"),
        "death": N_("To tell us of a death"),
        "deceased_email": N_("The email address of the person who died"),
        "deceased_name": N_("The name of the person who died (optional)"),
        "died_on": N_("Date of death"),
        "relationship": N_("You are"),
        "relationships": {
            "trusted_person": N_("The person named in their directives"),
            "heir": N_("An heir"),
        },
        "evidence": N_("The evidence you hold (for example a death certificate); we may ask for a copy"),
    },
    "submit": N_("Send request"),
    "code_title": N_("Enter your code"),
    "code_intro": N_("We sent a six-digit code to the email address you gave. It is valid for 15 minutes."),
    "code": N_("Code"),
    "verify": N_("Confirm"),
    "resend": N_("Send a new code"),
    "recipients": N_("Whom your data was disclosed to: we tell them of your request (Art. 19 GDPR)"),
    "status_title": N_("Request {reference}"),
    "status": N_("Status"),
    "statuses": {
        "awaiting_verification": N_("waiting for your code"),
        "in_progress": N_("in progress"),
        "completed": N_("answered"),
        "refused": N_("refused"),
    },
    "received": N_("Received"),
    "due": N_("We answer by"),
    "extended": N_("extended to"),
    "download": N_("Download the answer"),
    "available_until": N_("available until"),
    "history": N_("What has happened"),
    "events": {
        "received": N_("We received your request"),
        "verified": N_("You confirmed your email address"),
        "extended": N_("We extended the time to answer"),
        "refused": N_("We refused the request"),
        "completed": N_("We answered the request"),
        "package_ready": N_("Our answer is ready to download"),
    },
    "problems": N_("Please correct the following"),
}


@cache
def texts_in(language: str) -> dict[str, Any]:
    """The wording in `language`, from its catalogue."""
    return _translated(WORDING, language)


def _translated(wording: dict[str, Any], language: str) -> dict[str, Any]:
    return {
        key: _translated(inner, language) if isinstance(inner, dict) else gettext(language, inner)
        for key, inner in wording.items()
    }


# What went wrong, as the person reads it. The service's own words are for developers and in English.

POST_MORTEM = WORDING["post_mortem"]
# The form's field for each part of what a request carries (the API's names), and its label.
FIELDS: dict[str, tuple[str, str]] = {
    "type": ("type", WORDING["type"]),
    "email": ("email", WORDING["email"]),
    "name": ("name", WORDING["name"]),
    "details": ("details", WORDING["details"]),
    "corrections": ("corrections", WORDING["corrections"]),
    "restriction_ground": ("restriction_ground", WORDING["restriction_ground"]),
    "objection": ("objection", WORDING["objection_scope"]),
    "directive": ("trusted_person", POST_MORTEM["directive"]),
    "directive.trusted_person": ("trusted_person", POST_MORTEM["trusted_person"]),
    "directive.trusted_email": ("trusted_email", POST_MORTEM["trusted_email"]),
    "directive.wish": ("wish", POST_MORTEM["wish"]),
    "directive.instructions": ("instructions", POST_MORTEM["instructions"]),
    "death": ("deceased_email", POST_MORTEM["death"]),
    "death.email": ("deceased_email", POST_MORTEM["deceased_email"]),
    "death.name": ("deceased_name", POST_MORTEM["deceased_name"]),
    "death.died_on": ("died_on", POST_MORTEM["died_on"]),
    "death.relationship": ("relationship", POST_MORTEM["relationship"]),
    "death.evidence": ("evidence", POST_MORTEM["evidence"]),
    "code": ("code", WORDING["code"]),
}

NEEDED = N_("This is needed.")
AN_EMAIL = N_("Enter an email address, such as name@example.org.")
GENERIC = N_("Please check what you entered and try again.")
# By pydantic's error type; `%(n)s` is the limit it names.
INPUT_PROBLEMS = {
    "missing": NEEDED,
    "string_type": NEEDED,  # an empty field arrives as nothing
    "string_too_short": NEEDED,
    "string_too_long": N_("This is too long: %(n)s characters at most."),
    "too_long": N_("There are too many lines: %(n)s at most."),
    "enum": N_("Choose one of the options offered."),
    "date_type": N_("Enter a date."),
    "date_from_datetime_parsing": N_("Enter a date."),
}
# A value not in the form its field takes, by the form's field.
PATTERN_PROBLEMS = {
    "email": AN_EMAIL,
    "trusted_email": AN_EMAIL,
    "deceased_email": AN_EMAIL,
    "code": N_("Enter the six digits of the code."),
}
# By the service's words, a number in them written {n}; with the field they concern where the
# service names none.
SERVICE_PROBLEMS: dict[str, tuple[str, str]] = {
    "corrections go with a rectification request": (
        "corrections",
        N_("Corrections go with a request to correct your data: choose that request, or leave this empty."),
    ),
    "a restriction request, and only one, gives its ground (restriction_ground)": (
        "restriction_ground",
        N_("Say why you ask to restrict the use of your data."),
    ),
    "a revocation carries no new directives": (
        "",
        N_("To revoke your directives, leave the other fields about directives empty."),
    ),
    "directives name the trusted person, their email and the wish": (
        "",
        N_("Name the person who carries out your directives, their email address and what should happen to your data."),
    ),
    "directives carried out as written need the instructions": (
        "directive.instructions",
        N_("Write the instructions to follow."),
    ),
    "the date of death is in the future": ("death.died_on", N_("The date of death cannot be in the future.")),
    "not offered here": ("", N_("This is not offered here.")),
    "your own email address": ("", N_("This is your own email address: give that of the other person.")),
    "not an activity one can object to": ("", N_("You cannot object to this activity.")),
    "wrong code; {n} attempts left": ("", N_("This is the wrong code. Tries left: %(n)s.")),
    "no code was sent for this request; ask for one": ("", N_("No code was sent for this request: ask for one.")),
    "too many wrong codes; ask for a new code": ("", N_("Too many wrong codes: ask for a new code.")),
    "this code has expired; ask for a new code": ("", N_("This code has expired: ask for a new code.")),
    "no more codes can be sent for this request; please submit it again": (
        "",
        N_("We can send no more codes for this request: please send your request again."),
    ),
    "a code was sent a moment ago; please wait before asking again": (
        "",
        N_("A code was sent a moment ago: please wait a minute before asking for another."),
    ),
    "a death has been notified for this email address: its directives can no longer change": (
        "",
        N_("A death has been notified for this email address: its directives can no longer change."),
    ),
    "other directives were being recorded at the same moment: please try again": (
        "",
        N_("Other directives were being recorded at the same moment: please try again."),
    ),
}
# Anything else, by the kind of error.
KIND_PROBLEMS: list[tuple[type[PrivacyError], str]] = [
    (TooManyRequests, N_("Too many tries: please wait a few minutes and try again.")),
    (NotFound, N_("We know of no request with this reference.")),
]
NUMBER = re.compile(r"\d+")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with what the person sent, in their language: the form's field it concerns
    (its id and label; none for the whole form) and what to do."""

    field: str
    label: str
    message: str


def problems_in(error: Exception, language: str) -> list[Problem]:
    if isinstance(error, ValidationError):
        return [_input_problem(item, language) for item in error.errors()]
    if isinstance(error, PrivacyError):
        said = [(item.path, item.message) for item in error.errors] or [("", error.detail)]
        return [_service_problem(path, words, error, language) for path, words in said]
    return [_problem("", GENERIC, language)]


def _input_problem(item: ErrorDetails, language: str) -> Problem:
    path = error_path(item["loc"])
    if item["type"] == "value_error":
        return _service_problem(path, str(item["msg"]).removeprefix("Value error, "), None, language)
    if item["type"] == "string_pattern_mismatch":
        return _problem(path, PATTERN_PROBLEMS.get(_field(path)[0], GENERIC), language)
    limit = item.get("ctx", {}).get("max_length", "")
    return _problem(path, INPUT_PROBLEMS.get(item["type"], GENERIC), language, n=str(limit))


def _service_problem(path: str, words: str, error: PrivacyError | None, language: str) -> Problem:
    known = SERVICE_PROBLEMS.get(NUMBER.sub("{n}", words))
    if known is None:
        message = next((message for kind, message in KIND_PROBLEMS if isinstance(error, kind)), GENERIC)
        return _problem(path, message, language)
    where, message = known
    return _problem(path or where, message, language, n=next(iter(NUMBER.findall(words)), ""))


def _problem(path: str, message: str, language: str, **values: str) -> Problem:
    field, label = _field(path)
    return Problem(field, gettext(language, label) if label else "", gettext(language, message) % values)


def _field(path: str) -> tuple[str, str]:
    """The form's field a path names (`corrections[2].value`: the corrections), and its label."""
    parts = re.sub(r"\[\d+\]", "", path).split(".")
    for end in range(len(parts), 0, -1):
        if found := FIELDS.get(".".join(parts[:end])):
            return found
    return "", ""
