"""The consent rules: the set-up, where a visitor is and which regime applies, what may run, and
the signed proof of each choice."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy import Select, Text, cast, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from consent.models import ConsentRecord, ConsentSetupRow, ConsentSubject
from consent.receipts import read_receipt, sign_receipt
from consent.schemas import (
    NECESSARY,
    Action,
    ConsentHistory,
    ConsentSetup,
    Jurisdiction,
    LocationSource,
    RecordEntry,
    RecordIn,
    RecordOut,
    Regime,
    Site,
)
from privacy import audit
from privacy.actors import Actor
from privacy.assertions import Assertion, read_assertion
from privacy.audit import record_change
from privacy.bundle import Archive
from privacy.config_file import Change, change_of
from privacy.errors import Conflict, FieldError, Invalid, NotFound
from privacy.keys import Keyring, keyring_of
from privacy.models import AuditEntry
from privacy.months import add_months
from privacy.settings import Settings

SETUP_ROW = 1
ADVERTISING = "advertising"
ANALYTICS = "analytics"


@dataclass(frozen=True)
class LoadedSetup:
    """The set-up as the decision path reads it: from memory, never from the database."""

    revision: int
    etag: str
    setup: ConsentSetup
    text_hash: str
    sites: dict[str, Site] = field(default_factory=dict)
    texts: dict[str, dict[str, Any]] = field(default_factory=dict)  # per language, built once
    texts_json: dict[str, msgspec.Raw] = field(default_factory=dict)  # the same, encoded once
    jurisdictions: dict[tuple[str | None, str | None, str], Jurisdiction] = field(default_factory=dict)

    @property
    def categories(self) -> list[str]:
        return [category.key for category in self.setup.categories]


def banner_text_hash(setup: ConsentSetup) -> str:
    """Hash of everything the banner shows; a change asks every visitor again."""
    shown = setup.model_dump(mode="json", include={"texts", "categories", "services"})
    return hashlib.sha256(json.dumps(shown, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def loaded(row: ConsentSetupRow) -> LoadedSetup:
    return in_memory(ConsentSetup.model_validate(row.setup), revision=row.revision, etag=row.etag)


def in_memory(setup: ConsentSetup, *, revision: int, etag: str) -> LoadedSetup:
    """The set-up with what the decision path derives from it, computed once."""
    texts = {language: banner_texts(setup, language) for language in setup.texts}
    return LoadedSetup(
        revision,
        etag,
        setup,
        banner_text_hash(setup),
        {site.key: site for site in setup.sites},
        texts,
        {language: msgspec.Raw(msgspec.json.encode(shown)) for language, shown in texts.items()},
    )


async def load_setup(session: AsyncSession) -> LoadedSetup | None:
    row = await session.get(ConsentSetupRow, SETUP_ROW)
    return loaded(row) if row else None


async def setup_etag(session: AsyncSession) -> str | None:
    etag = await session.scalar(select(ConsentSetupRow.etag).where(ConsentSetupRow.id == SETUP_ROW))
    return str(etag) if etag else None


async def save_setup(session: AsyncSession, *, setup: ConsentSetup, actor: Actor, now: datetime) -> bool:
    """Create or replace the set-up; returns whether anything changed."""
    row = await session.get(ConsentSetupRow, SETUP_ROW)
    after = setup.model_dump(mode="json")
    if row is not None and row.setup == after:
        return False
    before = row.setup if row else None
    if row is None:
        row = ConsentSetupRow(id=SETUP_ROW, revision=0, setup={})
        session.add(row)
    row.revision += 1
    row.etag = uuid.uuid4().hex
    row.setup, row.updated_at = after, now
    await record_change(
        session,
        actor=actor,
        action="consent.setup_updated",
        object_type="consent_setup",
        object_id=str(SETUP_ROW),
        before=before,
        after=after,
        now=now,
    )
    return True


def regime_for(setup: ConsentSetup, country: str | None, region: str | None) -> Regime:
    if country is None:
        return Regime.OPT_IN  # an unknown location gets the strictest regime
    if country in setup.regimes.opt_in:
        return Regime.OPT_IN
    if country == "US" and region in setup.regimes.us_opt_out_states:
        return Regime.OPT_OUT
    return setup.regimes.default


MEMO_LIMIT = 5000


def jurisdiction(current: LoadedSetup, country: str | None, region: str | None, source: LocationSource) -> Jurisdiction:
    """The regime for a location; remembered per set-up, since a few hundred locations cover the world."""
    known = current.jurisdictions.get((country, region, source))
    if known is not None:
        return known
    # Built from values this module derived itself, so pydantic's validation is skipped on this hot path.
    where = Jurisdiction.model_construct(
        country=country,
        region=region,
        regime=regime_for(current.setup, country, region),
        source=source if country else "unknown",
    )
    if len(current.jurisdictions) < MEMO_LIMIT:
        current.jurisdictions[(country, region, source)] = where
    return where


def default_consent(current: LoadedSetup, regime: Regime, gpc: bool) -> dict[str, bool]:
    if regime is Regime.OPT_IN:
        return {key: key == NECESSARY for key in current.categories}
    # Opt-out regimes: everything runs until the visitor objects; GPC objects to advertising.
    return {key: not (gpc and key == ADVERTISING) for key in current.categories}


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
    consent = standing if standing is not None else default_consent(current, where.regime, gpc)
    if gpc and where.regime is Regime.OPT_OUT:
        consent[ADVERTISING] = False  # in opt-out regimes the signal is binding, whatever was chosen
    hidden_by_gpc = gpc and where.regime is Regime.OPT_OUT and current.setup.regimes.gpc_hides_banner
    return Verdict(
        site=site.key,
        policy_version=current.setup.policy_version,
        jurisdiction=where,
        gpc=gpc,
        show_banner=standing is None and not hidden_by_gpc,
        consent=consent,
        # Every site's default language has texts (the set-up is validated so).
        language=language if language in current.texts else site.default_language,
    )


def decision_json(current: LoadedSetup, verdict: Verdict) -> bytes:
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
            "consent_mode": consent_mode(verdict.consent),
            "texts": current.texts_json[verdict.language],
        }
    )


def site_of(current: LoadedSetup, site_key: str) -> Site:
    site = current.sites.get(site_key)
    if site is None:
        raise NotFound(f"unknown site '{site_key}'")
    return site


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


def consent_mode(consent: dict[str, bool]) -> dict[str, str]:
    """Google Consent Mode v2 signals (`ConsentMode`)."""
    advertising = "granted" if consent.get(ADVERTISING) else "denied"
    return {
        "ad_storage": advertising,
        "ad_user_data": advertising,
        "ad_personalization": advertising,
        "analytics_storage": "granted" if consent.get(ANALYTICS) else "denied",
    }


def banner_texts(setup: ConsentSetup, language: str) -> dict[str, Any]:
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


def granted_by(action: Action, choices: dict[str, bool], categories: list[str]) -> set[str]:
    if action is Action.ACCEPT_ALL:
        return set(categories)
    if action is Action.CUSTOM:
        return {NECESSARY} | {key for key, allowed in choices.items() if allowed}
    return {NECESSARY}  # reject_all and withdraw


def check_choice(current: LoadedSetup, data: RecordIn) -> None:
    """The choice is for a known site, the current policy and the site's categories."""
    site_of(current, data.site)
    if data.policy_version != current.setup.policy_version:
        raise Conflict(
            f"policy version '{data.policy_version}' is no longer current "
            f"('{current.setup.policy_version}'): show the banner again"
        )
    unknown = [key for key in data.choices if key not in current.categories]
    if unknown:
        raise Invalid(
            "choices name categories this site does not have",
            errors=[FieldError(f"choices.{key}", "unknown category") for key in unknown],
        )


