"""Telling the people affected (Art. 34 GDPR): where a breach is likely to result in a high risk
to them, each is written to without undue delay, in plain language and their language, with the
nature of the breach, the DPO's contact, the likely consequences and the measures (Art. 34(2)),
unless an exception of Art. 34(3) applies, which is recorded with the breach. Each person is written
to once, however often the list is sent; what the outbox delivered is counted."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from breaches import letters
from breaches.document import LANGUAGE_OF_COUNTRY
from breaches.models import Breach
from breaches.schemas import BreachIn, CommunicationOut, GatheredOut, PeopleTold, PersonIn
from dsar import service as requests
from privacy.actors import Actor
from privacy.audit import record_change
from privacy.errors import Conflict
from privacy.keys import keyring_of
from privacy.mail import MAX_ATTEMPTS, queue_message
from privacy.models import OutboxMessage
from privacy.register import service as register
from privacy.settings import Settings

PURPOSE = "breach.people"
MAX_PEOPLE = 100_000  # as many as one list sent by hand (PeopleIn)


def _key_prefix(breach_id: uuid.UUID) -> str:
    return f"breach:{breach_id}:person:"


async def tell_people(
    session: AsyncSession, *, row: Breach, people: list[PersonIn], actor: Actor, now: datetime
) -> CommunicationOut:
    breach = BreachIn.model_validate(row.content)
    if not breach.high_risk:
        raise Conflict("Art. 34(1): the people are told where the risk to them is high; record the breach so first")
    if breach.no_communication is not None:
        raise Conflict("the breach records why the people are not told (Art. 34(3))")
    organisation = await register.require_organisation(session)
    default = LANGUAGE_OF_COUNTRY.get(organisation.country, "en")
    keyring = keyring_of(session)
    answer = CommunicationOut(queued=0, already=0)
    for person in people:
        letter = letters.to_person(person.language or default, breach, organisation=organisation)
        queued = await queue_message(
            session,
            to=person.email,
            subject=letter.subject,
            body=letter.body,
            purpose=PURPOSE,
            now=now,
            dedupe_key=_key_prefix(row.id) + keyring.lookup_hash(person.email.casefold()),
        )
        if queued is None:
            answer.already += 1
        else:
            answer.queued += 1
    await record_change(
        session,
        actor=actor,
        action="breach.people_told",
        object_type="breach",
        object_id=row.reference,
        before=None,
        after=answer.model_dump(),
        now=now,
    )
    return answer


async def gather_people(
    session: AsyncSession, *, row: Breach, actor: Actor, settings: Settings, now: datetime
) -> GatheredOut:
    """The people the breach's systems and activities hold, found through the request connectors
    (SQL ones; the others are named, to be listed by hand), each written to once, in the
    organisation's language: the systems do not say each person's."""
    breach = BreachIn.model_validate(row.content)
    found, by_hand = await requests.people_in_systems(
        session, systems=breach.systems, activities=breach.activities, limit=MAX_PEOPLE, settings=settings
    )
    if too_many := [name for name, emails in found.items() if len(emails) > MAX_PEOPLE]:
        raise Conflict(f"more than {MAX_PEOPLE:,} people in {', '.join(too_many)}: upload the list in parts")
    every = {email for emails in found.values() for email in emails}
    people = [person for email in sorted(every) if (person := _person(email))]
    told = await tell_people(session, row=row, people=people, actor=actor, now=now)
    counts = {name: len(emails) for name, emails in found.items()}
    return GatheredOut(**told.model_dump(), found=counts, unusable=len(every) - len(people), by_hand=by_hand)


def _person(email: str) -> PersonIn | None:
    try:
        return PersonIn(email=email)
    except ValidationError:
        return None


async def people_told(session: AsyncSession, *, row: Breach) -> PeopleTold:
    """The letters of this breach in the outbox: queued, delivered, and given up on."""
    letters_ = select(OutboxMessage).where(OutboxMessage.dedupe_key.startswith(_key_prefix(row.id)))
    counted = letters_.with_only_columns(
        func.count(),
        func.count(OutboxMessage.sent_at),
        func.count().filter(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts >= MAX_ATTEMPTS),
    )
    queued, sent, failed = (await session.execute(counted)).one()
    return PeopleTold(queued=queued, sent=sent, failed=failed)
