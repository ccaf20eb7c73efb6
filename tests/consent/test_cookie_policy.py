"""The public cookie policy: on the public pages' layout, in the visitor's language, with the rule
for each region said in words from the set-up's regimes."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from privacy.settings import Settings
from tests.conftest import app_with_demo, client_of
from tests.consent.conftest import Client

ISO_DURATION = re.compile(r"\bP(?:\d+[YMWD])+(?:T\d+[HMS])?\b|\bPT\d+[HMS]\b")
SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
REGEX_SIGNS = ("^", "\\", "(?", ".*", "$")


def words(html: str) -> str:
    """The page as a person reads it."""
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<(head|script|style)\b.*?</\1>", " ", html, flags=re.S))
    return re.sub(r"[ \t\r\n]+", " ", text.replace("&#39;", "'").replace("&amp;", "&")).strip()  # keeps U+00A0


async def policy_words(visitor: Client, **query: str) -> str:
    page = await visitor.get("/privacy/cookies", params=query)
    assert page.status_code == 200, page.text
    return words(page.text)


def with_regimes(**regimes: Any) -> Callable[[Any], Any]:
    """The demo with its consent set-up's regimes changed."""

    def adjust(demo: Any) -> Any:
        changed = demo.consent.regimes.model_validate({**demo.consent.regimes.model_dump(), **regimes})
        return demo.model_copy(update={"consent": demo.consent.model_copy(update={"regimes": changed})})

    return adjust


async def rule_under(settings: Settings, **regimes: Any) -> str:
    async with client_of(await app_with_demo(settings, with_regimes(**regimes))) as visitor:
        return await policy_words(visitor, lang="en")


async def test_the_policy_reads_in_french_with_the_set_ups_own_labels(visitor: Client) -> None:
    page = await policy_words(visitor, site="www", lang="fr")
    for text in (
        "Politique relative aux cookies",
        "Nordlicht Hosting GmbH utilise les cookies et technologies similaires ci-dessous. Ceux qui sont",
        "Version de la politique\u00a0: 2026-11.",
        "Strictement nécessaires",  # the set-up's labels in French
        "Mesure d'audience",
        "Services et cookies\u00a0: Publicité",
        "Finalité",
        "Déposé par",
        "noms commençant par _pk_id.",
        "ce site",
        "Là où les règles le permettent (France), cette mesure d'audience fonctionne sans consentement",
        "au plus 13\u00a0mois",
        "Dans les pays et régions suivants, nous vous demandons votre accord",
        "Espace économique européen",
    ):
        assert text in page, text
    for english in ("Cookie policy", "Policy version", "Set by", "this website", "names starting with"):
        assert english not in page, english


async def test_the_policy_reads_in_german_with_the_set_ups_own_labels(visitor: Client) -> None:
    page = await policy_words(visitor, lang="de")
    for text in (
        "Cookie-Richtlinie",
        "Unbedingt erforderlich",
        "Statistik",
        "Werbung",
        "Dienste und Cookies: Werbung",
        "Gesetzt von",
        "Europäischer Wirtschaftsraum, Schweiz und Vereinigtes Königreich",
        "Anderswo werden diese Cookies gesetzt, sofern Sie nicht widersprechen.",
        "(Frankreich)",
    ):
        assert text in page, text
    assert "Datenschutzerklärung" in page, "the vendor's privacy policy link, in German"


async def test_without_a_site_the_policy_is_the_first_sites_and_an_unknown_site_is_not_found(
    visitor: Client,
) -> None:
    page = await visitor.get("/privacy/cookies")
    assert page.status_code == 200
    assert "Matomo (hosted by us)" in words(page.text)
    assert 'href="/privacy/cookies?lang=en" aria-current="page"' in page.text, "the layout's navigation"
    unknown = await visitor.get("/privacy/cookies", params={"site": "shop"})
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")


async def test_a_language_without_texts_shows_the_default_with_a_note(visitor: Client) -> None:
    # Spanish is one of the organisation's languages, but the consent set-up has no texts in it.
    spanish = await visitor.get("/privacy/cookies", params={"lang": "es"})
    assert '<html lang="en">' in spanish.text
    assert "Esta página no está publicada en español" in words(spanish.text)
    assert "Cookie policy" in words(spanish.text)
    assert 'hreflang="es"' not in spanish.text, "only the languages the policy has are offered"
    italian = await visitor.get("/privacy/cookies", params={"lang": "it"})
    # Italian is none of the toolkit's languages: the note is in the language shown.
    assert "This page is not published in Italian; it is shown in English." in words(italian.text)


async def test_no_iso_duration_pattern_or_internal_key_is_shown(visitor: Client) -> None:
    for language in ("en", "fr", "de", "nl"):
        page = await policy_words(visitor, lang=language)
        assert not ISO_DURATION.search(page), (language, ISO_DURATION.search(page))
        assert not SNAKE_CASE.search(page), (language, SNAKE_CASE.search(page))
        assert not [sign for sign in REGEX_SIGNS if sign in page], language
        assert "%(" not in page, language


async def test_the_demo_asks_in_europe_and_lets_gpc_object_to_advertising(visitor: Client) -> None:
    page = await policy_words(visitor, lang="en")
    assert (
        "In the following countries and regions, we ask before setting any cookie that is not strictly necessary: "
        "European Economic Area, Switzerland, and United Kingdom. "
        "Elsewhere, these cookies are set unless you object. "
        "When we cannot tell where you are, we ask first. "
        "Where these cookies are set unless you object, those in the following categories are not set when your "
        "browser sends a Global Privacy Control signal: Advertising."
    ) in page


async def test_the_regional_rule_follows_the_regimes(consent_settings: Settings) -> None:
    asked_everywhere = await rule_under(consent_settings, default="opt_in")
    assert "We ask before setting any cookie that is not strictly necessary, wherever you are." in asked_everywhere
    assert "Global Privacy Control" not in asked_everywhere, "no place where a signal would matter"

    california = await rule_under(consent_settings, default="opt_in", opt_out=["US"], opt_in_regions=["US-CA"])
    assert (
        "In the following countries and regions, cookies that are not strictly necessary are set unless you "
        "object: United States (except California). Everywhere else, we ask before setting them."
    ) in california

    quebec = await rule_under(consent_settings, opt_in=["DE"], opt_in_regions=["CA-QC"], opt_out_regions=["DE-BY"])
    assert "not strictly necessary: Germany (except Bavaria) and Quebec (Canada)." in quebec
    assert "European Economic Area" not in quebec

    nowhere = await rule_under(consent_settings, opt_in=[])
    assert "Cookies that are not strictly necessary are set unless you object." in nowhere
    assert "we ask before setting any cookie" not in nowhere


async def test_the_regional_rule_names_places_in_the_pages_language(consent_settings: Settings) -> None:
    regimes = with_regimes(default="opt_in", opt_out=["US"], opt_in_regions=["US-CA"])
    async with client_of(await app_with_demo(consent_settings, regimes)) as visitor:
        german = await policy_words(visitor, lang="de")
    assert "Vereinigte Staaten (außer Kalifornien)" in german
    assert "Überall sonst fragen wir Sie, bevor wir sie setzen." in german
