"""Staff access: users with Argon2id passwords, API tokens, console sessions, login throttling."""

from __future__ import annotations

import functools
import hashlib
import os
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from privacy.actors import Actor, Role
from privacy.audit import record_change
from privacy.db import field_context
from privacy.errors import Conflict, Invalid, NotFound, TooManyRequests, Unauthorized
from privacy.keys import decrypt_field, encrypt_field, keyring_of
from privacy.models import ApiToken, LoginFailure, StaffSession, StaffUser
from privacy.ratelimit import Per, counted_as
from privacy.settings import Settings

MIN_PASSWORD_LENGTH = 12
TOKEN_PREFIX = "pt_"  # noqa: S105 (marks a token, is not one)
# Token use is recorded at most this often, so reading the API does not write on every request.
LAST_USED_GRANULARITY = timedelta(minutes=1)


def hash_password(password: str) -> str:
    kdf = Argon2id(salt=os.urandom(16), length=32, iterations=3, lanes=4, memory_cost=65536)
    return kdf.derive_phc_encoded(password.encode())


def password_matches(password: str, phc_hash: str) -> bool:
    try:
        Argon2id.verify_phc_encoded(password.encode(), phc_hash)
    except InvalidKey:
        return False
    return True


@functools.cache
def _unknown_user_hash() -> str:
    """Checked against when the email is unknown, so a login takes as long whether or not it exists."""
    return hash_password(secrets.token_urlsafe(16))


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def email_context(user_id: uuid.UUID) -> str:
    return field_context(StaffUser.email_encrypted, id=user_id)


def user_label(session: AsyncSession, user: StaffUser) -> str:
    return decrypt_field(session, user.email_encrypted, context=email_context(user.id))


async def who_is(session: AsyncSession, reference: str) -> str:
    """Whom an actor's reference (`user:<id>`, as the audit trail keeps it) names, as staff read it:
    a user's email, a token's name; anyone since removed by their reference."""
    kind, _, identifier = reference.partition(":")
    try:
        if kind == "user" and (user := await session.get(StaffUser, uuid.UUID(identifier))):
            return user_label(session, user)
        if kind == "token" and (token := await session.get(ApiToken, uuid.UUID(identifier))):
            return f"token {token.name}"
    except ValueError:
        pass
    return reference


def user_actor(session: AsyncSession, user: StaffUser, *, via_session: bool = False) -> Actor:
    return Actor(
        kind="user",
        id=str(user.id),
        role=Role(user.role),
        label=user_label(session, user),
        via_session=via_session,
    )


async def create_user(session: AsyncSession, *, email: str, password: str, role: Role, actor: Actor) -> StaffUser:
    email = email.strip()
    if "@" not in email or len(email) > 254:
        raise Invalid("not an email address", errors=[])
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    index = keyring_of(session).lookup_hash(email)
    if await session.scalar(select(StaffUser.id).where(StaffUser.email_index == index)):
        raise Conflict("a staff user with this email already exists")
    user_id = uuid.uuid4()
    user = StaffUser(
        id=user_id,
        email_index=index,
        email_encrypted=await encrypt_field(session, email, context=email_context(user_id)),
        role=role.value,
        password_hash=hash_password(password),
    )
    session.add(user)
    await session.flush()
    await record_change(
        session,
        actor=actor,
        action="user.created",
        object_type="staff_user",
        object_id=str(user.id),
        before=None,
        after={"email": email, "role": role.value, "active": True},
    )
    return user


async def list_users(session: AsyncSession) -> list[StaffUser]:
    return list((await session.scalars(select(StaffUser).order_by(StaffUser.created_at))).all())


async def privacy_team_emails(session: AsyncSession) -> list[str]:
    """Whom reminders of legal deadlines go to: the active administrators and privacy officers."""
    team = {Role.ADMIN.value, Role.PRIVACY_OFFICER.value}
    return [user_label(session, user) for user in await list_users(session) if user.active and user.role in team]


async def count_users(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(StaffUser)) or 0)


async def update_user(
    session: AsyncSession, *, user_id: uuid.UUID, role: Role | None, active: bool | None, actor: Actor
) -> StaffUser:
    user = await session.get(StaffUser, user_id)
    if user is None:
        raise NotFound("no such staff user")
    if actor.kind == "user" and actor.id == str(user.id) and (active is False or role not in (None, Role.ADMIN)):
        raise Conflict("you cannot demote or deactivate yourself")
    before = {"role": user.role, "active": user.active}
    if role is not None:
        user.role = role.value
    if active is not None:
        user.active = active
        if not active:
            await session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
    await record_change(
        session,
        actor=actor,
        action="user.updated",
        object_type="staff_user",
        object_id=str(user.id),
        before=before,
        after={"role": user.role, "active": user.active},
    )
    # Counted after the change is recorded: appending to the audit trail takes its head's lock, so two
    # admins demoting each other at once are counted one after the other, on either engine.
    if before == {"role": Role.ADMIN.value, "active": True} and not await _active_admins(session):
        raise Conflict("there must always be an active admin: make another user admin first")
    return user


async def _active_admins(session: AsyncSession) -> int:
    count = select(func.count()).select_from(StaffUser).where(StaffUser.role == Role.ADMIN.value, StaffUser.active)
    return int(await session.scalar(count) or 0)


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int  # for one email from one client
    window: timedelta
    session_lifetime: timedelta
    client_max_failures: int = 20  # from one client, whatever the emails

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginPolicy:
        return cls(
            max_failures=settings.login_max_failures,
            window=timedelta(minutes=settings.login_window_minutes),
            session_lifetime=timedelta(hours=settings.session_hours),
            client_max_failures=settings.login_client_max_failures,
        )


