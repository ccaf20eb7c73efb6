"""The languages people read the toolkit in: gettext catalogues (Babel), one per language under
`privacy/locales/<language>/LC_MESSAGES/messages.po`, whose message ids are the English text.

Templates say `{{ _("Your rights") }}` (Jinja's i18n extension, new style: `%(name)s` placeholders
are filled from keyword arguments and escaped); the language is the template's `language`
variable. Words chosen in code (a lawful basis, a safeguard) are marked with `N_` where they are
defined and translated where they are shown. `tests/privacy/test_i18n.py` fails when a catalogue
misses a message a template or module uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

import isodate
from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from babel.units import format_unit
from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

LANGUAGES = ("en", "fr", "de", "nl", "es")  # ISO 639-1; English is the language of the message ids
SOURCE_LANGUAGE = "en"
LOCALES = Path(__file__).parent / "locales"


def N_(message: str) -> str:  # noqa: N802 - the name gettext's tools look for
    """Marks `message` for the catalogues; it is translated where it is shown."""
    return message


UNAVAILABLE = N_("This page is not published in %(requested)s; it is shown in %(shown)s.")


def catalogue_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / "messages.po"


@cache
def translations(language: str) -> Translations:
    """The language's catalogue, compiled in memory from its .po file (read once per process)."""
    with catalogue_path(language).open("rb") as source:
        catalogue = read_po(source, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled)


def gettext(language: str, message: str) -> str:
    return translations(language).gettext(message) if language in LANGUAGES else message


def say(language: str, message: str, **values: str) -> str:
    """`message` in `language`, its %(placeholders)s filled."""
    text = gettext(language, message)
    return text % values if values else text


def day_in_words(day: date | datetime | str, language: str) -> str:
    """A day (or its ISO 8601 text) as people write it: "December 5, 2026", "5 décembre 2026"."""
    shown = date.fromisoformat(day[:10]) if isinstance(day, str) else day.date() if isinstance(day, datetime) else day
    return format_date(shown, format="long", locale=language if language in LANGUAGES else SOURCE_LANGUAGE)


def language_name(language: str, *, in_language: str) -> str:
    """ "French", "Französisch", "français": from the CLDR data Babel carries."""
    return Locale.parse(language).get_display_name(in_language) or language


DURATION_UNITS = ("year", "month", "day", "hour", "minute", "second")


