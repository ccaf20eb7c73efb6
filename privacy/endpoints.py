"""Admin API of the core under /api/v1/admin, and the service's health and metrics."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import AsyncIterator
from typing import IO, Annotated, Any

from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Stream
from litestar.status_codes import HTTP_204_NO_CONTENT
from litestar.types import ControllerRouterHandler
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from privacy import audit, auth, bundle, systems
from privacy.actors import Permission
from privacy.audit import record_change
from privacy.db import utcnow
from privacy.errors import FieldError, Invalid, PrivacyError
from privacy.keys import Keyring
from privacy.models import ApiToken, StaffUser
from privacy.schemas import (
    AuditEntryOut,
    ChainReportOut,
    SystemCheckOut,
    SystemIn,
    SystemOut,
    SystemSummary,
    TokenCreated,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
    UserUpdate,
)
from privacy.signing import public_jwks
from privacy.web import DbSession, attachment, current_actor

READ = {"permission": Permission.READ}
EXPORT = {"permission": Permission.EXPORT}
VIEW_STAFF = {"permission": Permission.VIEW_STAFF}
MANAGE_STAFF = {"permission": Permission.MANAGE_STAFF}
MANAGE_SYSTEMS = {"permission": Permission.MANAGE_SYSTEMS}


class HealthController(Controller):
    path = "/health"
    tags = ["service"]

    @get("/live", summary="The process is up")
    async def live(self) -> dict[str, str]:
        return {"status": "ok"}

    @get("/ready", summary="The database answers")
    async def ready(self, db_session: DbSession) -> Response[dict[str, str]]:
        try:
            await db_session.execute(text("SELECT 1"))
        except Exception:
            return Response({"status": "database unavailable"}, status_code=503)
        return Response({"status": "ok"})


async def _chunks_of(spool: IO[bytes]) -> AsyncIterator[bytes]:
    try:
        while chunk := spool.read(1 << 20):
            yield chunk
    finally:
        spool.close()


class AuditBundleController(Controller):
    path = "/exports"
    tags = ["exports"]

    @get(
        "/audit-bundle",
        opt=EXPORT,
        summary="The auditor's bundle: a ZIP of the records with a signed manifest (see docs/audit-bundle.md)",
        media_type="application/zip",
    )
    async def audit_bundle(self, request: Request[Any, Any, Any], db_session: DbSession) -> Stream:
        now = utcnow()
        spool = tempfile.TemporaryFile()  # noqa: SIM115  (closed by the stream once sent)
        await bundle.write_bundle(db_session, spool, parts=request.app.state.bundle_parts, now=now)
        await record_change(
            db_session,
            actor=current_actor(request),
            action="export.audit_bundle",
            object_type="export",
            object_id="audit-bundle",
            before=None,
            after={"generated_at": now.isoformat()},
            now=now,
        )
        spool.seek(0)
        return Stream(_chunks_of(spool), headers=attachment(f"audit-bundle-{now:%Y%m%d-%H%M%S}.zip"))


class AuditController(Controller):
    path = "/audit"
    tags = ["audit"]

    @get("/", opt=READ, summary="Audit trail, newest first")
    async def list_entries(
        self,
        db_session: DbSession,
        before_seq: Annotated[int | None, QueryParameter(ge=1)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
    ) -> list[AuditEntryOut]:
        entries = await audit.list_entries(db_session, before_seq=before_seq, limit=limit)
        return [audit_entry_out(db_session, entry) for entry in entries]

    @get("/verify", opt=READ, summary="Check the hash chain")
    async def verify(self, db_session: DbSession) -> ChainReportOut:
        report = await audit.verify_chain(db_session)
        return ChainReportOut(
            intact=report.intact,
            checked=report.checked,
            head_seq=report.head_seq,
            head_hash=report.head_hash,
            first_bad_seq=report.first_bad_seq,
            problem=report.problem,
        )


def audit_entry_out(session: AsyncSession, entry: Any) -> AuditEntryOut:
    try:
        before, after = audit.open_payload(session, entry, "before"), audit.open_payload(session, entry, "after")
    except PrivacyError:
        before = after = {"error": "payload failed its integrity check"}
    return AuditEntryOut(
        seq=entry.seq,
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        before=before,
        after=after,
    )


class UserController(Controller):
    path = "/users"
    tags = ["staff"]

    @get("/", opt=VIEW_STAFF, summary="Staff users")
    async def list_all(self, db_session: DbSession) -> list[UserOut]:
        return [user_out(db_session, user) for user in await auth.list_users(db_session)]

    @post("/", opt=MANAGE_STAFF, summary="Create a staff user")
    async def create(self, request: Request[Any, Any, Any], db_session: DbSession, data: JSONBody[UserIn]) -> UserOut:
        user = await auth.create_user(
            db_session, email=data.email, password=data.password, role=data.role, actor=current_actor(request)
        )
        return user_out(db_session, user)

    @patch("/{user_id:uuid}", opt=MANAGE_STAFF, summary="Change a user's role or deactivate them")
    async def update(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        user_id: FromPath[uuid.UUID],
        data: JSONBody[UserUpdate],
    ) -> UserOut:
        user = await auth.update_user(
            db_session, user_id=user_id, role=data.role, active=data.active, actor=current_actor(request)
        )
        return user_out(db_session, user)


def user_out(session: AsyncSession, user: StaffUser) -> UserOut:
    return UserOut(
        id=user.id,
        email=auth.user_label(session, user),
        role=user.role,
        active=user.active,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
    )


class TokenController(Controller):
    path = "/tokens"
    tags = ["staff"]

    @get("/", opt=VIEW_STAFF, summary="API tokens (never the secrets)")
    async def list_all(self, db_session: DbSession) -> list[TokenOut]:
        return [token_out(token) for token in await auth.list_tokens(db_session)]

    @post("/", opt=MANAGE_STAFF, summary="Create an API token; the secret is shown once")
    async def create(
        self, request: Request[Any, Any, Any], db_session: DbSession, data: JSONBody[TokenIn]
    ) -> TokenCreated:
        token, secret = await auth.create_token(
            db_session, name=data.name, role=data.role, actor=current_actor(request)
        )
        return TokenCreated(**token_out(token).model_dump(), token=secret)

    @delete("/{token_id:uuid}", opt=MANAGE_STAFF, summary="Revoke an API token", status_code=HTTP_204_NO_CONTENT)
    async def revoke(
        self, request: Request[Any, Any, Any], db_session: DbSession, token_id: FromPath[uuid.UUID]
    ) -> None:
        await auth.revoke_token(db_session, token_id=token_id, actor=current_actor(request), now=utcnow())


def token_out(token: ApiToken) -> TokenOut:
    return TokenOut(
        id=token.id,
        name=token.name,
        role=token.role,
        created_by=token.created_by,
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
    )


class SystemController(Controller):
    path = "/systems"
    tags = ["systems"]

    @get("/", opt=READ, summary="Other systems holding personal data: key, name and kind only")
    async def list_all(self, db_session: DbSession) -> list[SystemSummary]:
        return await systems.list_systems(db_session)

    @get("/{key:str}", opt=MANAGE_SYSTEMS, summary="One system with its URL (password hidden); administrators only")
    async def show(self, db_session: DbSession, key: FromPath[str]) -> SystemOut:
        return await systems.system_out(db_session, key=key)

    @put("/{key:str}", opt=MANAGE_SYSTEMS, summary="Register or change a system; a URL or secret left out stays")
    async def save(
        self, request: Request[Any, Any, Any], db_session: DbSession, key: FromPath[str], data: JSONBody[SystemIn]
    ) -> SystemOut:
        if data.key != key:
            raise Invalid("the key in the body differs from the one in the path", errors=[FieldError("key", "differs")])
        await systems.save_system(
            db_session, system=data, actor=current_actor(request), settings=request.app.state.settings, now=utcnow()
        )
        return await systems.system_out(db_session, key=key)

    @delete("/{key:str}", opt=MANAGE_SYSTEMS, summary="Remove a system no connector or retention rule uses")
    async def remove(self, request: Request[Any, Any, Any], db_session: DbSession, key: FromPath[str]) -> None:
        await systems.delete_system(db_session, key=key, actor=current_actor(request), now=utcnow())

    @post("/{key:str}/check", opt=MANAGE_SYSTEMS, status_code=200, summary="Whether the system can be reached now")
    async def check(self, request: Request[Any, Any, Any], db_session: DbSession, key: FromPath[str]) -> SystemCheckOut:
        return await systems.check_system(db_session, key=key, settings=request.app.state.settings)


@get("/.well-known/jwks.json", tags=["service"], summary="Public key that checks receipts and exports")
async def jwks(request: Request[Any, Any, Any]) -> dict[str, Any]:
    keyring: Keyring = request.app.state.keyring
    return public_jwks(keyring)


ADMIN_CONTROLLERS: list[ControllerRouterHandler] = [
    AuditBundleController,
    AuditController,
    UserController,
    TokenController,
]