async def log_in(
    session: AsyncSession, *, email: str, password: str, client: str, now: datetime, policy: LoginPolicy
) -> tuple[StaffUser, str]:
    """Check the password and open a console session. Returns the user and the session token for
    the cookie. Failures pause one email from one client (so a stranger elsewhere cannot lock a
    colleague out) and one client whatever the emails (so one client cannot try a password on
    every account); both are keyed hashes."""
    keyring = keyring_of(session)
    client_key = counted_as(client, Per.CLIENT)
    pair = f"email+client:{keyring.lookup_hash(f'{keyring.lookup_hash(email)} {client_key}')}"
    attempts = [
        LoginFailure(subject=pair, failed_at=now),
        LoginFailure(subject=f"client:{keyring.lookup_hash(client_key)[:32]}", failed_at=now),
    ]
    await _count_attempt(session, attempts, now=now, policy=policy)
    user = await session.scalar(select(StaffUser).where(StaffUser.email_index == keyring.lookup_hash(email)))
    valid = password_matches(password, user.password_hash if user else _unknown_user_hash())
    if user is None or not valid or not user.active:
        raise Unauthorized("wrong email or password")  # the attempt stays counted as a failure
    # Signed in: this email's failures from this client are forgiven, not the client's elsewhere.
    await session.execute(delete(LoginFailure).where(LoginFailure.subject == pair))
    await session.execute(delete(LoginFailure).where(LoginFailure.id == attempts[1].id))
    user.last_login_at = now
    token = secrets.token_urlsafe(32)
    session.add(
        StaffSession(id=sha256_hex(token), user_id=user.id, created_at=now, expires_at=now + policy.session_lifetime)
    )
    await record_change(
        session,
        actor=user_actor(session, user),
        action="user.logged_in",
        object_type="staff_user",
        object_id=str(user.id),
        before=None,
        after=None,
        now=now,
    )
    return user, token


async def _count_attempt(
    session: AsyncSession, attempts: list[LoginFailure], *, now: datetime, policy: LoginPolicy
) -> None:
    """Count the attempt as a failure before the password is checked, committed in a transaction
    of its own, so that of any number of concurrent attempts each sees those counted before it: no
    more than the limits ever reach the password check. Refused attempts are not counted."""
    since = now - policy.window
    async with AsyncSession(_engine_of(session), expire_on_commit=False) as counting:
        async with counting.begin():
            # Failures and sessions that no longer count are dropped here, so neither table grows.
            await counting.execute(delete(LoginFailure).where(LoginFailure.failed_at <= since))
            await counting.execute(delete(StaffSession).where(StaffSession.expires_at <= now))
            counting.add_all(attempts)
        rows = await counting.execute(
            select(LoginFailure.subject, func.count())
            .where(LoginFailure.subject.in_([a.subject for a in attempts]), LoginFailure.failed_at > since)
            .group_by(LoginFailure.subject)
        )
        counts = {subject: int(count) for subject, count in rows}
        pair, client = attempts
        if (
            counts.get(pair.subject, 0) > policy.max_failures
            or counts.get(client.subject, 0) > policy.client_max_failures
        ):
            await counting.execute(delete(LoginFailure).where(LoginFailure.id.in_([a.id for a in attempts])))
            await counting.commit()
            raise TooManyRequests(
                "too many failed logins; try again later", retry_after=int(policy.window.total_seconds())
            )


def _engine_of(session: AsyncSession) -> AsyncEngine:
    bind = session.bind
    return bind if isinstance(bind, AsyncEngine) else bind.engine


async def actor_for_session_token(session: AsyncSession, *, token: str, now: datetime) -> Actor | None:
    row = await session.get(StaffSession, sha256_hex(token))
    if row is None or row.expires_at <= now:
        return None
    user = await session.get(StaffUser, row.user_id)
    if user is None or not user.active:
        return None
    return user_actor(session, user, via_session=True)


async def log_out(session: AsyncSession, *, token: str) -> None:
    await session.execute(delete(StaffSession).where(StaffSession.id == sha256_hex(token)))


async def create_token(session: AsyncSession, *, name: str, role: Role, actor: Actor) -> tuple[ApiToken, str]:
    name = name.strip()
    if not name or len(name) > 100:
        raise Invalid("a token needs a name of at most 100 characters")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name, role=role.value, token_hash=sha256_hex(secret), created_by=actor.reference)
    session.add(token)
    await session.flush()
    await record_change(
        session,
        actor=actor,
        action="token.created",
        object_type="api_token",
        object_id=str(token.id),
        before=None,
        after={"name": name, "role": role.value},
    )
    return token, secret


async def list_tokens(session: AsyncSession) -> list[ApiToken]:
    return list((await session.scalars(select(ApiToken).order_by(ApiToken.created_at))).all())


async def revoke_token(session: AsyncSession, *, token_id: uuid.UUID, actor: Actor, now: datetime) -> ApiToken:
    token = await session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("no such API token")
    if token.revoked_at is None:
        token.revoked_at = now
        await record_change(
            session,
            actor=actor,
            action="token.revoked",
            object_type="api_token",
            object_id=str(token.id),
            before={"revoked": False},
            after={"revoked": True},
            now=now,
        )
    return token


async def actor_for_api_token(session: AsyncSession, *, secret: str, now: datetime) -> Actor | None:
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = await session.scalar(select(ApiToken).where(ApiToken.token_hash == sha256_hex(secret)))
    if token is None or token.revoked_at is not None:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_GRANULARITY:
        token.last_used_at = now
    return Actor(kind="token", id=str(token.id), role=Role(token.role), label=f"token {token.name}")
