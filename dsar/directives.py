"""Post-mortem directives (France: art. 85 of the loi Informatique et Libertés, offered where the
organisation is in France or a setting says so).

- A person leaves directives about their data after their death, naming a trusted person: a
  `directive` request, proven by its code like any other. They replace those in force; a
  revocation ends them. What they say, and whom they name, is kept sealed.
- Someone notifies the death (a `death_notice`, the notifier proving their own email) with the
  evidence, which staff check. Then the directives are carried out for the person they name, and
  for no one else: a copy of the data for that person, its erasure, or what the directive says,
  which staff carry out. Without directives, the heirs may have the death taken into account
  (art. 85 II: accounts closed, the data erased); anyone else is refused.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dsar import messages, systems
from dsar.connectors import TOOLKIT, Payload
from dsar.models import DataRequest, PostMortemDirective, RequestStep
from dsar.schemas import AskedFor, DirectiveIn, DirectiveWish, ManualResultIn, Relationship, RequestStatus, RequestType
from dsar.service import AWAITING_DECISION, OPEN, add_event, death_of, directive_of, tell_person
from privacy.db import field_context, rows_changed
from privacy.errors import Conflict, FieldError, Invalid
from privacy.keys import decrypt_field, encrypt_field, keyring_of
from privacy.register import service as register
from privacy.settings import Settings

CONFIRM_DEATH, CARRY_OUT = "confirm_death", "carry_out"
IN_FORCE, CARRYING_OUT, CARRIED_OUT = "in_force", "carrying_out", "carried_out"
POST_MORTEM = (RequestType.DIRECTIVE.value, RequestType.DEATH_NOTICE.value)


async def check_offered(session: AsyncSession, *, asked: AskedFor, email: str, settings: Settings) -> None:
    """At intake: a directive or a death notice only where the right exists, and naming someone
    other than the one who asks."""
    if asked.type.value not in POST_MORTEM:
        return
    if not await register.post_mortem_directives_offered(session, settings=settings):
        raise Invalid(
            "post-mortem directives are not offered by this organisation",
            errors=[FieldError("type", "not offered here")],
        )
    named = asked.death.email if asked.death else asked.directive.trusted_email if asked.directive else None
    if named is not None and named.casefold() == email.casefold():
        path = "death.email" if asked.death else "directive.trusted_email"
        raise Invalid("the person named is the one asking", errors=[FieldError(path, "your own email address")])


# Leaving, changing and revoking directives


async def put_in_force(session: AsyncSession, *, request: DataRequest, now: datetime) -> None:
    """At verification: the new directives replace those in force, or a revocation ends them; the
    request is answered at once."""
    directive = directive_of(session, request=request)
    assert directive is not None
    if await _death_notified(session, email_hash=request.email_hash):
        raise Conflict("a death has been notified for this email address: its directives can no longer change")
    ended = "revoked" if directive.revoke else "replaced"
    await session.execute(
        update(PostMortemDirective)
        .where(PostMortemDirective.email_hash == request.email_hash, PostMortemDirective.status == IN_FORCE)
        .values(status=ended, ended_at=now, content_encrypted=None, trusted_email_hash=None)
    )
    if not directive.revoke:
        await _keep(session, request=request, directive=directive, now=now)
    request.particulars_encrypted = None  # the directives live sealed on their own row, cleared when they end
    request.status, request.replied_at = RequestStatus.COMPLETED.value, now
    request.outcome = "directives revoked" if directive.revoke else "directives recorded"
    await add_event(session, request=request, kind="completed", actor="system", at=now)
    letter = messages.directives_kept(request.reference, directive, request.language)
    await tell_person(
        session, request=request, letter=letter, purpose="request.answered", now=now, once_as=f"answer:{request.id}"
    )


async def _keep(session: AsyncSession, *, request: DataRequest, directive: DirectiveIn, now: datetime) -> None:
    assert directive.trusted_email is not None
    row_id = uuid.uuid4()
    context = field_context(PostMortemDirective.content_encrypted, id=row_id)
    row = PostMortemDirective(
        id=row_id,
        email_hash=request.email_hash,
        trusted_email_hash=keyring_of(session).lookup_hash(directive.trusted_email),
        content_encrypted=await encrypt_field(session, directive.model_dump_json(), context=context),
        status=IN_FORCE,
        request_reference=request.reference,
        left_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError as error:  # other directives of the same person put in force this instant
        raise Conflict("other directives were being recorded at the same moment: please try again") from error


async def _death_notified(session: AsyncSession, *, email_hash: str) -> bool:
    """Directives being or already carried out, or a death notice still open for this email: from
    then on, whoever holds the mailbox cannot change what the person decided."""
    ended = select(PostMortemDirective.id).where(
        PostMortemDirective.email_hash == email_hash, PostMortemDirective.status.in_([CARRYING_OUT, CARRIED_OUT])
    )
    if await session.scalar(ended.limit(1)) is not None:
        return True
    notices = await session.scalars(
        select(DataRequest).where(DataRequest.type == RequestType.DEATH_NOTICE.value, DataRequest.status.in_(OPEN))
    )
    keyring = keyring_of(session)
    return any(
        (death := death_of(session, request=notice)) is not None and keyring.lookup_hash(death.email) == email_hash
        for notice in notices
    )


# A death notified


def queue_confirmation(session: AsyncSession, *, request: DataRequest) -> None:
    """At verification of the notifier's email: staff check the evidence before anything else."""
    session.add(RequestStep(request_id=request.id, system=TOOLKIT, action=CONFIRM_DEATH, status=AWAITING_DECISION))


