"""Commands that operate the toolkit itself: its database schema, staff users (the first admin
included) and API tokens, the audit trail, the encryption keys, and the check of an auditor's
bundle."""

from __future__ import annotations

import contextlib
import io
import json
import secrets
import sys
from pathlib import Path

import click

from privacy import audit, auth, bundle, commands, rotation
from privacy.actors import Actor, Role
from privacy.db import SessionFactory, migration_commands, upgrade_database
from privacy.keys import Keyring, load_master_secret
from privacy.signing import public_jwks

FIRST_ADMIN_EMAIL = "admin@example.com"


@click.group()
def users() -> None:
    """Staff users."""


@users.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]), help="What the user may do.")
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

    commands.run(commands.settings(), work)
    click.echo(f"created {role} user")


@click.group()
def tokens() -> None:
    """API tokens."""


@tokens.command("create", short_help="Create an API token, printed alone on the last line.")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]), help="What the token may do.")
@click.option("--name", required=True, help='What the token is for, to recognise it (e.g. "auditor laptop").')
def tokens_create(role: str, name: str) -> None:
    """Create an API token; the token is printed alone on the last line, once."""

    async def work(sessions: SessionFactory) -> str:
        async with sessions() as session, session.begin():
            _, secret = await auth.create_token(session, name=name, role=Role(role), actor=Actor.system("cli"))
            return secret

    secret = commands.run(commands.settings(), work)
    click.echo(f"created {role} token '{name}'; it is shown only now:")
    click.echo(secret)


@click.command("verify-bundle", short_help="Check an audit bundle's signature and every file.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--jwks",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The public key set (as served at /.well-known/jwks.json); this toolkit's own key when left out.",
)
def verify_bundle_command(file: Path, jwks: Path | None) -> None:
    """Check an audit bundle: the manifest's signature, then every file's SHA-256. Exits 1 if anything differs."""
    keys = json.loads(jwks.read_text()) if jwks else public_jwks(Keyring(load_master_secret(commands.settings())))
    check = bundle.verify_bundle(str(file), keys)
    if not check.valid:
        for problem in check.problems:
            click.secho(f"FAILED: {problem}", fg="red", err=True)
        sys.exit(1)
    click.echo(f"bundle intact: {check.files} files match the manifest signed on {check.generated_at}")


@click.group("audit")
def audit_group() -> None:
    """The audit trail."""


@audit_group.command("verify")
def audit_verify() -> None:
    """Check the hash chain; exit non-zero naming the first bad entry."""

    async def work(sessions: SessionFactory) -> audit.ChainReport:
        async with sessions() as session:
            return await audit.verify_chain(session)

    report = commands.run(commands.settings(), work)
    if not report.intact:
        click.secho(f"audit trail broken at entry {report.first_bad_seq}: {report.problem}", fg="red", err=True)
        sys.exit(1)
    head = f"; head is entry {report.head_seq}, {report.head_hash}" if report.head_seq else ""
    click.echo(f"audit trail intact: {report.checked} entries{head}")


@click.group()
def keys() -> None:
    """Encryption keys."""


@keys.command("rotate", short_help="Start a new field-encryption key and re-encrypt.")
def keys_rotate() -> None:
    """Start a new field-encryption key and re-encrypt every stored field under it."""

    async def work(sessions: SessionFactory) -> tuple[int, int]:
        async with sessions() as session, session.begin():
            key_id = await rotation.start_rotation(session, actor=Actor.system("keys-rotate"))
            total = await rotation.count_encrypted(session)
        with click.progressbar(length=total, label=f"re-encrypting under key {key_id}", file=sys.stderr) as bar:
            done = await rotation.reencrypt_all(sessions, key_id=key_id, progress=lambda _name, n: bar.update(n))
        return key_id, done

    key_id, done = commands.run(commands.settings(), work)
    click.echo(f"key {key_id} is active; {done} fields re-encrypted")


@keys.command("status")
def keys_status() -> None:
    """How many stored fields each key id protects."""

    async def work(sessions: SessionFactory) -> dict[int, int]:
        async with sessions() as session:
            return await rotation.fields_per_key(session)

    for key_id, count in commands.run(commands.settings(), work).items():
        click.echo(f"key {key_id}: {count} fields")


async def say_how_to_add_the_first_admin(sessions: SessionFactory) -> None:
    async with sessions() as session:
        if await auth.count_users(session):
            return
    click.echo(
        "No staff user yet: create the first admin with `privacy users create EMAIL --role admin`, "
        "or load the example organisation and an admin login with `privacy demo`.",
        err=True,
    )


async def ensure_first_admin(sessions: SessionFactory, *, console: str) -> None:
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


@click.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the newest schema."""
    upgrade_database(commands.settings())
    click.echo("database is at the newest schema")


@db.command("current")
def db_current() -> None:
    """Show the schema revision of the database."""
    migration_commands(commands.settings()).current(verbose=False)


@db.command("check", short_help="Exit non-zero when models and migrations disagree.")
def db_check() -> None:
    """Exit non-zero when the models and the migrations disagree or the database is behind."""
    output = io.StringIO()
    try:
        with contextlib.redirect_stdout(output):
            migration_commands(commands.settings()).check()
    except Exception as error:  # Alembic raises its own CommandError with the differences
        click.secho(f"not in step: {error}", fg="red", err=True)
        sys.exit(1)
    click.echo("models, migrations and database agree")


COMMANDS = [db, users, tokens, verify_bundle_command, audit_group, keys]
