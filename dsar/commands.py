"""`privacy requests`: the request inbox, a request's steps, and staff's decisions on them, from the
command line (as the console and the admin API do)."""

from __future__ import annotations

import click
from pydantic import ValidationError

from dsar import decisions, service, staff
from dsar.schemas import ManualResultIn, RequestOut, RequestStatus, RequestSummary, RequestType
from privacy import commands
from privacy.actors import Actor
from privacy.db import SessionFactory, utcnow
from privacy.errors import Invalid, validation_errors

CLI = Actor.system("command line")


@click.group("requests")
def requests_group() -> None:
    """Data-subject requests."""


@requests_group.command("list")
@click.option(
    "--status",
    type=click.Choice([s.value for s in RequestStatus]),
    default=None,
    help="Only the requests in this state.",
)
@click.option(
    "--type",
    "type_",
    type=click.Choice([t.value for t in RequestType]),
    default=None,
    help="Only requests of this type.",
)
def list_requests(status: str | None, type_: str | None) -> None:
    """The inbox, earliest deadline first."""

    async def work(sessions: SessionFactory) -> list[RequestSummary]:
        async with sessions() as session:
            return await staff.inbox(
                session,
                status=RequestStatus(status) if status else None,
                type=RequestType(type_) if type_ else None,
                due_before=None,
                due_after=None,
                today=utcnow().date(),
            )

    for item in commands.run(commands.settings(), work):
        due = item.extended_due_at or item.due_at
        flag = " OVERDUE" if item.overdue else (" due soon" if item.due_soon else "")
        click.echo(f"{item.reference}  {item.type.value:<13} {item.status.value:<21} due {due or '-'}{flag}")


@requests_group.command("show")
@click.argument("reference")
def show_request(reference: str) -> None:
    """A request's status and its steps (the ids `decide` takes)."""
    item = commands.run(commands.settings(), lambda sessions: _detail(sessions, reference))
    click.echo(
        f"{item.reference}: {item.type.value}, {item.status.value}{f' ({item.outcome})' if item.outcome else ''}"
    )
    for correction in item.corrections:
        click.echo(f"  asks to correct: {correction.field} = {correction.value}")
    if item.death:
        died = item.death
        click.echo(
            f"  death of {died.email} on {died.died_on}, notified by {died.relationship.value.replace('_', ' ')}"
        )
        click.echo(f"  evidence: {died.evidence}")
    for step in item.steps:
        about = f" ({step.activity})" if step.activity else ""
        click.echo(f"  step {step.id}: {step.system}{about} {step.action} {step.status}")


async def _detail(sessions: SessionFactory, reference: str) -> RequestOut:
    async with sessions() as session:
        request = await service.find_request(session, reference=reference)
        return await service.request_out(session, request=request)


@requests_group.command("decide", short_help="Decide a step that needs staff: rectify, object, directive.")
@click.argument("reference")
@click.argument("step_id", type=int)
@click.option("--field", "fields", multiple=True, metavar="NAME=VALUE", help="Rectification: a corrected value.")
@click.option("--refused", default=None, help="Why not: a system's data not corrected, a death's evidence refused.")
@click.option(
    "--outcome",
    type=click.Choice(["stopped", "compelling_grounds", "death_confirmed", "carried_out"]),
    default=None,
    help="An objection's decision, a death's evidence accepted, directives carried out.",
)
@click.option("--reason", default=None, help="An objection's compelling grounds; what was done for directives.")
def decide(
    reference: str, step_id: int, fields: tuple[str, ...], refused: str | None, outcome: str | None, reason: str | None
) -> None:
    """Decide a rectification's system, an objection's activity, a death's evidence or directives carried out."""
    result = commands.run_or_fail(lambda: _result(fields, refused=refused, outcome=outcome, reason=reason))
    settings = commands.settings()

    async def work(sessions: SessionFactory) -> RequestOut:
        async with sessions() as session:
            request = await service.find_request(session, reference=reference)
            await decisions.complete_step_by_hand(
                session,
                request_id=request.id,
                step_id=step_id,
                result=result,
                actor=CLI,
                settings=settings,
                now=utcnow(),
            )
            await session.commit()
            return await service.request_out(session, request=request)

    item = commands.run(settings, work)
    [step] = [step for step in item.steps if step.id == step_id]
    click.echo(f"{item.reference}: step {step.id} is {step.status}")


@requests_group.command("retry")
@click.argument("reference")
@click.argument("step_id", type=int)
def retry(reference: str, step_id: int) -> None:
    """Try a failed step again from the start, once its cause is seen to."""

    async def work(sessions: SessionFactory) -> None:
        async with sessions() as session:
            request = await service.find_request(session, reference=reference)
            await decisions.retry_step(session, request_id=request.id, step_id=step_id, actor=CLI, now=utcnow())
            await session.commit()

    commands.run(commands.settings(), work)
    click.echo(f"{reference}: step {step_id} will be tried again")


def _result(fields: tuple[str, ...], *, refused: str | None, outcome: str | None, reason: str | None) -> ManualResultIn:
    pairs = [field.partition("=") for field in fields]
    if any(not equals for _, equals, _ in pairs):
        raise Invalid("give each corrected value as --field NAME=VALUE")
    document = {
        "fields": {name.strip(): value.strip() or None for name, _, value in pairs},
        "refused": refused,
        "outcome": outcome,
        "reason": reason,
    }
    try:
        return ManualResultIn.model_validate(document)
    except ValidationError as error:
        raise Invalid("the decision is not valid", errors=validation_errors(error)) from error