def check_decision(step: RequestStep, result: ManualResultIn) -> None:
    accepted = "death_confirmed" if step.action == CONFIRM_DEATH else "carried_out"
    if (result.outcome == accepted) == (result.refused is not None) or result.outcome not in (accepted, None):
        raise Invalid(
            f"accept (outcome {accepted}) or refuse with the reason (refused), not both",
            errors=[FieldError("outcome", "accept or refuse")],
        )
    if step.action == CARRY_OUT and result.outcome and result.reason is None:
        raise Invalid("say what was done (reason)", errors=[FieldError("reason", "required")])


async def decide(
    session: AsyncSession, *, step: RequestStep, request: DataRequest, result: ManualResultIn, now: datetime
) -> Payload:
    """The step's result; once the death is confirmed, the work the directives (or the heirs'
    rights) call for is queued as further steps."""
    if result.refused is not None:
        return {
            "death": {
                "outcome": "refused" if step.action == CONFIRM_DEATH else "not_carried_out",
                "reason": result.refused,
            }
        }
    if step.action == CARRY_OUT:
        return {"death": {"outcome": "carried_out", "reason": result.reason}}
    return {"death": await _carry_out(session, request=request, now=now)}


async def _carry_out(session: AsyncSession, *, request: DataRequest, now: datetime) -> dict[str, str]:
    death = death_of(session, request=request)
    assert death is not None
    rows = await session.scalars(
        select(PostMortemDirective).where(
            PostMortemDirective.email_hash == keyring_of(session).lookup_hash(death.email),
            PostMortemDirective.status.in_([IN_FORCE, CARRYING_OUT, CARRIED_OUT]),
        )
    )
    by_status = {row.status: row for row in rows}
    if CARRYING_OUT in by_status or CARRIED_OUT in by_status:
        return {"outcome": "carried_out_already"}
    directive = by_status.get(IN_FORCE)
    if directive is None:
        if death.relationship is not Relationship.HEIR:
            return {"outcome": "no_directives"}
        await systems.queue_for_every_system(session, request_id=request.id, action="erase")
        return {"outcome": "heirs"}
    if directive.trusted_email_hash != request.email_hash:
        return {"outcome": "not_named"}
    content = _content_of(session, directive)
    # Claimed in one statement: two notices of the same death carry the directives out once.
    claimed = update(PostMortemDirective).where(
        PostMortemDirective.id == directive.id, PostMortemDirective.status == IN_FORCE
    )
    if not await rows_changed(session, claimed.values(status=CARRYING_OUT, carried_out_by=request.reference)):
        return {"outcome": "carried_out_already"}
    if content.wish is DirectiveWish.AS_WRITTEN:
        await add_event(session, request=request, kind="directives_found", actor="system", at=now, note=_note(content))
        session.add(RequestStep(request_id=request.id, system=TOOLKIT, action=CARRY_OUT, status=AWAITING_DECISION))
    else:
        action = "export" if content.wish is DirectiveWish.ACCESS else "erase"
        await systems.queue_for_every_system(session, request_id=request.id, action=action)
    return {"outcome": "directives", "wish": str(content.wish)}


