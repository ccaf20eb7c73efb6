"""The systems that hold a person's data, and what each gives for an access request or does for an
erasure. Each answers in the same shapes, so packages and certificates need not know the system."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from consent import service as consent_service
from dsar.models import DataRequest, RecordedConsent, Restriction, Suppression
from privacy.keys import keyring_of


@dataclass
class Table:
    system: str
    name: str
    category: str
    rows: list[dict[str, Any]]
    provided_by_person: bool = False  # Art. 20: only what the person gave us is portable


@dataclass
class Kept:
    what: str
    why: str
    until: date | None


@dataclass
class Erasure:
    system: str
    erased: list[str] = field(default_factory=list)
    kept: list[Kept] = field(default_factory=list)


TOOLKIT = "privacy-toolkit"
# A step's result as stored (sealed) with it: what a system gave, erased, corrected or stopped.
Payload = dict[str, Any]


async def toolkit_export(session: AsyncSession, *, email: str, request: DataRequest) -> list[Table]:
    """What the toolkit itself holds: consent choices linked to the person's account, consents
    given on the organisation's own forms, and their earlier requests."""
    return [
        Table(
            TOOLKIT,
            "consent_choices",
            "consent",
            await consent_service.records_of_person(session, email=email),
            provided_by_person=True,
        ),
        Table(
            TOOLKIT, "consents_given", "consent", await _consents_given(session, email=email), provided_by_person=True
        ),
        Table(TOOLKIT, "earlier_requests", "requests", await _earlier_requests(session, email=email, request=request)),
    ]


async def _consents_given(session: AsyncSession, *, email: str) -> list[dict[str, Any]]:
    """Consents the organisation collected itself (`dsar.consents`), with their proof."""
    rows = await session.scalars(
        select(RecordedConsent)
        .where(RecordedConsent.email_hash == keyring_of(session).lookup_hash(email))
        .order_by(RecordedConsent.given_at)
    )
    return [
        {
            "activity": row.activity,
            "wording": row.wording,
            "source": row.source,
            "given_at": row.given_at.isoformat(),
            "withdrawn_at": row.withdrawn_at.isoformat() if row.withdrawn_at else None,
        }
        for row in rows
    ]


async def _kept_for_your_rights(session: AsyncSession, *, email: str) -> list[Kept]:
    """What the toolkit keeps so that the person's other choices keep holding: their objections
    and withdrawals (as a keyed hash of the email), the proof of consents they gave, and a
    restriction still in force."""
    email_hash = keyring_of(session).lookup_hash(email)
    kept = []
    if await session.scalar(select(Suppression.id).where(Suppression.email_hash == email_hash).limit(1)):
        kept.append(
            Kept(
                "a keyed hash of your email address and what you objected to or withdrew consent for",
                "so that we never use your data for it again (Art. 21(3) GDPR)",
                None,
            )
        )
    if await session.scalar(select(RecordedConsent.id).where(RecordedConsent.email_hash == email_hash).limit(1)):
        kept.append(
            Kept(
                "the proof of the consents you gave on our forms and of their withdrawal",
                "the controller must be able to show consent was given (Art. 7(1) GDPR)",
                None,
            )
        )
    standing = select(Restriction.id).where(Restriction.email_hash == email_hash, Restriction.lifted_at.is_(None))
    if await session.scalar(standing.limit(1)):
        kept.append(Kept("the record of a restriction you asked for", "until it is lifted, as you were told", None))
    return kept


async def _earlier_requests(session: AsyncSession, *, email: str, request: DataRequest) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(DataRequest)
        .where(DataRequest.email_hash == keyring_of(session).lookup_hash(email), DataRequest.id != request.id)
        .order_by(DataRequest.received_at)
    )
    return [
        {
            "reference": row.reference,
            "type": row.type,
            "received_at": row.received_at.isoformat(),
            "status": row.status,
            "outcome": row.outcome,
        }
        for row in rows
    ]


async def toolkit_erase(
    session: AsyncSession, *, email: str, request: DataRequest, records_kept_until: date | None
) -> Erasure:
    """`records_kept_until`: when the record of this request goes (None: no date is stated)."""
    unlinked = await consent_service.unlink_person(session, email=email)
    erasure = Erasure(TOOLKIT)
    if unlinked:
        erasure.erased.append(f"the link between your account and {unlinked} consent choice(s)")
        erasure.kept.append(
            Kept(
                "the consent choices themselves, no longer linked to you (consent id, time, choice, "
                "truncated IP address)",
                "proof that consent was given or refused, which the controller must be able to show (Art. 7(1) GDPR)",
                None,
            )
        )
    erasure.kept.extend(await _kept_for_your_rights(session, email=email))
    erasure.kept.append(
        Kept(
            "the record of this request (reference, type, dates, outcome) and your email address",
            "accountability: showing that requests are answered within the legal deadlines (Art. 5(2) GDPR)",
            records_kept_until,
        )
    )
    return erasure
