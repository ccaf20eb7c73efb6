"""`privacy breaches`: the breach register and its clocks, and recording a breach, from the
command line (as the console and the admin API do)."""

from __future__ import annotations

from datetime import UTC

import click
from pydantic import ValidationError

from breaches import service
from breaches.schemas import BreachIn, BreachOut
from privacy import commands
from privacy.actors import Actor
from privacy.db import SessionFactory, utcnow
from privacy.errors import Invalid, validation_errors

CLI = Actor.system("command line")


@click.group("breaches", short_help="Personal data breaches, with their 72-hour clock.")
def breaches_group() -> None:
    """Personal data breaches (Art. 33-34)."""


@breaches_group.command("list")
def list_breaches() -> None:
    """Every breach, latest first, with its notification clock."""

    async def work(sessions: SessionFactory) -> list[BreachOut]:
        async with sessions() as session:
            now = utcnow()
            rows = await service.list_breaches(session)
            return [await service.breach_out(session, row=row, now=now) for row in rows]

    for item in commands.run(commands.settings(), work):
        left = f" ({item.hours_left:+.0f} h)" if item.hours_left is not None else ""
        due = item.notification_due_at.strftime("%Y-%m-%d %H:%M")
        click.echo(f"{item.reference}  due {due} UTC  {item.clock.value}{left}  {item.summary}")


@breaches_group.command("record")
@click.option("--aware-at", required=True, help="When the organisation became aware: ISO 8601 with its zone.")
@click.option("--summary", required=True, help="What happened, in a line.")
@click.option("--activity", "activities", multiple=True, help="An activity of the register it touched.")
@click.option("--category", "categories", multiple=True, help="A category of personal data involved.")
@click.option("--people", type=int, default=None, help="Approximate number of people affected.")
def record_breach(
    aware_at: str, summary: str, activities: tuple[str, ...], categories: tuple[str, ...], people: int | None
) -> None:
    """Record a breach; the 72-hour clock runs from --aware-at."""
    named = {"activities": activities, "categories": categories}
    breach = commands.run_or_fail(lambda: _breach(aware_at=aware_at, summary=summary, people=people, **named))

    async def work(sessions: SessionFactory) -> BreachOut:
        async with sessions() as session, session.begin():
            now = utcnow()
            row = await service.record_breach(session, breach=breach, actor=CLI, now=now)
            return await service.breach_out(session, row=row, now=now)

    item = commands.run(commands.settings(), work)
    due = item.notification_due_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    click.echo(f"{item.reference} recorded: notify the lead supervisory authority by {due} UTC")


def _breach(
    *, aware_at: str, summary: str, activities: tuple[str, ...], categories: tuple[str, ...], people: int | None
) -> BreachIn:
    fields = {
        "aware_at": aware_at,
        "summary": summary,
        "activities": list(activities),
        "data_categories": list(categories),
        "people_affected": people,
    }
    try:
        return BreachIn.model_validate(fields)
    except ValidationError as error:
        raise Invalid("the breach is not complete", errors=validation_errors(error)) from error
