"""Telling the people affected (Art. 34 GDPR): where a breach is likely to result in a high risk
to them, each is written to without undue delay, in plain language and their language, with the
nature of the breach, the DPO's contact, the likely consequences and the measures (Art. 34(2)),
unless an exception of Art. 34(3) applies, which is recorded with the breach. Each person is written
to once, however often the list is sent; what the outbox delivered is counted.

The letter's fixed wording comes from the catalogues in the person's language (the organisation's
default language when the list does not give one); what the team wrote about the breach stays as
written: it is the organisation's own text."""

from __future__ import annotations

import uuid
from datetime import datetime

from babel.lists import format_list
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from breaches.letters import Letter
from breaches.models import Breach
from breaches.schemas import BreachIn, CommunicationOut, GatheredOut, Nature, PeopleTold, PersonIn
from dsar import service as requests
from privacy.actors import Actor
from privacy.audit import record_change
from privacy.errors import Conflict
from privacy.i18n import N_, day_in_words, gettext, say
from privacy.keys import keyring_of
from privacy.mail import MAX_ATTEMPTS, queue_message
from privacy.models import OutboxMessage
from privacy.register import service as register
from privacy.register.schemas import OrganisationProfile
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
    keyring = keyring_of(session)
    answer = CommunicationOut(queued=0, already=0)
    written: dict[str, Letter] = {}  # one letter a language, however many people read it
    for person in people:
        language = person.language or organisation.default_language
        if language not in written:
            written[language] = to_person(breach, organisation=organisation, language=language)
        letter = written[language]
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
    organisation's default language: the systems do not say each person's."""
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


# The letter. Art. 34(2): in clear and plain language, the nature of the breach and at least what
# Art. 33(3)(b)-(d) name: the contact point, the likely consequences, the measures taken or proposed.

SUBJECT = N_("Important: an incident concerning your personal data at %(organisation)s")
INTRO = N_("We are writing to tell you about an incident that concerns your personal data (Art. 34 GDPR).")
NATURES = {
    Nature.CONFIDENTIALITY: N_("someone not entitled to your data may have seen or taken it"),
    Nature.INTEGRITY: N_("your data may have been changed without authority"),
    Nature.AVAILABILITY: N_("your data was lost, or could not be reached for a time"),
}
# The team's own words about the breach, each under the catalogue's heading.
ACCOUNTS = (
    ("consequences", N_("What it may mean for you: %(text)s")),
    ("measures_taken", N_("What we have done: %(text)s")),
    ("measures_proposed", N_("What we are still going to do: %(text)s")),
    ("advice", N_("What you can do: %(text)s")),
)


def to_person(breach: BreachIn, *, organisation: OrganisationProfile, language: str) -> Letter:
    """The letter to a person affected, in `language`."""
    sections = [
        say(language, INTRO),
        say(language, N_("What happened: %(text)s"), text=breach.summary),
        _when(breach, language),
        *_what_it_touched(breach, organisation=organisation, language=language),
        *(say(language, heading, text=text) for key, heading in ACCOUNTS if (text := getattr(breach, key))),
        _contact(organisation, language),
        say(language, N_("You may also lodge a complaint with a data protection supervisory authority.")),
    ]
    return Letter(say(language, SUBJECT, organisation=organisation.legal_name), "\n\n".join(sections))


def _when(breach: BreachIn, language: str) -> str:
    sentences = [say(language, N_("We became aware of it on %(day)s."), day=day_in_words(breach.aware_at, language))]
    if breach.started_at:
        sentences.append(
            say(language, N_("The incident began on %(day)s."), day=day_in_words(breach.started_at, language))
        )
    if breach.ended_at:
        sentences.append(
            say(language, N_("The incident ended on %(day)s."), day=day_in_words(breach.ended_at, language))
        )
    return " ".join(sentences)


def _what_it_touched(breach: BreachIn, *, organisation: OrganisationProfile, language: str) -> list[str]:
    """The nature of the breach in plain words, and the kinds of data it concerned."""
    touched: list[str] = []
    if breach.nature:
        natures = format_list([say(language, NATURES[nature]) for nature in breach.nature], locale=language)
        touched.append(say(language, N_("What this means for your data: %(nature)s."), nature=natures))
    if breach.data_categories:
        # A starter category's label is a catalogue message; a custom one is the organisation's, per language.
        labels = [gettext(language, organisation.category_label(key, language)) for key in breach.data_categories]
        touched.append(say(language, N_("The data concerned:")) + "".join(f"\n- {label}" for label in labels))
    return touched


def _contact(organisation: OrganisationProfile, language: str) -> str:
    """Art. 33(3)(b): the data protection officer, or the organisation's privacy contact."""
    dpo = organisation.dpo
    name = dpo.name if dpo else organisation.legal_name
    email = dpo.email if dpo and dpo.email else organisation.contact_email
    return say(language, N_("If you have questions, write to %(name)s: %(email)s."), name=name, email=email)
