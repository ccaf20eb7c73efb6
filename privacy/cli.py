"""The `privacy` command line."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import secrets
import shutil
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from privacy import audit, auth, bundle, config_file, notice, rotation
from privacy.actors import Actor, Role
from privacy.audit import record_change
from privacy.db import SessionFactory, database_config, migration_commands, upgrade_database, utcnow
from privacy.errors import Conflict, Invalid, PrivacyError
from privacy.jobs import background_jobs
from privacy.keys import Keyring, load_master_secret
from privacy.settings import Settings
from privacy.signing import public_jwks
from privacy.work import run_forever, run_jobs
from retention import service as retention_service
from retention import sweeps
from retention.schemas import RunOut

T = TypeVar("T")
FIRST_ADMIN_EMAIL = "admin@example.com"
DEMO_FILE = "demo.yaml"


def _settings() -> Settings:
    return Settings()


@contextlib.asynccontextmanager
async def _sessions(settings: Settings) -> AsyncIterator[SessionFactory]:
    config = database_config(settings, session_info={"keyring": Keyring(load_master_secret(settings))})
    try:
        yield config.create_session_maker()
    finally:
        await config.get_engine().dispose()


def _run(settings: Settings, work: Callable[[SessionFactory], Awaitable[T]]) -> T:
    """Migrate the embedded default, then run `work` with a session factory; errors end the command."""
    if settings.embedded:
        upgrade_database(settings)

    async def main() -> T:
        async with _sessions(settings) as sessions:
            return await work(sessions)

    try:
        return asyncio.run(main())
    except PrivacyError as error:
        _fail(error)


def _fail(error: PrivacyError) -> NoReturn:
    click.secho(f"error: {error.detail}", fg="red", err=True)
    for item in error.errors:
        click.echo(f"  {item.path}: {item.message}", err=True)
    sys.exit(2)


@click.group()
def main() -> None:
    """privacy-toolkit: run an organisation's GDPR programme."""


@main.command()
@click.option("--once", is_flag=True, help="One pass over the background work, then exit.")
def worker(once: bool) -> None:
    """Run the background work on its own (mail, requests' steps, reminders, expiry); any number of
    workers may run against one PostgreSQL: each step is leased to one of them."""
    settings = _settings()
    jobs = background_jobs(settings)

    async def work(sessions: SessionFactory) -> None:
        if once:
            await run_jobs(sessions, jobs)
        else:
            await run_forever(sessions, jobs, interval=settings.background_interval_seconds)

    _run(settings, work)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, workers: int) -> None:
    """Run the service (migrating the embedded default first). What it prints is the service's log,
    so it creates no login: `privacy demo` or `privacy users create` make staff users."""
    import uvicorn

    settings = _settings()
    if settings.embedded:
        _run(settings, _say_how_to_add_the_first_admin)
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


async def _say_how_to_add_the_first_admin(sessions: SessionFactory) -> None:
    async with sessions() as session:
        if await auth.count_users(session):
            return
    click.echo(
        "No staff user yet: create the first admin with `privacy users create EMAIL --role admin`, "
        "or load the example organisation and an admin login with `privacy demo`.",
        err=True,
    )


async def _ensure_first_admin(sessions: SessionFactory, *, console: str) -> None:
    """On an install without staff users, create an admin and print its login, this once: on the
    terminal of the command that made it, never in the service's log."""
    async with sessions() as session, session.begin():
        if await auth.count_users(session):
            return
        password = secrets.token_urlsafe(12)
        await auth.create_user(
            session, email=FIRST_ADMIN_EMAIL, password=password, role=Role.ADMIN, actor=Actor.system("first-start")
        )
    click.echo(
        f"\nConsole: {console}\n  email:    {FIRST_ADMIN_EMAIL}\n  password: {password}\n"
        "This login is shown once. Add your own users with `privacy users create`.\n"
    )


