"""What every public page shares (the notice, the cookie policy, the sub-processors and the
privacy centre): the organisation's name, logo and accent colour, the navigation between the
pages, and the language, negotiated among the languages the organisation publishes.

Pages extend `public.html` and add `public_context(...)` to their own context; the accent colour
comes from `/privacy/brand.css` (the register's)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode

from litestar import Request
from litestar.response import Template

from privacy.errors import Problem
from privacy.i18n import LANGUAGES, N_, SOURCE_LANGUAGE, Negotiated, duration_words, language_name, negotiate, say


@dataclass(frozen=True)
class Place:
    path: str
    label: str  # a catalogue message id


PLACES = (
    Place("/privacy", N_("Privacy notice")),
    Place("/privacy/cookies", N_("Cookies")),
    Place("/privacy/subprocessors", N_("Sub-processors")),
    Place("/privacy/requests", N_("Your data")),
)


class Publisher(Protocol):
    """The organisation, as far as the layout needs it (the register's `OrganisationProfile`)."""

    @property
    def languages(self) -> Sequence[str]: ...

    @property
    def default_language(self) -> str: ...


def public_context(
    request: Request[Any, Any, Any],
    organisation: Publisher | None,
    *,
    lang: str | None,
    published: list[str] | None = None,
) -> dict[str, Any]:
    """The layout's variables. `lang` is `?lang=`; `published` narrows the organisation's
    languages to those a page has (the cookie policy's set-up may have fewer)."""
    offered = list(organisation.languages) if organisation else list(LANGUAGES)
    if published is not None:
        offered = [code for code in offered if code in published] or published
    default = organisation.default_language if organisation else SOURCE_LANGUAGE
    if default not in offered:
        default = offered[0]
    chosen: Negotiated = negotiate(lang, request.headers.get("accept-language"), published=offered, default=default)
    return {
        "organisation": organisation,
        "language": chosen.language,
        "default_language": default,
        "language_note": chosen.note(),
        "language_links": [
            (code, language_name(code, in_language=code), _with_language(request, code)) for code in offered
        ],
        "language_names": {code: language_name(code, in_language=chosen.language) for code in LANGUAGES},
        "places": [(place, request.url.path == place.path) for place in PLACES],
        "base_url": request.app.state.settings.public_url.rstrip("/"),
    }


def _with_language(request: Request[Any, Any, Any], language: str) -> str:
    """This page's address in `language`, its other query parameters kept."""
    query = [(key, value) for key, value in request.query_params.items() if key != "lang"]
    return f"{request.url.path}?{urlencode([*query, ('lang', language)])}"


# What a visitor is told when a public page cannot answer; the problem's own detail is for programs.
PROBLEMS = {
    404: N_("This page does not exist. The links above lead to our privacy pages."),
    429: N_("Too many requests came from your connection. Please try again in %(wait)s."),
}
OTHER_PROBLEM = N_("Your request could not be handled. Please go back and check what you entered.")
OUR_PROBLEM = N_("Something went wrong on our side. Please try again later.")


def problem_page(request: Request[Any, Any, Any], problem: Problem, headers: Mapping[str, str]) -> Template:
    """A public page's refusal as a page in the visitor's language (no organisation is read here:
    the languages offered are the toolkit's)."""
    shared = public_context(request, None, lang=request.query_params.get("lang"))
    language = shared["language"]
    message = PROBLEMS.get(problem.status, OUR_PROBLEM if problem.status >= 500 else OTHER_PROBLEM)
    wait = duration_words(f"PT{headers.get('retry-after', '60')}S", language)
    return Template(
        template_name="public_problem.html",
        status_code=problem.status,
        headers=dict(headers),
        context={
            **shared,
            "message": say(language, message, wait=wait) if "%(wait)s" in message else say(language, message),
        },
    )
