"""The decision a banner asks for, on every page view: which regime applies where the visitor is,
what may run for them now, and the answer as the API publishes it. This is the hot path: it reads
the set-up from memory (`LoadedSetup`, derived once per set-up), never the database."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec

from consent.declarations import Declarations, declarations_of
from consent.documents import Document, site_document
from consent.receipts import read_receipt
from consent.schemas import NECESSARY, ConsentSetup, Jurisdiction, LocationSource, Regime, Signal, Site
from privacy.errors import Forbidden, NotFound
from privacy.keys import Keyring

MEMO_LIMIT = 5000
# Declarations made since receipts first carried the banner text hash enter it only when made, so
# that an upgrade asks no visitor again.
DECLARED_LATER: dict[str, dict[str, object]] = {
    "categories": {"consent_mode": None, "gpc_opt_out": None, "exempt": False},
    "services": {"first_party": None, "aggregated_only": None, "cross_site": None, "retention_months": None},
    "texts": {"exempt": None},
}


@dataclass(frozen=True)
class LoadedSetup:
    """The set-up as the decision path reads it: from memory, never from the database."""

    revision: int
    etag: str
    setup: ConsentSetup
    text_hash: str
    declared: Declarations
    sites: dict[str, Site] = field(default_factory=dict)
    texts: dict[str, dict[str, Any]] = field(default_factory=dict)  # per language, built once
    texts_json: dict[str, msgspec.Raw] = field(default_factory=dict)  # the same, encoded once
    jurisdictions: dict[tuple[str | None, str | None, str], Jurisdiction] = field(default_factory=dict)
    site_documents: dict[str, Document] = field(default_factory=dict)  # per site, built once

    @property
    def categories(self) -> list[str]:
        return [category.key for category in self.setup.categories]


def banner_text_hash(setup: ConsentSetup) -> str:
    """Hash of everything the banner shows; a change asks every visitor again."""
    shown = setup.model_dump(mode="json", include={"texts", "categories", "services"})
    for part, later in DECLARED_LATER.items():
        for entry in shown[part].values() if part == "texts" else shown[part]:
            for name, default in later.items():
                if entry[name] == default:
                    del entry[name]
    return hashlib.sha256(json.dumps(shown, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def in_memory(setup: ConsentSetup, *, revision: int, etag: str) -> LoadedSetup:
    """The set-up with what the decision path derives from it, computed once."""
    texts = {language: banner_texts(setup, language=language) for language in setup.texts}
    text_hash = banner_text_hash(setup)
    declared = declarations_of(setup)
    return LoadedSetup(
        revision,
        etag,
        setup,
        text_hash,
        declared,
        {site.key: site for site in setup.sites},
        texts,
        {language: msgspec.Raw(msgspec.json.encode(shown)) for language, shown in texts.items()},
        site_documents={
            site.key: site_document(
                site=site.key,
                policy_version=setup.policy_version,
                text_hash=text_hash,
                categories=[category.key for category in setup.categories],
                declared=declared,
                exempt_in=setup.regimes.exempt_measurement if declared.exempt else [],
            )
            for site in setup.sites
        },
    )


def banner_texts(setup: ConsentSetup, *, language: str) -> dict[str, Any]:
    """What the banner shows in `language` (one of the set-up's); built once per set-up and language."""
    return {
        "language": language,
        **setup.texts[language].model_dump(),
        "categories": [
            {
                "key": category.key,
                "label": category.labels.get(language) or next(iter(category.labels.values())),
                "description": category.descriptions.get(language, ""),
                "services": [s.model_dump(mode="json") for s in setup.services if s.category == category.key],
            }
            for category in setup.categories
        ],
    }


def site_of(current: LoadedSetup, site_key: str) -> Site:
    site = current.sites.get(site_key)
    if site is None:
        raise NotFound(f"unknown site '{site_key}'")
    return site


def site_document_of(current: LoadedSetup, site_key: str) -> Document:
    return current.site_documents[site_of(current, site_key).key]


def allowed_origin(current: LoadedSetup, *, site_key: str, origin: str | None) -> str | None:
    """The calling origin, allowed only when it is one of the site's own; any other is refused.
    None when the call names no origin (not from a browser's cross-origin request)."""
    if origin is None:
        return None
    if origin not in site_of(current, site_key).origins:
        raise Forbidden(f"origin {origin} is not allowed for site '{site_key}'")
    return origin


def banner_language(current: LoadedSetup, *, site: Site, requested: str | None) -> str:
    """The language asked for when the set-up has texts in it, else the site's default (every
    site's default language has texts: the set-up is validated so)."""
    return requested if requested in current.texts else site.default_language


def regime_for(setup: ConsentSetup, *, country: str | None, region: str | None) -> Regime:
    """The region's own regime when it is listed, else the country's when it is, else the default:
    a place no list names never escapes the default."""
    if country is None:
        return Regime.OPT_IN  # an unknown location gets the strictest regime
    regimes = setup.regimes
    subdivision = f"{country}-{region}"
    if region and subdivision in regimes.opt_in_regions:
        return Regime.OPT_IN
    if region and subdivision in regimes.opt_out_regions:
        return Regime.OPT_OUT
    if country in regimes.opt_in:
        return Regime.OPT_IN
    if country in regimes.opt_out:
        return Regime.OPT_OUT
    return regimes.default


def jurisdiction(
    current: LoadedSetup, *, country: str | None, region: str | None, source: LocationSource
) -> Jurisdiction:
    """The regime for a location; remembered per set-up, since a few hundred locations cover the world."""
    known = current.jurisdictions.get((country, region, source))
    if known is not None:
        return known
    # Built from values this module derived itself, so pydantic's validation is skipped on this hot path.
    where = Jurisdiction.model_construct(
        country=country,
        region=region,
        regime=regime_for(current.setup, country=country, region=region),
        source=source if country else "unknown",
    )
    if len(current.jurisdictions) < MEMO_LIMIT:
        current.jurisdictions[(country, region, source)] = where
    return where


def exempt_here(current: LoadedSetup, where: Jurisdiction) -> tuple[str, ...]:
    """The exempt audience measurement categories that run without consent where the visitor is:
    in the opt-in regime of a country whose rules allow it (see `consent.exemption`)."""
    if where.regime is Regime.OPT_IN and where.country in current.setup.regimes.exempt_measurement:
        return current.declared.exempt
    return ()


def default_consent(current: LoadedSetup, *, regime: Regime, gpc: bool) -> dict[str, bool]:
    if regime is Regime.OPT_IN:
        return {key: key == NECESSARY for key in current.categories}
    # Opt-out regimes: everything runs until the visitor objects; GPC objects to what it opts out of.
    return {key: not (gpc and key in current.declared.gpc_opt_out) for key in current.categories}


@dataclass(frozen=True, slots=True)
class Verdict:
    """What may run for one visitor now; see `Decision` for its published shape."""

    site: str
    policy_version: str
    jurisdiction: Jurisdiction
    gpc: bool
    show_banner: bool
    consent: dict[str, bool]
    language: str
    exempt: tuple[str, ...] = ()


def decide(
    current: LoadedSetup,
    *,
    site_key: str,
    where: Jurisdiction,
    gpc: bool,
    receipt: str | None,
    keyring: Keyring,
    now: datetime,
    language: str | None = None,
) -> Verdict:
    site = site_of(current, site_key)
    standing = _standing_choice(current, site_key=site_key, receipt=receipt, keyring=keyring, now=now)
    consent = standing if standing is not None else default_consent(current, regime=where.regime, gpc=gpc)
    exempt = exempt_here(current, where)
    consent.update(dict.fromkeys(exempt, True))  # runs without consent, whatever was chosen
    if gpc and where.regime is Regime.OPT_OUT:
        # In opt-out regimes the signal is binding, whatever was chosen.
        consent.update(dict.fromkeys(current.declared.gpc_opt_out, False))
    hidden_by_gpc = gpc and where.regime is Regime.OPT_OUT and current.setup.regimes.gpc_hides_banner
    nothing_to_ask = all(key == NECESSARY or key in exempt for key in current.categories)
    return Verdict(
        site=site.key,
        policy_version=current.setup.policy_version,
        jurisdiction=where,
        gpc=gpc,
        show_banner=standing is None and not hidden_by_gpc and not nothing_to_ask,
        consent=consent,
        language=banner_language(current, site=site, requested=language),
        exempt=exempt,
    )


def _standing_choice(
    current: LoadedSetup, *, site_key: str, receipt: str | None, keyring: Keyring, now: datetime
) -> dict[str, bool] | None:
    """The visitor's last choice, when its receipt is genuine, for this site, for the text shown
    now, and not older than its lifetime; otherwise None (ask again)."""
    claims = read_receipt(keyring, receipt) if receipt else None
    if claims is None or claims.get("site") != site_key or claims.get("exp", 0) <= now.timestamp():
        return None
    if claims.get("pv") != current.setup.policy_version or claims.get("th") != current.text_hash:
        return None
    granted = set(claims.get("granted", []))
    return {key: key == NECESSARY or key in granted for key in current.categories}


def decision_json(current: LoadedSetup, *, verdict: Verdict) -> bytes:
    """The decision as the API publishes it (`Decision`), encoded without a model on this hot path:
    the texts were encoded once with the set-up."""
    where = verdict.jurisdiction
    return msgspec.json.encode(
        {
            "site": verdict.site,
            "policy_version": verdict.policy_version,
            "jurisdiction": {
                "country": where.country,
                "region": where.region,
                "regime": where.regime.value,
                "source": where.source,
            },
            "gpc": verdict.gpc,
            "show_banner": verdict.show_banner,
            "consent": verdict.consent,
            "consent_mode": consent_mode(current.declared, verdict.consent),
            "signals": current.declared.signals,
            "gpc_opt_out": current.declared.gpc_opt_out,
            "exempt": verdict.exempt,
            "texts": current.texts_json[verdict.language],
        }
    )


def consent_mode(declared: Declarations, consent: dict[str, bool]) -> dict[str, str]:
    """Google Consent Mode v2 signals (`ConsentMode`): each granted when the category declaring it
    is, denied when none declares it."""
    return {
        signal.value: "granted" if consent.get(declared.signals.get(signal.value, ""), False) else "denied"
        for signal in Signal
    }
