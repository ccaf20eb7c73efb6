"""Consent-exempt audience measurement. CNIL guidelines of 17 September 2020 (deliberation
2020-091), art. 5 §§50-52, and recommendation 2020-092: audience measurement may run without
consent when it serves the site alone (first party), produces aggregated statistics only, does
not follow visitors across sites or apps, its cookies last at most 13 months and what it collects
is kept at most 25 months. A set-up marking a category exempt declares each of these of every
service in it, and is refused where one is not met or not declared."""

from __future__ import annotations

import re

from consent.declarations import AD_SIGNALS, signals_of
from consent.schemas import Category, ConsentSetup, Cookie, Service
from privacy.errors import FieldError

COOKIE_MONTHS = 13
DATA_MONTHS = 25
DAYS_IN: dict[str, float] = {
    "minute": 1 / 1440,
    "hour": 1 / 24,
    "day": 1,
    "week": 7,
    "month": 365.25 / 12,
    "year": 365.25,
}
DURATION = re.compile(r"(\d{1,4}) +(minute|hour|day|week|month|year)s?")


def lifetime_in_days(duration: str) -> float | None:
    """How long a cookie lasts as its set-up writes it (`13 months`, `30 minutes`, `session`);
    None when written otherwise."""
    text = duration.strip().lower()
    if text == "session":
        return 0
    found = DURATION.fullmatch(text)
    return int(found[1]) * DAYS_IN[found[2]] if found else None


def exemption_problems(setup: ConsentSetup) -> list[FieldError]:
    problems: list[FieldError] = []
    for index, category in enumerate(setup.categories):
        if category.exempt:
            problems += _category_problems(setup, category, f"categories[{index}]")
    if any(category.exempt for category in setup.categories):
        problems += [
            FieldError(
                f"texts.{language}.exempt",
                "needed while a category is exempt: the banner says with it that it runs without consent",
            )
            for language, texts in setup.texts.items()
            if texts.exempt is None
        ]
    return problems


def _category_problems(setup: ConsentSetup, category: Category, path: str) -> list[FieldError]:
    problems: list[FieldError] = []
    advertising = sorted(AD_SIGNALS.intersection(signals_of(category)))
    if advertising:
        problems.append(
            FieldError(
                f"{path}.consent_mode", f"exempt audience measurement grants no ad signal ({', '.join(advertising)})"
            )
        )
    services = [(index, service) for index, service in enumerate(setup.services) if service.category == category.key]
    if not services:
        problems.append(
            FieldError(
                f"{path}.exempt",
                "name the services that measure the audience (under services), so that the conditions of the "
                "exemption can be checked",
            )
        )
    for index, service in services:
        problems += _service_problems(service, f"services[{index}]")
    return problems


def _service_problems(service: Service, path: str) -> list[FieldError]:
    exempt = f"'{service.key}' is in an exempt category, so"
    checks = [
        (service.first_party is True, "first_party", "it must serve this site alone: declare first_party: true"),
        (
            service.aggregated_only is True,
            "aggregated_only",
            "it must produce aggregated statistics only: declare aggregated_only: true",
        ),
        (
            service.cross_site is False,
            "cross_site",
            "it must not follow visitors across other sites or apps: declare cross_site: false",
        ),
        (
            service.retention_months is not None and service.retention_months <= DATA_MONTHS,
            "retention_months",
            f"it must keep what it collects {DATA_MONTHS} months at most: declare retention_months, {DATA_MONTHS} "
            "or fewer",
        ),
    ]
    problems = [FieldError(f"{path}.{name}", f"{exempt} {needed}") for met, name, needed in checks if not met]
    for index, cookie in enumerate(service.cookies):
        problems += _cookie_problems(cookie, f"{path}.cookies[{index}]", exempt=exempt)
    return problems


def _cookie_problems(cookie: Cookie, path: str, *, exempt: str) -> list[FieldError]:
    problems = []
    if cookie.party != "first":
        problems.append(FieldError(f"{path}.party", f"{exempt} its cookies must be first-party"))
    days = lifetime_in_days(cookie.duration)
    if days is None:
        problems.append(
            FieldError(
                f"{path}.duration",
                f"{exempt} write how long this cookie lasts as a number and a unit, such as 13 months or 30 minutes, "
                f"or session, so that it can be checked against the {COOKIE_MONTHS} months allowed",
            )
        )
    elif days > COOKIE_MONTHS * DAYS_IN["month"]:
        problems.append(
            FieldError(
                f"{path}.duration",
                f"{exempt} its cookies must last {COOKIE_MONTHS} months at most, not {cookie.duration}",
            )
        )
    return problems
