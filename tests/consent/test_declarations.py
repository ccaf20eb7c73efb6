"""What consent categories declare they mean: the Consent Mode signals each grants, whether the
privacy signal opts out of it, and exempt audience measurement, which runs without consent where
the rules allow it once its services meet the conditions."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from consent import decisions
from consent.exemption import lifetime_in_days
from consent.receipts import sign_receipt
from consent.schemas import ConsentSetup, Jurisdiction, Regime
from consent.setup import check_setup
from privacy.errors import Invalid
from privacy.keys import Keyring

KEYRING = Keyring(b"k" * 32)
NOW = datetime(2026, 11, 22, tzinfo=UTC)
TEXTS = {"title": "t", "body": "b", "accept_all": "a", "reject_all": "r", "customise": "c", "save": "s"}
STATS = {
    "key": "stats",
    "category": "analytics",
    "vendor": "Us",
    "purpose": "Counting visits.",
    "cookies": [{"name": "_id", "duration": "13 months"}],
}
# A set-up as written before categories declared what they mean.
BEFORE_DECLARATIONS: dict[str, Any] = {
    "policy_version": "1",
    "sites": [{"key": "www"}],
    "categories": [
        {"key": "necessary", "labels": {"en": "Necessary"}},
        {"key": "analytics", "labels": {"en": "Analytics"}},
    ],
    "services": [STATS],
    "texts": {"en": TEXTS},
}
# Its banner text hash as receipts carry it, computed before the declarations existed.
HASH_BEFORE_DECLARATIONS = "7a45a2114a34272c5b39d327ee6037bf11b308828c6a7a01fdeadb6d7d88d62b"
MEASURED = {"first_party": True, "aggregated_only": True, "cross_site": False, "retention_months": 25}


def setup_of(document: dict[str, Any], **changes: Any) -> ConsentSetup:
    return ConsentSetup.model_validate({**copy.deepcopy(document), **changes})


def category(key: str, **declared: Any) -> dict[str, Any]:
    return {"key": key, "labels": {"en": key.title()}, **declared}


def where(country: str, regime: Regime, region: str | None = None) -> Jurisdiction:
    return Jurisdiction(country=country, region=region, regime=regime, source="cdn")


def decide(setup: ConsentSetup, place: Jurisdiction, *, gpc: bool = False) -> decisions.Verdict:
    current = decisions.in_memory(setup, revision=1, etag="a")
    return decisions.decide(current, site_key="www", where=place, gpc=gpc, receipt=None, keyring=KEYRING, now=NOW)


def signals_granted(setup: ConsentSetup, verdict: decisions.Verdict) -> set[str]:
    current = decisions.in_memory(setup, revision=1, etag="a")
    mode = decisions.consent_mode(current.declared, verdict.consent)
    return {signal for signal, state in mode.items() if state == "granted"}


def problems_of(setup: ConsentSetup) -> dict[str, str]:
    with pytest.raises(Invalid) as refused:
        check_setup(setup)
    return {error.path: error.message for error in refused.value.errors}


def test_signals_and_the_privacy_signal_follow_the_declarations_not_the_keys() -> None:
    setup = setup_of(
        BEFORE_DECLARATIONS,
        categories=[
            category("necessary"),
            category("stats", consent_mode=["analytics_storage"]),
            category("marketing", consent_mode=["ad_storage", "ad_user_data"]),
            category("personalised", consent_mode=["ad_personalization"], gpc_opt_out=False),
            category("sharing", gpc_opt_out=True),
        ],
        services=[],
    )
    check_setup(setup)
    california = decide(setup, where("US", Regime.OPT_OUT, "CA"), gpc=True)
    # A category granting an ad signal follows the privacy signal unless it says otherwise.
    assert california.consent == {
        "necessary": True,
        "stats": True,
        "marketing": False,
        "personalised": True,
        "sharing": False,
    }
    assert signals_granted(setup, california) == {"security_storage", "analytics_storage", "ad_personalization"}
    assert decide(setup, where("US", Regime.OPT_OUT, "CA")).consent["marketing"] is True


def test_a_setup_without_declarations_keeps_its_meaning_and_its_hash() -> None:
    setup = setup_of(BEFORE_DECLARATIONS)
    check_setup(setup)
    assert decisions.banner_text_hash(setup) == HASH_BEFORE_DECLARATIONS  # an upgrade asks nobody again
    germany = decide(setup, where("DE", Regime.OPT_IN))
    assert germany.consent == {"necessary": True, "analytics": False}  # no invented advertising entry
    assert signals_granted(setup, germany) == {"security_storage"}
    japan = decide(setup, where("JP", Regime.OPT_OUT), gpc=True)
    assert japan.consent == {"necessary": True, "analytics": True}
    assert signals_granted(setup, japan) == {"security_storage", "analytics_storage"}
    with_ads = setup_of(BEFORE_DECLARATIONS, categories=[*BEFORE_DECLARATIONS["categories"], category("advertising")])
    california = decide(with_ads, where("US", Regime.OPT_OUT, "CA"), gpc=True)
    assert california.consent["advertising"] is False and california.consent["analytics"] is True
    assert "ad_storage" not in signals_granted(with_ads, california)


def test_a_signal_granted_by_two_categories_or_by_necessary_is_refused() -> None:
    twice = setup_of(
        BEFORE_DECLARATIONS,
        categories=[
            category("necessary", consent_mode=["security_storage", "ad_storage"], gpc_opt_out=True),
            category("analytics"),
            category("stats", consent_mode=["analytics_storage"]),
        ],
    )
    assert problems_of(twice) == {
        "categories[0].consent_mode": "the necessary category is always on, so it cannot grant ad_storage, "
        "which needs consent",
        "categories[0].gpc_opt_out": "the necessary category always runs: a privacy signal cannot turn it off",
        "categories[2].consent_mode": "analytics_storage is already granted by 'analytics' (because of its key; "
        "declare its consent_mode to change that): each Consent Mode signal is granted by one category",
    }


def exempt_setup(**service: Any) -> ConsentSetup:
    return setup_of(
        BEFORE_DECLARATIONS,
        categories=[category("necessary"), category("analytics", exempt=True), category("advertising")],
        services=[{**STATS, **MEASURED, **service}],
        texts={"en": {**TEXTS, "exempt": "No consent needed here."}},
    )


def test_exempt_measurement_runs_without_consent_where_the_rules_allow_it() -> None:
    setup = exempt_setup()
    check_setup(setup)
    france = decide(setup, where("FR", Regime.OPT_IN))
    assert france.consent == {"necessary": True, "analytics": True, "advertising": False}
    assert france.exempt == ("analytics",) and france.show_banner is True  # advertising still asks
    assert "analytics_storage" in signals_granted(setup, france)
    germany = decide(setup, where("DE", Regime.OPT_IN))
    assert germany.consent["analytics"] is False and germany.exempt == ()
    listed = setup_of(setup.model_dump(), regimes={"exempt_measurement": ["FR", "DE"]})
    assert decide(listed, where("DE", Regime.OPT_IN)).consent["analytics"] is True


def test_a_refusal_does_not_stop_exempt_measurement_and_a_site_measuring_only_shows_no_banner() -> None:
    setup = exempt_setup()
    current = decisions.in_memory(setup, revision=1, etag="a")
    claims = {"site": "www", "pv": "1", "th": current.text_hash, "granted": ["necessary"], "exp": 2_000_000_000}
    refused = decisions.decide(
        current,
        site_key="www",
        where=where("FR", Regime.OPT_IN),
        gpc=False,
        receipt=sign_receipt(KEYRING, claims),
        keyring=KEYRING,
        now=NOW,
    )
    assert refused.consent == {"necessary": True, "analytics": True, "advertising": False}
    measuring_only = setup_of(
        setup.model_dump(), categories=[category("necessary"), category("analytics", exempt=True)]
    )
    assert decide(measuring_only, where("FR", Regime.OPT_IN)).show_banner is False
    assert decide(measuring_only, where("BE", Regime.OPT_IN)).show_banner is True


def test_exempt_measurement_breaking_a_condition_is_refused_where_it_does() -> None:
    assert problems_of(
        exempt_setup(
            first_party=None,
            aggregated_only=False,
            cross_site=True,
            retention_months=26,
            cookies=[
                {"name": "_id", "duration": "2 years"},
                {"name": "_ses", "duration": "about a month"},
                {"name": "_x", "duration": "30 minutes", "party": "third"},
            ],
        ),
    ) == {
        "services[0].first_party": "'stats' is in an exempt category, so it must serve this site alone: declare "
        "first_party: true",
        "services[0].aggregated_only": "'stats' is in an exempt category, so it must produce aggregated statistics "
        "only: declare aggregated_only: true",
        "services[0].cross_site": "'stats' is in an exempt category, so it must not follow visitors across other "
        "sites or apps: declare cross_site: false",
        "services[0].retention_months": "'stats' is in an exempt category, so it must keep what it collects 25 "
        "months at most: declare retention_months, 25 or fewer",
        "services[0].cookies[0].duration": "'stats' is in an exempt category, so its cookies must last 13 months at "
        "most, not 2 years",
        "services[0].cookies[1].duration": "'stats' is in an exempt category, so write how long this cookie lasts as "
        "a number and a unit, such as 13 months or 30 minutes, or session, so that it can be checked against the 13 "
        "months allowed",
        "services[0].cookies[2].party": "'stats' is in an exempt category, so its cookies must be first-party",
    }


def test_exempt_measurement_needs_services_its_words_and_no_ad_signal() -> None:
    setup = setup_of(
        exempt_setup().model_dump(),
        categories=[category("necessary"), category("analytics", exempt=True, consent_mode=["ad_storage"])],
        services=[],
        texts={"en": TEXTS, "fr": TEXTS},
    )
    assert set(problems_of(setup)) == {
        "categories[1].consent_mode",
        "categories[1].exempt",
        "texts.en.exempt",
        "texts.fr.exempt",
    }


@pytest.mark.parametrize(
    ("duration", "days"),
    [("session", 0), ("13 months", 395.6875), ("1 year", 365.25), ("30 Minutes", 30 / 1440), ("13 month", 395.6875)],
)
def test_cookie_lifetimes_are_read_from_their_durations(duration: str, days: float) -> None:
    assert lifetime_in_days(duration) == pytest.approx(days)


def test_unreadable_durations_are_not_guessed() -> None:
    assert lifetime_in_days("13 Monate") is None
    assert lifetime_in_days("1y") is None


async def test_the_admin_api_refuses_a_broken_exemption_with_paths_and_saves_nothing(
    client: AsyncTestClient[Litestar], admin: dict[str, str]
) -> None:
    broken = exempt_setup(cross_site=None).model_dump(mode="json")
    answer = await client.put("/api/v1/admin/consent/setup", json=broken, headers=admin)
    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {
            "path": "services[0].cross_site",
            "message": "'stats' is in an exempt category, so it must not follow visitors across other sites or apps: "
            "declare cross_site: false",
        }
    ]
    assert (await client.get("/api/v1/admin/consent/setup", headers=admin)).status_code == 404