def duration_parts(duration: str) -> list[tuple[Decimal, str]]:
    """An ISO 8601 duration's non-zero amounts by unit, largest first (weeks counted in days)."""
    parsed = isodate.parse_duration(duration, as_timedelta_if_possible=False)
    seconds = parsed.tdelta.seconds
    amounts = [
        Decimal(str(parsed.years)),
        Decimal(str(parsed.months)),
        Decimal(parsed.tdelta.days),
        Decimal(seconds // 3600),
        Decimal(seconds % 3600 // 60),
        Decimal(seconds % 60),
    ]
    return [(amount, unit) for amount, unit in zip(amounts, DURATION_UNITS, strict=True) if amount]


def duration_words(duration: str, language: str = SOURCE_LANGUAGE) -> str:
    """`P1Y6M` as people read it: "1 year and 6 months", "1 an et 6 mois" (CLDR units and lists)."""
    words = [
        format_unit(amount, f"duration-{unit}", length="long", locale=language)
        for amount, unit in duration_parts(duration)
    ]
    return (
        format_list(words, locale=language) if words else format_unit(0, "duration-day", length="long", locale=language)
    )


@pass_context
def _duration_filter(context: Context, duration: str) -> str:
    return duration_words(duration, str(context.get("language") or SOURCE_LANGUAGE))


def country_name(code: str, language: str = SOURCE_LANGUAGE) -> str:
    """An ISO 3166-1 code as people read it, in their language: DE is "Germany", "Allemagne"."""
    return str(Locale.parse(language).territories.get(code.upper(), code))


@pass_context
def _country_filter(context: Context, code: str) -> str:
    return country_name(code, str(context.get("language") or SOURCE_LANGUAGE))


@pass_context
def _localised_filter(context: Context, text: str | dict[str, Any]) -> str:
    """A text in the reader's language: the organisation's own (`{"label", "labels": {language:
    text}}`) where it gives one, else the catalogue's translation of the English label."""
    language = str(context.get("language") or SOURCE_LANGUAGE)
    if isinstance(text, dict):
        return str(text.get("labels", {}).get(language) or gettext(language, str(text.get("label", ""))))
    return gettext(language, text)


@pass_context
def _colon_filter(context: Context, label: str) -> Markup:
    """ "Address:"; French sets a non-breaking space before a colon (typographie française)."""
    return escape(label) + ("\u00a0:" if context.get("language") == "fr" else ":")


@pass_context
def _day_filter(context: Context, day: date | datetime | str) -> str:
    return day_in_words(day, str(context.get("language") or SOURCE_LANGUAGE))


@pass_context
def _template_gettext(context: Context, message: str) -> str:
    return gettext(str(context.get("language") or SOURCE_LANGUAGE), message)


@pass_context
def _template_ngettext(context: Context, singular: str, plural: str, count: int) -> str:
    language = str(context.get("language") or SOURCE_LANGUAGE)
    if language not in LANGUAGES:
        return singular if count == 1 else plural
    return translations(language).ngettext(singular, plural, count)


def install(environment: Environment) -> None:
    """`_`, `gettext`, `ngettext` and the `duration`, `country`, `localised`, `colon` and `day`
    filters in every template, in the template's `language`."""
    environment.add_extension("jinja2.ext.i18n")
    environment.filters["duration"] = _duration_filter
    environment.filters["country"] = _country_filter
    environment.filters["localised"] = _localised_filter
    environment.filters["colon"] = _colon_filter
    environment.filters["day"] = _day_filter
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        _template_gettext, _template_ngettext, newstyle=True
    )


@dataclass(frozen=True)
class Negotiated:
    """The language a page is shown in, and the one the person asked for when it is not published
    (the page says so, in the language asked for when the toolkit has it)."""

    language: str
    unavailable: str | None = None

    def note(self) -> str | None:
        if self.unavailable is None:
            return None
        asked = self.unavailable if self.unavailable in LANGUAGES else self.language
        message = gettext(asked, UNAVAILABLE)
        names = {
            "requested": language_name(self.unavailable, in_language=asked),
            "shown": language_name(self.language, in_language=asked),
        }
        return message % names


def negotiate(asked: str | None, accept_language: str | None, *, published: Any, default: str) -> Negotiated:
    """`?lang=` first, then the browser's `Accept-Language`, among the `published` languages;
    the organisation's `default` otherwise. A language asked for and not published is named."""
    offered = [language for language in published if language in LANGUAGES] or [default]
    if asked:
        code = asked.strip().lower()[:2]
        return Negotiated(code) if code in offered else Negotiated(default, unavailable=_known(code))
    wanted = _accepted(accept_language or "")
    for code in wanted:
        if code in offered:
            return Negotiated(code)
    first = wanted[0] if wanted else None
    return Negotiated(default, unavailable=_known(first) if first and first != default else None)


def _accepted(header: str) -> list[str]:
    """The languages of an Accept-Language header, most wanted first (RFC 9110 section 12.5.4)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, _, parameters = part.strip().partition(";")
        weight = 1.0
        if parameters.strip().startswith("q="):
            try:
                weight = float(parameters.strip()[2:])
            except ValueError:
                continue
        code = tag.strip().lower()[:2]
        if weight > 0 and len(code) == 2 and code.isalpha():
            ranked.append((-weight, position, code))
    return list(dict.fromkeys(code for _, _, code in sorted(ranked)))


def _known(code: str | None) -> str | None:
    """A language Babel can name; anything else is not worth a note."""
    if not code:
        return None
    try:
        Locale.parse(code)
    except (ValueError, LookupError, UnknownLocaleError):
        return None
    return code
