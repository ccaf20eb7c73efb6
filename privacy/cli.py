"""The `privacy` command line: running the service and its background work, configuration as code,
the demo and the auditor's bundle here; every domain's own commands (`privacy.composition`)
attached to it."""

from __future__ import annotations

import os
import shutil
import tempfile
from importlib import resources
from pathlib import Path

import click

from privacy import bundle, commands, operations
from privacy.actors import Actor
from privacy.audit import record_change
from privacy.composition import DOMAINS, background_jobs, bundle_parts, configuration
from privacy.config_file import Change
from privacy.db import SessionFactory, utcnow
from privacy.errors import Invalid
from privacy.notice.commands import publish_notice
from privacy.settings import Settings
from privacy.work import run_forever, run_jobs

DEMO_FILE = "demo.yaml"


@click.group(context_settings={"max_content_width": 100})
@click.version_option(package_name="privacy-toolkit", prog_name="privacy", message="%(prog)s %(version)s")
def main() -> None:
    """privacy-toolkit: run an organisation's GDPR programme."""


for domain in DOMAINS:
    for command in domain.commands:
        main.add_command(command)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on (0.0.0.0: every one).")
@click.option("--port", default=8000, show_default=True, type=int, help="The port to listen on.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Web processes (PostgreSQL for more than 1).",
)
def serve(host: str, port: int, workers: int) -> None:
    """Run the service (migrating the embedded default first). What it prints is the service's log,
    so it creates no login: `privacy demo` or `privacy users create` make staff users."""
    import uvicorn

    # Unset, the service's links name the port it listens on; its workers read the environment.
    os.environ.setdefault("PRIVACY_PUBLIC_URL", f"http://127.0.0.1:{port}")
    settings = commands.settings()
    if settings.embedded:
        commands.run(settings, operations.say_how_to_add_the_first_admin)
    if workers > 1:
        _prepare_multiprocess_metrics(settings)
    # No access log: it would record visitors' IP addresses, which are personal data.
    uvicorn.run(
        "privacy.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        proxy_headers=False,
        log_level=settings.log_level.lower(),
    )


def _prepare_multiprocess_metrics(settings: Settings) -> None:
    metrics_dir = settings.data_dir / "metrics"
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir.resolve())


@main.command(short_help="Run the background work on its own (PostgreSQL: any number).")
@click.option("--once", is_flag=True, help="One pass over the background work, then exit.")
def worker(once: bool) -> None:
    """Run the background work on its own (mail, requests' steps, reminders, expiry, sweeps); any
    number of workers may run against one PostgreSQL: each step is leased to one of them."""
    settings = commands.settings()

    async def work(sessions: SessionFactory) -> None:
        if once:
            await run_jobs(sessions, background_jobs(), settings=settings)
        else:
            await run_forever(sessions, background_jobs(), settings=settings)

    commands.run(settings, work)


@main.command(short_help="Load the example organisation; print the first admin login.")
def demo() -> None:
    """Load the example organisation (a hosting company) through `privacy apply`; on an install
    without staff users, create an admin and print its login, once."""
    text = resources.files("privacy").joinpath(DEMO_FILE).read_text()
    settings = commands.settings()
    _apply_text(settings, text, dry_run=False, actor=Actor.system("demo"))
    publish_notice(settings, summary="First version", material=False, actor=Actor.system("demo"), quiet_if_same=True)
    console = f"{settings.public_url.rstrip('/')}/console"
    commands.run(settings, lambda sessions: operations.ensure_first_admin(sessions, console=console))


@main.command("apply", short_help="Create or update the configuration from a YAML file.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Print the changes; change nothing.")
def apply_command(file: Path, dry_run: bool) -> None:
    """Create or update the organisation and register from a YAML file."""
    settings = commands.settings()
    if file.stat().st_size > settings.max_yaml_bytes:  # refused before it is read into memory
        commands.fail(Invalid(f"the file is larger than {settings.max_yaml_bytes} bytes (PRIVACY_MAX_YAML_BYTES)"))
    text = file.read_text()
    if dry_run and settings.embedded and not settings.embedded_database_path.exists():
        # Nothing to compare with yet: the dry run works on a throwaway database, so it creates no
        # data folder, database or key on disk.
        with tempfile.TemporaryDirectory(prefix="privacy-dry-run-") as scratch:
            _apply_text(settings.model_copy(update={"data_dir": Path(scratch)}), text, dry_run=True, actor=APPLY)
        return
    _apply_text(settings, text, dry_run=dry_run, actor=APPLY)


APPLY = Actor.system("apply")


def _apply_text(settings: Settings, text: str, *, dry_run: bool, actor: Actor) -> None:
    configuration_file = configuration()
    config = commands.run_or_fail(lambda: configuration_file.parse(text, max_bytes=settings.max_yaml_bytes))

    async def work(sessions: SessionFactory) -> list[Change]:
        async with sessions() as session:
            changes = await configuration_file.apply(
                session, config=config, actor=actor, settings=settings, now=utcnow()
            )
            await (session.rollback() if dry_run else session.commit())
            return changes

    changes = commands.run(settings, work)
    for change in changes:
        if change.kind != "unchanged":
            click.echo(change.describe())
    counts = {kind: sum(1 for c in changes if c.kind == kind) for kind in ("create", "update", "unchanged", "warning")}
    verb = "would apply" if dry_run else "applied"
    warnings = f", {counts['warning']} to review (!)" if counts["warning"] else ""
    click.echo(
        f"{verb}: {counts['create']} created, {counts['update']} updated, {counts['unchanged']} unchanged{warnings}"
    )


@main.command("export-config", short_help="Write the current configuration as YAML.")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
def export_config(file: Path | None) -> None:
    """Write the current configuration as YAML (to standard output without FILE): everything
    `privacy apply` reads, sub-processors' lifecycles included, so another installation can be
    recreated from it; systems' URLs and secrets are never written (a comment at its top says so)."""

    async def work(sessions: SessionFactory) -> str:
        async with sessions() as session:
            return await configuration().export(session)

    text = commands.run(commands.settings(), work)
    if file is None:
        click.echo(text, nl=False)
    else:
        file.write_text(text)


@main.group("export")
def export_group() -> None:
    """Exports for auditors."""


@export_group.command("audit-bundle", short_help="Write the auditor's bundle, a ZIP with a signed manifest.")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def export_audit_bundle(file: Path) -> None:
    """Write the auditor's bundle (ZIP with a signed manifest) to FILE, showing each part as it goes."""

    async def work(sessions: SessionFactory) -> int:
        async with sessions() as session:
            with file.open("wb") as target:
                count = await bundle.write_bundle(
                    session,
                    target,
                    parts=bundle_parts(),
                    now=utcnow(),
                    progress=lambda name: click.echo(f"  {name}", err=True),
                )
            await record_change(
                session,
                actor=Actor.system("cli"),
                action="export.audit_bundle",
                object_type="export",
                object_id="audit-bundle",
                before=None,
                after={"file": file.name},
            )
            await session.commit()
            return count

    count = commands.run(commands.settings(), work)
    click.echo(f"wrote {file}: {count} files and a signed manifest; check it with `privacy verify-bundle {file}`")