@main.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the newest schema."""
    upgrade_database(_settings())
    click.echo("database is at the newest schema")


@db.command("current")
def db_current() -> None:
    """Show the schema revision of the database."""
    migration_commands(_settings()).current(verbose=False)


@db.command("check")
def db_check() -> None:
    """Exit non-zero when the models and the migrations disagree or the database is behind."""
    output = io.StringIO()
    try:
        with contextlib.redirect_stdout(output):
            migration_commands(_settings()).check()
    except Exception as error:  # Alembic raises its own CommandError with the differences
        click.secho(f"not in step: {error}", fg="red", err=True)
        sys.exit(1)
    click.echo("models, migrations and database agree")


@main.command()
def demo() -> None:
    """Load the example organisation (a hosting company) through `privacy apply`; on an install
    without staff users, create an admin and print its login, once."""
    text = resources.files("privacy").joinpath(DEMO_FILE).read_text()
    settings = _settings()
    _apply_text(settings, text, dry_run=False, actor=Actor.system("demo"))
    _publish_notice(settings, summary="First version", material=False, actor=Actor.system("demo"), quiet_if_same=True)
    console = f"{settings.public_url.rstrip('/')}/console"
    _run(settings, lambda sessions: _ensure_first_admin(sessions, console=console))


@main.command("apply")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Print the changes; change nothing.")
def apply_command(file: Path, dry_run: bool) -> None:
    """Create or update the organisation and register from a YAML file."""
    settings = _settings()
    if file.stat().st_size > settings.max_yaml_bytes:  # refused before it is read into memory
        _fail(Invalid(f"the file is larger than {settings.max_yaml_bytes} bytes (PRIVACY_MAX_YAML_BYTES)"))
    _apply_text(settings, file.read_text(), dry_run=dry_run, actor=Actor.system("apply"))


def _apply_text(settings: Settings, text: str, *, dry_run: bool, actor: Actor) -> None:
    try:
        config = config_file.parse_config(text, max_bytes=settings.max_yaml_bytes)
    except PrivacyError as error:
        _fail(error)

    async def work(sessions: SessionFactory) -> list[config_file.Change]:
        async with sessions() as session:
            changes = await config_file.apply_config(
                session, config=config, actor=actor, settings=settings, now=utcnow()
            )
            await (session.rollback() if dry_run else session.commit())
            return changes

    changes = _run(settings, work)
    for change in changes:
        if change.kind != "unchanged":
            click.echo(change.describe())
    counts = {kind: sum(1 for c in changes if c.kind == kind) for kind in ("create", "update", "unchanged")}
    verb = "would apply" if dry_run else "applied"
    click.echo(f"{verb}: {counts['create']} created, {counts['update']} updated, {counts['unchanged']} unchanged")


@main.command("export-config")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
def export_config(file: Path | None) -> None:
    """Write the current configuration as YAML (to standard output without FILE)."""

    async def work(sessions: SessionFactory) -> str:
        async with sessions() as session:
            return await config_file.export_config(session)

    text = _run(_settings(), work)
    if file is None:
        click.echo(text, nl=False)
    else:
        file.write_text(text)


@main.group()
def users() -> None:
    """Staff users."""


@users.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_create(email: str, role: str, password_stdin: bool) -> None:
    """Create a staff user (prompts for the password)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)

    async def work(sessions: SessionFactory) -> None:
        async with sessions() as session, session.begin():
            await auth.create_user(session, email=email, password=password, role=Role(role), actor=Actor.system("cli"))

    _run(_settings(), work)
    click.echo(f"created {role} user")


@main.group()
def tokens() -> None:
    """API tokens."""


@tokens.command("create")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--name", required=True)
def tokens_create(role: str, name: str) -> None:
    """Create an API token; the token is printed alone on the last line, once."""

    async def work(sessions: SessionFactory) -> str:
        async with sessions() as session, session.begin():
            _, secret = await auth.create_token(session, name=name, role=Role(role), actor=Actor.system("cli"))
            return secret

    secret = _run(_settings(), work)
    click.echo(f"created {role} token '{name}'; it is shown only now:")
    click.echo(secret)


@main.group("retention")
def retention_group() -> None:
    """Retention sweeps."""


@retention_group.command("run")
@click.option("--rule", "rule_key", default=None, help="One rule (by key); all enabled rules when left out.")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted, anonymised, restricted or held.")
def retention_run(rule_key: str | None, dry_run: bool) -> None:
    """Sweep now, with a progress bar per store; a killed sweep resumes where it stopped."""
    settings = _settings()

    async def work(sessions: SessionFactory) -> list[RunOut]:
        async with sessions() as session:
            keys = [rule_key] if rule_key else [r.key for r in await retention_service.list_rules(session)]
            runs = []
            for key in keys:
                loaded = await retention_service.load_rule(session, key)
                if rule_key is None and not loaded.rule.enabled:
                    continue
                with click.progressbar(length=1, label=f"{key} ({loaded.rule.store.label()})") as bar:

                    def advance(done: int, total: int, bar: Any = bar) -> None:
                        bar.length = max(total, 1)
                        bar.update(done - bar.pos)

                    run = await sweeps.sweep(
                        session, rule_key=key, settings=settings, now=utcnow(), dry_run=dry_run, progress=advance
                    )
                runs.append(retention_service.run_out(run))
            return runs

    for run in _run(settings, work):
        counts = run.counts
        verb = "would be" if dry_run else "were"
        click.echo(
            f"{run.rule} on {run.store}: {counts.deleted} deleted, {counts.anonymised} anonymised, "
            f"{counts.restricted} restricted, {counts.held} held ({verb} so, cutoff {run.cutoff:%Y-%m-%d %H:%M} UTC)"
        )


