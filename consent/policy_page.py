"""The public cookie policy at /privacy/cookies: the set-up's categories, services and cookies in
the visitor's language on the public pages' layout, and where consent is asked first, said in
words from the set-up's regimes (as `decisions.regime_for` applies them)."""

from __future__ import annotations

from typing import Annotated, Any

from babel.lists import format_list
from litestar import Request, get
from litestar.params import QueryParameter
from litestar.response import Template

from consent import decisions
from consent.decisions import LoadedSetup
from consent.exemption import COOKIE_MONTHS, DATA_MONTHS
from consent.rule_words import cookie_rule, rule_in_words
from privacy.i18n import country_name, duration_words
from privacy.public import public_context
from privacy.register import service as register
from privacy.web import DbSession

SiteKey = Annotated[
    str | None,
    QueryParameter(pattern=r"^[a-z0-9][a-z0-9_-]{0,99}$", max_length=100, description="a site; the first by default"),
]
Language = Annotated[str | None, QueryParameter(pattern=r"^[a-z]{2}$")]


@get(
    "/privacy/cookies",
    tags=["consent"],
    summary="The cookie policy, generated from the set-up",
    include_in_schema=False,
)
async def cookie_policy(
    request: Request[Any, Any, Any], db_session: DbSession, site: SiteKey = None, lang: Language = None
) -> Template:
    current: LoadedSetup = request.app.state.consent_cache.require()
    # Every site shares the set-up, so one policy serves them all (none named: the first's); a
    # site named must exist.
    if site is not None:
        decisions.site_of(current, site)
    shared = public_context(
        request, await register.get_organisation(db_session), lang=lang, published=list(current.setup.texts)
    )
    return Template(template_name="consent/cookies.html", context={**shared, **policy(current, shared["language"])})


def policy(current: LoadedSetup, language: str) -> dict[str, Any]:
    """What the page shows of the set-up, in `language` (one the set-up has texts in)."""
    categories: list[dict[str, Any]] = current.texts[language]["categories"]
    exempt_in = current.setup.regimes.exempt_measurement
    return {
        "setup": current.setup,
        "categories": categories,
        "name_prefixes": {c.name: c.name_prefix() for s in current.setup.services for c in s.cookies if c.pattern},
        "exempt": current.declared.exempt,
        "exempt_countries": format_list([country_name(code, language) for code in exempt_in], locale=language)
        if exempt_in
        else "",
        "exempt_limits": {
            "cookies": duration_words(f"P{COOKIE_MONTHS}M", language),
            "data": duration_words(f"P{DATA_MONTHS}M", language),
        },
        "regional_rule": rule_in_words(cookie_rule(current), language, {c["key"]: c["label"] for c in categories}),
    }
