"""The rule the cookie policy and the privacy notice state in words: where cookies that are not
strictly necessary wait for consent, where they are set until the visitor objects, and what a
browser's Global Privacy Control signal does there.

`cookie_rule` takes from the set-up what the words need, as plain data, so that a published notice
keeps the rule of its day; `rule_in_words` says it in a language."""

from __future__ import annotations

import functools
import unicodedata
from gettext import NullTranslations, translation
from typing import Any

import pycountry
from babel.lists import format_list

from consent.decisions import LoadedSetup
from consent.schemas import NECESSARY, Regime, Regimes
from privacy.countries import EEA
from privacy.i18n import N_, country_name, gettext, say

ASK_IN = N_(
    "In the following countries and regions, we ask before setting any cookie that is not strictly necessary: "
    "%(places)s."
)
SET_ELSEWHERE = N_("Elsewhere, these cookies are set unless you object.")
SET_EVERYWHERE = N_("Cookies that are not strictly necessary are set unless you object.")
UNKNOWN_PLACE = N_("When we cannot tell where you are, we ask first.")
SET_IN = N_(
    "In the following countries and regions, cookies that are not strictly necessary are set unless you object: "
    "%(places)s."
)
ASK_ELSEWHERE = N_("Everywhere else, we ask before setting them.")
ASK_EVERYWHERE = N_("We ask before setting any cookie that is not strictly necessary, wherever you are.")
GPC_ALL = N_(
    "Where these cookies are set unless you object, they are not set when your browser sends a "
    "Global Privacy Control signal."
)
GPC_SOME = N_(
    "Where these cookies are set unless you object, those in the following categories are not set when your "
    "browser sends a Global Privacy Control signal: %(categories)s."
)
EXCEPT = N_("%(place)s (except %(exceptions)s)")
EEA_NAME = N_("European Economic Area")


def cookie_rule(current: LoadedSetup) -> dict[str, Any]:
    optional = [key for key in current.categories if key != NECESSARY]
    return {
        "regimes": current.setup.regimes.model_dump(mode="json"),
        "optional": optional,
        "gpc_opt_out": [key for key in optional if key in current.declared.gpc_opt_out],
    }


def rule_in_words(rule: dict[str, Any], language: str, labels: dict[str, str]) -> list[str]:
    """The rule as sentences in `language`; `labels` name the categories in it."""
    regimes = Regimes.model_validate(rule["regimes"])
    said = functools.partial(say, language)
    if regimes.default is Regime.OPT_OUT:
        places = place_names(regimes, Regime.OPT_IN, language)
        where = [said(ASK_IN, places=places), said(SET_ELSEWHERE)] if places else [said(SET_EVERYWHERE)]
        return [*where, said(UNKNOWN_PLACE), *gpc_rule(rule, language, labels)]
    places = place_names(regimes, Regime.OPT_OUT, language)
    if not places:
        return [said(ASK_EVERYWHERE)]
    return [said(SET_IN, places=places), said(ASK_ELSEWHERE), *gpc_rule(rule, language, labels)]


def gpc_rule(rule: dict[str, Any], language: str, labels: dict[str, str]) -> list[str]:
    """In the opt-out regime a Global Privacy Control signal is an objection to the categories
    declared to follow it (`decisions.decide`); in the opt-in regime nothing runs unasked anyway."""
    optional, following = rule["optional"], rule["gpc_opt_out"]
    if not following:
        return []
    if following == optional:
        return [say(language, GPC_ALL)]
    return [
        say(language, GPC_SOME, categories=format_list([labels.get(key, key) for key in following], locale=language))
    ]


def place_names(regimes: Regimes, regime: Regime, language: str) -> str:
    """The places under `regime` (the one the default is not), in words: the countries listed,
    each with the regions listed under the default taken out, and the regions listed on their
    own; the European Economic Area named as one when it is listed whole. Empty when none."""
    countries, regions = _listed(regimes, regime)
    _, other_regions = _listed(regimes, regimes.default)
    exceptions = {country: [r for r in other_regions if r.startswith(f"{country}-")] for country in countries}
    whole = {country for country in countries if not exceptions[country]}
    grouped = EEA.issubset(whole)
    names = [
        _country_place(country, exceptions[country], language)
        for country in countries
        if not (grouped and country in EEA)
    ]
    names += [
        f"{region_name(region, language)} ({country_name(region[:2], language)})"
        for region in regions
        if region[:2] not in countries
    ]
    ordered = ([gettext(language, EEA_NAME)] if grouped else []) + sorted(names, key=_sort_key)
    return format_list(ordered, locale=language) if ordered else ""


def _listed(regimes: Regimes, regime: Regime) -> tuple[list[str], list[str]]:
    if regime is Regime.OPT_IN:
        return regimes.opt_in, regimes.opt_in_regions
    return regimes.opt_out, regimes.opt_out_regions


def _country_place(country: str, exceptions: list[str], language: str) -> str:
    name = country_name(country, language)
    if not exceptions:
        return name
    regions = sorted((region_name(code, language) for code in exceptions), key=_sort_key)
    return say(language, EXCEPT, place=name, exceptions=format_list(regions, locale=language))


def region_name(code: str, language: str) -> str:
    """An ISO 3166-2 code as people read it, in their language: US-CA is "California", "Kalifornien"."""
    name = _subdivision_names().get(code)
    if name is None:  # a well-formed code no country has: it can only be shown as written
        return code
    return _region_catalogue(language).gettext(name)


@functools.cache
def _subdivision_names() -> dict[str, str]:
    return {str(subdivision.code): str(subdivision.name) for subdivision in pycountry.subdivisions}


@functools.cache
def _region_catalogue(language: str) -> NullTranslations:
    return translation("iso3166-2", pycountry.LOCALES_DIR, languages=[language], fallback=True)


def _sort_key(name: str) -> str:
    """Österreich among the O's."""
    return unicodedata.normalize("NFKD", name).casefold()
