"""Consent records (EDPB Guidelines 05/2020 §§104-110): one append-only proof per choice, under a
consent id that is random and first-party, with a signed receipt the visitor keeps; the history of
a consent id; and the proof an auditor looks up."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from consent import identity
from consent.decisions import LoadedSetup, site_of
from consent.models import ConsentRecord
from consent.receipts import read_receipt, record_out
from consent.recorder import RecordWriter
from consent.schemas import NECESSARY, Action, ConsentHistory, Jurisdiction, RecordEntry, RecordIn, RecordOut, Regime
from privacy.assertions import Assertion
from privacy.db import SessionFactory
from privacy.errors import Conflict, FieldError, Invalid, NotFound
from privacy.keys import Keyring
from privacy.months import add_months
from privacy.network import truncate_ip


async def record_choice(
    sessions: SessionFactory,
    *,
    writer: RecordWriter,
    keyring: Keyring,
    current: LoadedSetup,
    data: RecordIn,
    where: Jurisdiction,
    gpc: bool,
    address: str | None,
    now: datetime,
) -> RecordOut:
    """Store a visitor's choice and answer its signed receipt, only once the record is durable.
    Takes the session factory, not a session: one is opened only when the choice needs the
    database (`needs_database`). A signed-in person's choice goes under their one consent id, with
    the jurisdiction their site's application states for them, if it states one."""
    check_choice(current, data=data)
    visitor = identity.signed_in(current, site_key=data.site, token=data.identity, now=now) if data.identity else None
    if visitor is not None and visitor.where is not None:
        where = visitor.where
    consent_id = uuid.uuid4()
    if needs_database(data):
        # Committed before the record is written: a concurrent first choice of the same person
        # then finds their link and takes up the same id. (Should the record fail, the id stays
        # theirs for their next choice.)
        async with sessions() as session, session.begin():
            person = visitor.person if visitor else None
            consent_id = await resolve_consent_id(session, data=data, person=person, now=now)
    record = new_record(
        current, data=data, consent_id=consent_id, where=where, gpc=gpc, ip_truncated=truncate_ip(address), now=now
    )
    await writer.write(record)
    return record_out(record, keyring=keyring)


def needs_database(data: RecordIn) -> bool:
    """A first choice from an anonymous visitor is recorded without reading anything."""
    return data.consent_id is not None or data.identity is not None


def check_choice(current: LoadedSetup, *, data: RecordIn) -> None:
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


async def resolve_consent_id(
    session: AsyncSession, *, data: RecordIn, person: Assertion | None, now: datetime
) -> uuid.UUID:
    """The consent id a choice is recorded under: the signed-in person's own, whichever id their
    device names (`identity.persons_consent_id`); else the one it names (which must exist for the
    site); else a new one."""
    if data.consent_id is not None and not await _known_consent_id(session, consent_id=data.consent_id, site=data.site):
        raise NotFound("unknown consent id for this site")
    if person is not None:
        return await identity.persons_consent_id(
            session, site=data.site, person=person, offered=data.consent_id, now=now
        )
    return data.consent_id or uuid.uuid4()


def granted_by(action: Action, *, choices: dict[str, bool], categories: list[str]) -> set[str]:
    if action is Action.ACCEPT_ALL:
        return set(categories)
    if action is Action.CUSTOM:
        return {NECESSARY} | {key for key, allowed in choices.items() if allowed}
    return {NECESSARY}  # reject_all and withdraw


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
    granted = granted_by(data.action, choices=data.choices, categories=current.categories)
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


async def _known_consent_id(session: AsyncSession, *, consent_id: uuid.UUID, site: str) -> bool:
    found = await session.scalar(
        select(ConsentRecord.id).where(ConsentRecord.consent_id == consent_id, ConsentRecord.site == site).limit(1)
    )
    return found is not None


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


@dataclass(frozen=True)
class Proof:
    """What an auditor finds for a consent id and a receipt they were shown, and what is wrong."""

    history: ConsentHistory | None = None
    claims: dict[str, Any] | None = None
    problem: str | None = None


async def find_proof(session: AsyncSession, *, keyring: Keyring, consent_id: str | None, receipt: str | None) -> Proof:
    """The records of a consent id and the claims of a receipt, each when given; a receipt whose
    signature does not verify is reported, never read."""
    history, claims, problem = None, None, None
    if consent_id:
        try:
            history = await consent_history(session, consent_id=uuid.UUID(consent_id.strip()))
        except (ValueError, NotFound):
            problem = "No consent records carry this consent id."
    if receipt:
        claims = read_receipt(keyring, receipt.strip())
        if claims is None:
            problem = "This receipt's signature does not verify: it was not issued by this service, or was altered."
    return Proof(history, claims, problem)