def needs_database(data: RecordIn) -> bool:
    """A first choice from an anonymous visitor is recorded without reading anything."""
    return data.consent_id is not None or data.identity is not None


async def resolve_consent_id(
    session: AsyncSession, *, current: LoadedSetup, data: RecordIn, now: datetime
) -> uuid.UUID:
    """The consent id a choice is recorded under: the one it names (which must exist for the site),
    or the signed-in person's own, or a new one. With an identity assertion, the id is linked to
    that person in the caller's transaction, so the link stands only if the record is stored."""
    person = identify(current, data.site, data.identity, now) if data.identity else None
    consent_id = data.consent_id
    if consent_id is not None and not await _known_consent_id(session, consent_id, data.site):
        raise NotFound("unknown consent id for this site")
    if consent_id is None and person is not None:
        consent_id = await _persons_consent_id(session, site=data.site, person=person)
    consent_id = consent_id or uuid.uuid4()
    if person is not None:
        await _link_person(session, consent_id=consent_id, site=data.site, person=person, now=now)
    return consent_id


def new_record(
    current: LoadedSetup,
    *,
    data: RecordIn,
    consent_id: uuid.UUID,
    where: Jurisdiction,
    gpc: bool,
    ip_truncated: str | None,
    now: datetime,
) -> dict[str, Any]:
    """The consent record to store, as column values."""
    granted = granted_by(data.action, data.choices, current.categories)
    lifetime = current.setup.lifetimes
    months = lifetime.acceptance_months if granted - {NECESSARY} else lifetime.refusal_months
    return {
        "consent_id": consent_id,
        "recorded_at": now,
        "site": data.site,
        "policy_version": data.policy_version,
        "text_hash": current.text_hash,
        "country": where.country,
        "region": where.region,
        "regime": where.regime.value,
        "jurisdiction_source": where.source,
        "gpc": gpc,
        "action": data.action.value,
        "granted": sorted(granted),
        "denied": [key for key in current.categories if key not in granted],
        "ui": data.ui,
        "ip_truncated": ip_truncated,
        "valid_until": add_months(now, months),
    }


