"""Signed-in persons: a site's own application vouches for its user with a short-lived assertion,
and the person's one consent id on the site is linked to them by keyed hashes of the site's user id
and of their email (`ConsentSubject`). Their choice then follows them to other devices and into
their access requests; erasing them removes the link, never the records. The assertion may also
say where the visitor is (a choice the application records from its own server comes from the
server's address): signed by the application, that is something no browser can state."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from joserfc import jws
from pydantic import ValidationError
from sqlalchemy import Select, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from consent.decisions import LoadedSetup, jurisdiction, site_of
from consent.models import ConsentRecord, ConsentSubject
from consent.receipts import record_out
from consent.schemas import Jurisdiction, RecordOut, StatedJurisdiction
from privacy.assertions import Assertion, read_assertion
from privacy.errors import FieldError, Invalid, NotFound, validation_errors
from privacy.keys import Keyring, keyring_of

BAD_JURISDICTION = "the identity assertion states a jurisdiction that is not a country (or region) of ISO 3166"


@dataclass(frozen=True)
class SignedIn:
    """A person the site's application vouches for, and where it says they are, when it says."""

    person: Assertion
    where: Jurisdiction | None


def identify(current: LoadedSetup, *, site_key: str, token: str, now: datetime) -> Assertion:
    """The person the site's assertion names; raises `Unauthorized` for any assertion the site's
    registered keys do not vouch for, now, for this site."""
    site = site_of(current, site_key)
    return read_assertion(token, keys=site.identity_keys, audience=site.key, now=now)


def signed_in(current: LoadedSetup, *, site_key: str, token: str, now: datetime) -> SignedIn:
    """The person the assertion names, and the jurisdiction of its `jurisdiction` claim
    (`{"country": "US", "region": "CA"}`) when it has one; `Invalid` for a claim that names no
    country or region of it, before anything is stored."""
    person = identify(current, site_key=site_key, token=token, now=now)
    stated = _stated_jurisdiction(token)  # read only now that its signature is verified
    if stated is None:
        return SignedIn(person, None)
    return SignedIn(person, jurisdiction(current, country=stated.country, region=stated.region, source="application"))


def _stated_jurisdiction(token: str) -> StatedJurisdiction | None:
    claim = json.loads(jws.extract_compact(token.encode()).payload).get("jurisdiction")
    if claim is None:
        return None
    if not isinstance(claim, dict):
        problem = FieldError(
            "identity.jurisdiction", "should be an object with a country and, where relevant, a region"
        )
        raise Invalid(BAD_JURISDICTION, errors=[problem])
    try:
        return StatedJurisdiction.model_validate(claim)
    except ValidationError as error:
        errors = [FieldError(f"identity.jurisdiction.{e.path}", e.message) for e in validation_errors(error)]
        raise Invalid(BAD_JURISDICTION, errors=errors) from error


async def persons_consent_id(
    session: AsyncSession, *, site: str, person: Assertion, offered: uuid.UUID | None, now: datetime
) -> uuid.UUID:
    """The person's one consent id on this site, whichever device they choose on. Their first
    choice links them to the id their device offers (unless it is someone else's) or to a new one.
    Insert-or-read on the link's unique key: of two first choices at once, one links its id and the
    other takes that one up, on either engine."""
    keyring = keyring_of(session)
    subject_hash = _subject_hash(keyring, site, person.subject)
    linked = select(ConsentSubject.consent_id).where(
        ConsentSubject.site == site, ConsentSubject.subject_hash == subject_hash
    )
    known = await session.scalar(linked)
    if known is not None:
        return known
    if offered is None or await _linked_to_anyone(session, site=site, consent_id=offered):
        offered = uuid.uuid4()
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(
        insert(ConsentSubject)
        .values(
            consent_id=offered,
            site=site,
            subject_hash=subject_hash,
            email_hash=keyring.lookup_hash(person.email) if person.email else None,
            linked_at=now,
        )
        .on_conflict_do_nothing(index_elements=[ConsentSubject.site, ConsentSubject.subject_hash])
    )
    return (await session.execute(linked)).scalar_one()


async def _linked_to_anyone(session: AsyncSession, *, site: str, consent_id: uuid.UUID) -> bool:
    """A browser that another person signed in on still offers their id: it is not shared."""
    found = await session.scalar(
        select(ConsentSubject.id).where(ConsentSubject.site == site, ConsentSubject.consent_id == consent_id).limit(1)
    )
    return found is not None


async def persons_standing_choice(
    session: AsyncSession, *, current: LoadedSetup, site: str, token: str, now: datetime
) -> RecordOut:
    """The signed-in person's latest choice on this site, from any device, with a fresh receipt
    that a new device keeps."""
    person = identify(current, site_key=site, token=token, now=now)
    latest = await session.scalar(_persons_records(session, site=site, person=person).limit(1))
    if latest is None:
        raise NotFound("no choice is recorded for this person on this site yet")
    return record_out(_columns(latest), keyring=keyring_of(session))


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


def _columns(record: ConsentRecord) -> dict[str, Any]:
    return {column.key: getattr(record, column.key) for column in ConsentRecord.__table__.columns}