@main.group("notice")
def notice_group() -> None:
    """The privacy notice."""


@notice_group.command("publish")
@click.option("--summary", required=True, help="What changed, for the revision history.")
@click.option("--material", is_flag=True, help="A material change: the consent banner asks every visitor again.")
def notice_publish(summary: str, material: bool) -> None:
    """Publish the privacy notice as the records stand now (/privacy, /privacy.pdf)."""
    _publish_notice(_settings(), summary=summary, material=material, actor=Actor.system("cli"), quiet_if_same=False)


def _publish_notice(settings: Settings, *, summary: str, material: bool, actor: Actor, quiet_if_same: bool) -> None:
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
        number = _run(settings, work)
    except PrivacyError as error:
        _fail(error)
    if number is not None:
        click.echo(f"published the privacy notice, version {number}")


@main.group("export")
def export_group() -> None:
    """Exports for auditors."""


@export_group.command("audit-bundle")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def export_audit_bundle(file: Path) -> None:
    """Write the auditor's bundle (ZIP with a signed manifest) to FILE, showing each part as it goes."""

    async def work(sessions: SessionFactory) -> int:
        async with sessions() as session:
            with file.open("wb") as target:
                count = await bundle.write_bundle(
                    session, target, now=utcnow(), progress=lambda name: click.echo(f"  {name}", err=True)
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

    try:
        count = _run(_settings(), work)
    except PrivacyError as error:
        _fail(error)
    click.echo(f"wrote {file}: {count} files and a signed manifest; check it with `privacy verify-bundle {file}`")


@main.command("verify-bundle")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--jwks",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The public key set (as served at /.well-known/jwks.json); this toolkit's own key when left out.",
)
def verify_bundle_command(file: Path, jwks: Path | None) -> None:
    """Check an audit bundle: the manifest's signature, then every file's SHA-256. Exits 1 if anything differs."""
    keys = json.loads(jwks.read_text()) if jwks else public_jwks(Keyring(load_master_secret(_settings())))
    check = bundle.verify_bundle(str(file), keys)
    if not check.valid:
        for problem in check.problems:
            click.secho(f"FAILED: {problem}", fg="red", err=True)
        sys.exit(1)
    click.echo(f"bundle intact: {check.files} files match the manifest signed on {check.generated_at}")


@main.group("audit")
def audit_group() -> None:
    """The audit trail."""


@audit_group.command("verify")
def audit_verify() -> None:
    """Check the hash chain; exit non-zero naming the first bad entry."""

    async def work(sessions: SessionFactory) -> audit.ChainReport:
        async with sessions() as session:
            return await audit.verify_chain(session)

    report = _run(_settings(), work)
    if not report.intact:
        click.secho(f"audit trail broken at entry {report.first_bad_seq}: {report.problem}", fg="red", err=True)
        sys.exit(1)
    head = f"; head is entry {report.head_seq}, {report.head_hash}" if report.head_seq else ""
    click.echo(f"audit trail intact: {report.checked} entries{head}")


@main.group()
def keys() -> None:
    """Encryption keys."""


@keys.command("rotate")
def keys_rotate() -> None:
    """Start a new field-encryption key and re-encrypt every stored field under it."""

    async def work(sessions: SessionFactory) -> tuple[int, int]:
        async with sessions() as session, session.begin():
            key_id = await rotation.start_rotation(session, actor=Actor.system("keys-rotate"))
            total = await rotation.count_encrypted(session)
        with click.progressbar(length=total, label=f"re-encrypting under key {key_id}", file=sys.stderr) as bar:
            done = await rotation.reencrypt_all(sessions, key_id=key_id, progress=lambda _name, n: bar.update(n))
        return key_id, done

    key_id, done = _run(_settings(), work)
    click.echo(f"key {key_id} is active; {done} fields re-encrypted")


@keys.command("status")
def keys_status() -> None:
    """How many stored fields each key id protects."""

    async def work(sessions: SessionFactory) -> dict[int, int]:
        async with sessions() as session:
            return await rotation.fields_per_key(session)

    for key_id, count in _run(_settings(), work).items():
        click.echo(f"key {key_id}: {count} fields")