def record_out(record: dict[str, Any], keyring: Keyring) -> RecordOut:
    return RecordOut(
        consent_id=record["consent_id"],
        recorded_at=record["recorded_at"],
        valid_until=record["valid_until"],
        receipt=sign_receipt(keyring, receipt_claims(record)),
    )


def receipt_claims(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "cid": str(record["consent_id"]),
        "site": record["site"],
        "iat": int(record["recorded_at"].timestamp()),
        "exp": int(record["valid_until"].timestamp()),
        "pv": record["policy_version"],
        "th": record["text_hash"],
        "act": record["action"],
        "granted": record["granted"],
        "denied": record["denied"],
        "gpc": record["gpc"],
        "jur": {
            "country": record["country"],
            "region": record["region"],
            "regime": record["regime"],
            "source": record["jurisdiction_source"],
        },
        "ui": record["ui"],
    }


async def _known_consent_id(session: AsyncSession, consent_id: uuid.UUID, site: str) -> bool:
    found = await session.scalar(
        select(ConsentRecord.id).where(ConsentRecord.consent_id == consent_id, ConsentRecord.site == site).limit(1)
    )
    return found is not None


def identify(current: LoadedSetup, site_key: str, token: str, now: datetime) -> Assertion:
    site = site_of(current, site_key)
    return read_assertion(token, keys=site.identity_keys, audience=site.key, now=now)


def _subject_hash(keyring: Keyring, site: str, subject: str) -> str:
    return keyring.lookup_hash(f"{site}\x00{subject}")


def _persons_records(session: AsyncSession, *, site: str, person: Assertion) -> Select[tuple[ConsentRecord]]:
    linked = select(ConsentSubject.consent_id).where(
        ConsentSubject.site == site,
        ConsentSubject.subject_hash == _subject_hash(keyring_of(session), site, person.subject),
    )
    return (
        select(ConsentRecord)
        .where(ConsentRecord.site == site, ConsentRecord.consent_id.in_(linked))
        .order_by(ConsentRecord.recorded_at.desc(), ConsentRecord.id.desc())
    )


