"""Signed-in persons: a site's own application vouches for its user with a short-lived assertion,
and their consent id is linked to them by keyed hashes of the site's user id and of their email
(`ConsentSubject`). Their choice then follows them to other devices and into their access
requests; erasing them removes the link, never the records."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from consent.decisions import LoadedSetup, site_of
from consent.models import ConsentRecord, ConsentSubject
from consent.receipts import record_out
from consent.schemas import RecordOut
from privacy.assertions import Assertion, read_assertion
from privacy.errors import NotFound
from privacy.keys import Keyring, keyring_of


def identify(current: LoadedSetup, *, site_key: str, token: str, now: datetime) -> Assertion:
    """The person the site's assertion names; raises `Unauthorized` for any assertion the site's
    registered keys do not vouch for, now, for this site."""
    site = site_of(current, site_key)
    return read_assertion(token, keys=site.identity_keys, audience=site.key, now=now)


async def persons_consent_id(session: AsyncSession, *, site: str, person: Assertion) -> uuid.UUID | None:
    latest = await session.scalar(_persons_records(session, site=site, person=person).limit(1))
    return latest.consent_id if latest is not None else None


async def link_person(
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