async def settle(session: AsyncSession, *, request: DataRequest, now: datetime) -> None:
    """The death notice answered: the directives it carried out end, and what they said is cleared."""
    await session.execute(
        update(PostMortemDirective)
        .where(PostMortemDirective.carried_out_by == request.reference, PostMortemDirective.status == CARRYING_OUT)
        .values(status=CARRIED_OUT, ended_at=now, content_encrypted=None, trusted_email_hash=None)
    )


async def release(session: AsyncSession, *, request: DataRequest) -> None:
    """The death notice refused before it was answered: the directives are in force again."""
    await session.execute(
        update(PostMortemDirective)
        .where(PostMortemDirective.carried_out_by == request.reference, PostMortemDirective.status == CARRYING_OUT)
        .values(status=IN_FORCE, carried_out_by=None)
    )


def _content_of(session: AsyncSession, directive: PostMortemDirective) -> DirectiveIn:
    assert directive.content_encrypted is not None
    context = field_context(PostMortemDirective.content_encrypted, id=directive.id)
    return DirectiveIn.model_validate_json(decrypt_field(session, directive.content_encrypted, context=context))


def _note(content: DirectiveIn) -> str:
    """What staff read on the request's timeline to carry out directives as written."""
    said = content.instructions or "(no instructions)"
    return f"Directives ({content.wish}), naming {content.trusted_person}: {said}"


def answered_as(steps: list[RequestStep]) -> str:
    """How a death notice is answered: the erasure's certificate, the copy of the data, or a letter."""
    actions = {step.action for step in steps}
    if "erase" in actions:
        return RequestType.ERASURE.value
    return RequestType.ACCESS.value if "export" in actions else RequestType.DEATH_NOTICE.value


ANSWERS = {
    "refused": ("death notice not accepted", "We could not accept the evidence of the death: {reason}"),
    "not_named": (
        "refused: directives name someone else",
        "The person left directives naming someone else to carry them out; they are carried out for that person only.",
    ),
    "carried_out_already": (
        "refused: directives carried out already",
        "The person's directives have been carried out already.",
    ),
    "no_directives": (
        "refused: no directives",
        "The person left us no directives. Without directives, only their heirs may ask us to take the death into "
        "account (art. 85 II loi Informatique et Libertés).",
    ),
    "carried_out": ("directives carried out", "The directives were carried out: {reason}"),
    "not_carried_out": ("directives not carried out", "The directives could not be carried out: {reason}"),
}


def answer_lines(results: list[Payload]) -> tuple[str, list[str], bool]:
    """A death notice answered by a letter: the outcome, what it says, and whether it went against
    the notifier (who may then complain)."""
    [decision] = [result["death"] for result in results if result.get("death", {}).get("outcome") in ANSWERS]
    outcome, line = ANSWERS[decision["outcome"]]
    return outcome, [line.format(reason=decision.get("reason"))], decision["outcome"] != "carried_out"