async def _persons_consent_id(session: AsyncSession, *, site: str, person: Assertion) -> uuid.UUID | None:
    latest = await session.scalar(_persons_records(session, site=site, person=person).limit(1))
    return latest.consent_id if latest is not None else None


async def _link_person(
    session: AsyncSession, *, consent_id: uuid.UUID, site: str, person: Assertion, now: datetime
) -> None:
    keyring = keyring_of(session)
    subject_hash = _subject_hash(keyring, site, person.subject)
    already = await session.scalar(
        select(ConsentSubject.id).where(
            ConsentSubject.site == site,
            ConsentSubject.subject_hash == subject_hash,
            ConsentSubject.consent_id == consent_id,
        )
    )
    if already is not None:
        return
    try:
        async with session.begin_nested():
            session.add(
                ConsentSubject(
                    consent_id=consent_id,
                    site=site,
                    subject_hash=subject_hash,
                    email_hash=keyring.lookup_hash(person.email) if person.email else None,
                    linked_at=now,
                )
            )
    except IntegrityError:
        pass  # a concurrent request of the same person linked it first


async def persons_standing_choice(
    session: AsyncSession, current: LoadedSetup, *, site: str, token: str, now: datetime
) -> RecordOut:
    """The signed-in person's latest choice on this site, from any device, with a fresh receipt
    that a new device keeps."""
    person = identify(current, site, token, now)
    latest = await session.scalar(_persons_records(session, site=site, person=person).limit(1))
    if latest is None:
        raise NotFound("no choice is recorded for this person on this site yet")
    return record_out(_columns(latest), keyring_of(session))


def _columns(record: ConsentRecord) -> dict[str, Any]:
    return {column.key: getattr(record, column.key) for column in ConsentRecord.__table__.columns}


async def records_of_person(session: AsyncSession, *, email: str) -> list[dict[str, Any]]:
    """Every consent record linked to the person whose account email this is (for their access
    request): what they chose, where and when, never anything they did not give us."""
    linked = select(ConsentSubject.consent_id).where(
        ConsentSubject.email_hash == keyring_of(session).lookup_hash(email)
    )
    rows = await session.scalars(
        select(ConsentRecord).where(ConsentRecord.consent_id.in_(linked)).order_by(ConsentRecord.recorded_at)
    )
    return [
        {
            "consent_id": str(row.consent_id),
            "site": row.site,
            "recorded_at": row.recorded_at.isoformat(),
            "action": row.action,
            "granted": ", ".join(row.granted),
            "denied": ", ".join(row.denied),
            "policy_version": row.policy_version,
            "country": row.country,
            "regime": row.regime,
            "gpc": row.gpc,
            "ip_truncated": row.ip_truncated,
        }
        for row in rows
    ]


async def unlink_person(session: AsyncSession, *, email: str) -> int:
    """Erasure: the person's consent ids are no longer linked to them. The records stay as
    pseudonymous proof of what was chosen (Art. 7(1)), no longer attributable to anyone."""
    links = list(
        await session.scalars(
            select(ConsentSubject).where(ConsentSubject.email_hash == keyring_of(session).lookup_hash(email))
        )
    )
    for link in links:
        await session.delete(link)
    return len(links)


async def consent_history(session: AsyncSession, *, consent_id: uuid.UUID) -> ConsentHistory:
    rows = (
        await session.scalars(
            select(ConsentRecord)
            .where(ConsentRecord.consent_id == consent_id)
            .order_by(ConsentRecord.recorded_at, ConsentRecord.id)
        )
    ).all()
    if not rows:
        raise NotFound("unknown consent id")
    last = rows[-1]
    return ConsentHistory(
        consent_id=consent_id,
        site=last.site,
        valid_until=last.valid_until,
        current={key: key in last.granted for key in [*last.granted, *last.denied]},
        history=[
            RecordEntry(
                recorded_at=r.recorded_at,
                action=Action(r.action),
                policy_version=r.policy_version,
                granted=r.granted,
                denied=r.denied,
                gpc=r.gpc,
                regime=Regime(r.regime),
                ui=r.ui,
            )
            for r in rows
        ],
    )


