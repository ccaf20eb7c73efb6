"""`privacy notice publish`: the notice as the records stand, published as a new version."""

from __future__ import annotations

import click

from privacy import commands
from privacy.actors import Actor
from privacy.db import SessionFactory, utcnow
from privacy.errors import Conflict, PrivacyError
from privacy.notice import service as notice
from privacy.settings import Settings


@click.group("notice")
def notice_group() -> None:
    """The privacy notice."""


@notice_group.command("publish", short_help="Publish the privacy notice as the records stand now.")
@click.option("--summary", required=True, help="What changed, for the revision history.")
@click.option("--material", is_flag=True, help="A material change: the consent banner asks every visitor again.")
def notice_publish(summary: str, material: bool) -> None:
    """Publish the privacy notice as the records stand now (/privacy, /privacy.pdf)."""
    publish_notice(
        commands.settings(), summary=summary, material=material, actor=Actor.system("cli"), quiet_if_same=False
    )


def publish_notice(settings: Settings, *, summary: str, material: bool, actor: Actor, quiet_if_same: bool) -> None:
    async def work(sessions: SessionFactory) -> int | None:
        async with sessions() as session:
            try:
                published = await notice.publish(session, summary=summary, material=material, actor=actor, now=utcnow())
            except Conflict:
                if quiet_if_same:
                    return None
                raise
            await session.commit()
            return published.version

    try:
        number = commands.run(settings, work)
    except PrivacyError as error:
        commands.fail(error)
    if number is not None:
        click.echo(f"published the privacy notice, version {number}")
