"""The decision a banner asks for: regime by location, the privacy signal, the standing choice and
what makes it stale (its lifetime, a new text, a new policy version)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib import resources

import pytest
from litestar import Litestar
from pydantic import ValidationError

from consent import decisions
from consent.receipts import sign_receipt
from consent.schemas import EARLIER_DEFAULT_US_STATES, ConsentSetup, Jurisdiction, Regime, Regimes
from privacy.composition import configuration
from privacy.errors import Forbidden, NotFound
from tests.consent.conftest import Client, decision, record


@pytest.mark.parametrize(
    ("country", "region", "regime"),
    [
        ("DE", "", "opt_in"),
        ("IS", "", "opt_in"),
        ("GB", "", "opt_in"),
        ("CH", "", "opt_in"),
        ("US", "CA", "opt_out"),
        ("US", "WY", "opt_out"),
        ("JP", "", "opt_out"),
    ],
)
async def test_regime_follows_the_trusted_cdn_location(visitor: Client, country: str, region: str, regime: str) -> None:
    body = await decision(visitor, {"cf-ipcountry": country, "cf-region-code": region})
    assert body["jurisdiction"] == {"country": country, "region": region or None, "regime": regime, "source": "cdn"}
    if regime == "opt_in":
        assert body["show_banner"] is True
        assert body["consent"] == {"necessary": True, "functional": False, "analytics": False, "advertising": False}
        assert body["consent_mode"]["ad_storage"] == "denied"
    else:
        assert body["consent"]["analytics"] is True


def with_regimes(**regimes: object) -> ConsentSetup:
    return demo_in_memory().setup.model_copy(update={"regimes": Regimes.model_validate(regimes)})


@pytest.mark.parametrize(
    ("regimes", "country", "region", "regime"),
    [
        ({"default": "opt_in"}, "US", "CA", Regime.OPT_IN),
        ({"default": "opt_in"}, "JP", None, Regime.OPT_IN),
        ({"default": "opt_in", "opt_out_regions": ["US-CA"]}, "US", "CA", Regime.OPT_OUT),
        ({"default": "opt_in", "opt_out_regions": ["US-CA"]}, "US", "TX", Regime.OPT_IN),
        ({"default": "opt_in", "opt_out": ["US"]}, "US", None, Regime.OPT_OUT),
        ({"default": "opt_in", "opt_out": ["US"], "opt_in_regions": ["us-ca"]}, "US", "CA", Regime.OPT_IN),
        ({"default": "opt_out"}, "DE", None, Regime.OPT_IN),
        ({"default": "opt_out", "opt_in": []}, "DE", None, Regime.OPT_OUT),
        ({"default": "opt_in", "us_opt_out_states": ["CA"]}, "US", "CA", Regime.OPT_OUT),  # the earlier spelling
        # What earlier versions stored as their default list, which no one wrote: the default holds.
        ({"default": "opt_in", "us_opt_out_states": EARLIER_DEFAULT_US_STATES}, "US", "CA", Regime.OPT_IN),
    ],
)
def test_a_place_no_list_names_gets_the_default(
    regimes: dict[str, object], country: str, region: str | None, regime: Regime
) -> None:
    assert decisions.regime_for(with_regimes(**regimes), country=country, region=region) is regime


def test_a_place_listed_twice_or_written_wrong_is_refused_in_words() -> None:
    with pytest.raises(ValidationError, match="countries listed as both opt-in and opt-out: FR"):
        Regimes.model_validate({"opt_in": ["FR", "DE"], "opt_out": ["FR"]})
    with pytest.raises(ValidationError, match="'California' is not a region: write its ISO 3166-2 code"):
        Regimes.model_validate({"opt_out_regions": ["California"]})


async def test_unknown_location_gets_the_strictest_regime(visitor: Client) -> None:
    for headers in ({"cf-ipcountry": "XX"}, {"cf-ipcountry": "T1"}, {}):
        body = await decision(visitor, headers)
        assert body["jurisdiction"]["regime"] == "opt_in"
        assert body["jurisdiction"]["source"] == "unknown"


async def test_gpc_in_california_hides_the_banner_and_turns_advertising_off(visitor: Client) -> None:
    body = await decision(visitor, {"cf-ipcountry": "US", "cf-region-code": "CA", "sec-gpc": "1"})
    assert body["gpc"] is True
    assert body["show_banner"] is False
    assert body["consent"]["advertising"] is False
    assert body["consent"]["analytics"] is True
    assert body["consent_mode"]["ad_user_data"] == "denied"


async def test_in_france_exempt_measurement_runs_before_any_choice(visitor: Client) -> None:
    body = await decision(visitor, {"cf-ipcountry": "FR"}, lang="fr")
    assert body["show_banner"] is True
    assert body["consent"] == {"necessary": True, "functional": False, "analytics": True, "advertising": False}
    assert body["exempt"] == ["analytics"]
    assert body["consent_mode"] == {
        "ad_storage": "denied",
        "ad_user_data": "denied",
        "ad_personalization": "denied",
        "analytics_storage": "granted",
        "functionality_storage": "denied",
        "personalization_storage": "denied",
        "security_storage": "granted",
    }
    assert body["texts"]["exempt"].startswith("Aucun consentement requis")
    belgium = await decision(visitor, {"cf-ipcountry": "BE"})
    assert belgium["consent"]["analytics"] is False and belgium["exempt"] == []


async def test_gpc_never_grants_and_only_exactly_1_counts(visitor: Client) -> None:
    germany = await decision(visitor, {"cf-ipcountry": "DE", "sec-gpc": "1"})
    assert germany["show_banner"] is True and germany["consent"]["advertising"] is False
    not_a_signal = await decision(visitor, {"cf-ipcountry": "US", "cf-region-code": "CA", "sec-gpc": "true"})
    assert not_a_signal["gpc"] is False and not_a_signal["consent"]["advertising"] is True


async def test_ip_lookup_and_forwarded_for_only_from_trusted_proxies(visitor: Client) -> None:
    # The test client's peer is not a trusted proxy: its X-Forwarded-For is ignored.
    ignored = await decision(visitor, {"x-forwarded-for": "81.2.69.160"})
    assert ignored["jurisdiction"]["source"] == "unknown"


async def test_texts_follow_the_language_and_cover_every_category(visitor: Client) -> None:
    body = await decision(visitor, lang="de")
    assert body["texts"]["accept_all"] == "Alle akzeptieren"
    assert [c["key"] for c in body["texts"]["categories"]] == ["necessary", "functional", "analytics", "advertising"]
    assert body["texts"]["categories"][2]["services"][0]["vendor"] == "Matomo (hosted by us)"


async def test_forged_or_foreign_receipts_are_ignored(visitor: Client) -> None:
    genuine = (await record(visitor)).json()["receipt"]
    header, payload, signature = genuine.split(".")
    forged_payload = payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB")
    for receipt in (f"{header}.{forged_payload}.{signature}", "not-a-receipt", genuine[:-6] + "abcdef"):
        answer = (await visitor.get("/api/v1/consent/decision", params={"site": "www", "receipt": receipt})).json()
        assert answer["show_banner"] is True


def demo_in_memory() -> decisions.LoadedSetup:
    demo = configuration().parse(resources.files("privacy").joinpath("demo.yaml").read_text())
    assert demo.consent is not None
    return decisions.in_memory(demo.consent, revision=1, etag="a")


def test_only_the_sites_own_origins_are_allowed() -> None:
    current = demo_in_memory()
    own = "https://www.nordlicht-hosting.example"
    assert decisions.allowed_origin(current, site_key="www", origin=own) == own
    assert decisions.allowed_origin(current, site_key="www", origin=None) is None
    assert decisions.allowed_origin(current, site_key="shop", origin=None) is None  # no origin: nothing to check
    for foreign in ("https://evil.example", "", own + ":8443", "http://www.nordlicht-hosting.example"):
        with pytest.raises(Forbidden):
            decisions.allowed_origin(current, site_key="www", origin=foreign)
    with pytest.raises(NotFound, match="'shop'"):
        decisions.allowed_origin(current, site_key="shop", origin=own)


def test_banner_language_falls_back_to_the_sites_default() -> None:
    current = demo_in_memory()
    www = decisions.site_of(current, "www")
    assert decisions.banner_language(current, site=www, requested="de") == "de"
    assert decisions.banner_language(current, site=www, requested="zz") == www.default_language
    assert decisions.banner_language(current, site=www, requested=None) == www.default_language


def test_lifetimes_and_material_changes(consent_app: Litestar) -> None:
    demo = configuration().parse(resources.files("privacy").joinpath("demo.yaml").read_text())
    assert demo.consent is not None
    current = decisions.in_memory(demo.consent, revision=1, etag="a")
    keyring = consent_app.state.keyring
    where = Jurisdiction(country="DE", region=None, regime=Regime.OPT_IN, source="cdn")
    now = datetime(2026, 11, 22, tzinfo=UTC)
    claims = {
        "site": "www",
        "pv": "2026-11",
        "th": current.text_hash,
        "granted": ["necessary", "analytics"],
        "exp": int((now + timedelta(days=30)).timestamp()),
    }
    receipt = sign_receipt(keyring, claims)
    kept = decisions.decide(current, site_key="www", where=where, gpc=False, receipt=receipt, keyring=keyring, now=now)
    assert kept.show_banner is False and kept.consent["analytics"] is True
    expired = decisions.decide(
        current, site_key="www", where=where, gpc=False, receipt=receipt, keyring=keyring, now=now + timedelta(days=31)
    )
    assert expired.show_banner is True
    changed_text = demo.consent.model_copy(update={"texts": {**demo.consent.texts}})
    changed_text.texts["en"] = changed_text.texts["en"].model_copy(update={"body": "We now also share data."})
    reworded = decisions.in_memory(changed_text, revision=2, etag="b")
    assert reworded.text_hash != current.text_hash
    assert (
        decisions.decide(
            reworded, site_key="www", where=where, gpc=False, receipt=receipt, keyring=keyring, now=now
        ).show_banner
        is True
    )
    new_version = demo.consent.model_copy(update={"policy_version": "2027-01"})
    bumped = decisions.in_memory(new_version, revision=3, etag="c")
    assert bumped.text_hash == current.text_hash  # only the version changed
    assert (
        decisions.decide(
            bumped, site_key="www", where=where, gpc=False, receipt=receipt, keyring=keyring, now=now
        ).show_banner
        is True
    )