@dataclass
class ConsentStatistics:
    since: datetime
    total: int
    by_action: dict[str, int]
    granted_share: dict[str, float]
    by_regime: dict[str, dict[str, int]]
    by_country: list[tuple[str, int]]
    by_day: list[tuple[str, int]]


async def consent_statistics(session: AsyncSession, *, categories: list[str], since: datetime) -> ConsentStatistics:
    """Counts only, computed in the database: no record leaves it."""
    window = ConsentRecord.recorded_at >= since
    actions = (
        await session.execute(
            select(ConsentRecord.regime, ConsentRecord.action, func.count())
            .where(window)
            .group_by(ConsentRecord.regime, ConsentRecord.action)
        )
    ).all()
    by_regime: dict[str, dict[str, int]] = {}
    for regime, action, count in actions:
        by_regime.setdefault(regime, {})[action] = count
    by_action: dict[str, int] = {}
    for counts in by_regime.values():
        for action, count in counts.items():
            by_action[action] = by_action.get(action, 0) + count
    total = sum(by_action.values())
    granted_text = cast(ConsentRecord.granted, Text)
    shares = (
        (
            await session.execute(
                select(*[func.count().filter(granted_text.like(f'%"{key}"%')) for key in categories]).where(window)
            )
        ).one()
        if categories  # no set-up yet: no categories to count
        else ()
    )
    countries = (
        await session.execute(
            select(func.coalesce(ConsentRecord.country, "??"), func.count())
            .where(window)
            .group_by(ConsentRecord.country)
            .order_by(func.count().desc())
            .limit(10)
        )
    ).all()
    day = func.date(ConsentRecord.recorded_at)
    days = (await session.execute(select(day, func.count()).where(window).group_by(day).order_by(day))).all()
    return ConsentStatistics(
        since=since,
        total=total,
        by_action=by_action,
        granted_share={key: (count / total if total else 0.0) for key, count in zip(categories, shares, strict=True)},
        by_regime=by_regime,
        by_country=[(str(c), int(n)) for c, n in countries],
        by_day=[(str(d), int(n)) for d, n in days],
    )


# The `consent` block of the configuration file, and the consent part of the auditor's bundle.


async def apply_setup_block(
    session: AsyncSession, setup: ConsentSetup, actor: Actor, _settings: Settings, now: datetime
) -> list[Change]:
    existed = await setup_etag(session) is not None
    changed = await save_setup(session, setup=setup, actor=actor, now=now)
    return [change_of("consent", existed=existed, changed=changed, fields=["set-up"])]


async def export_setup_block(session: AsyncSession) -> dict[str, Any] | None:
    loaded = await load_setup(session)
    return loaded.setup.model_dump(mode="json", exclude_defaults=True) if loaded else None


async def statistics_bundle_part(session: AsyncSession, archive: Archive, now: datetime) -> None:
    """Counts of choices (never the records), and the banner texts of every policy version."""
    loaded = await load_setup(session)
    categories = loaded.categories if loaded else []
    statistics = await consent_statistics(session, categories=categories, since=now - timedelta(days=3650))
    archive.add_json("consent/statistics.json", statistics.__dict__)
    archive.add_json("consent/texts-per-version.json", await _texts_per_version(session))


async def _texts_per_version(session: AsyncSession) -> list[dict[str, Any]]:
    """The banner texts of every policy version the set-up has had, from the audit trail."""
    versions: dict[tuple[str, str], dict[str, Any]] = {}
    entries = await session.scalars(
        select(AuditEntry).where(AuditEntry.action == "consent.setup_updated").order_by(AuditEntry.seq)
    )
    for entry in entries:
        after = audit.open_payload(session, entry, "after")
        if after is None:
            continue
        setup = ConsentSetup.model_validate(after)
        key = (setup.policy_version, banner_text_hash(setup))
        versions.setdefault(
            key,
            {
                "policy_version": key[0],
                "text_hash": key[1],
                "first_used": entry.at.isoformat(),
                "texts": setup.model_dump(mode="json")["texts"],
            },
        )
    return list(versions.values())
