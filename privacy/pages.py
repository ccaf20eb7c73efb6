"""The console under /console: server-rendered pages, forms with CSRF tokens, no third-party assets."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from privacy import audit, auth, mail
from privacy.actors import Role
from privacy.console import Form, console_page, submit_form
from privacy.db import utcnow
from privacy.endpoints import (
    MANAGE_STAFF,
    READ,
    VIEW_STAFF,
    audit_entry_out,
    token_out,
    user_out,
)
from privacy.errors import (
    FieldError,
    Invalid,
    PrivacyError,
    Problem,
    TooManyRequests,
    Unauthorized,
    form_errors,
)
from privacy.network import client_address
from privacy.settings import Settings
from privacy.web import SESSION_COOKIE, DbSession, current_actor


def page(
    request: Request[Any, Any, Any],
    template: str,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Template:
    """A page of the core's console (sign-in, staff, tokens, audit trail, outbox)."""
    return console_page(
        request,
        f"console/{template}",
        status_code=status_code,
        headers=headers,
        choices={"staff_roles": list(Role)},
        **context,
    )


@get("/console/login", include_in_schema=False)
async def login_form(request: Request[Any, Any, Any]) -> Template:
    return page(request, "login.html")


@post("/console/login", include_in_schema=False)
async def login(request: Request[Any, Any, Any], db_session: DbSession, data: Form) -> Response[Any]:
    settings: Settings = request.app.state.settings
    policy = auth.LoginPolicy.from_settings(settings)
    # The visitor behind trusted proxies, as the public endpoints count them: behind a proxy every
    # sign-in would otherwise come from the proxy's address and share one per-client count.
    peer = request.client.host if request.client else None
    client = client_address(peer, request.headers.get("x-forwarded-for"), settings.trusted_proxy_networks) or "unknown"
    try:
        _, token = await auth.log_in(
            db_session,
            email=str(data.get("email", "")),
            password=str(data.get("password", "")),
            client=client,
            now=utcnow(),
            policy=policy,
        )
    except (Unauthorized, TooManyRequests) as error:
        headers = {"retry-after": str(error.retry_after)} if isinstance(error, TooManyRequests) else {}
        problem = Problem(error.status_code, error.title, error.detail, request.url.path)
        return page(request, "login.html", error.status_code, headers, problem=problem, email=data.get("email", ""))
    response: Response[Any] = Redirect("/console", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        secure=settings.served_over_https,
        samesite="lax",
        path="/",
        max_age=settings.session_hours * 3600,
    )
    return response


@post("/logout", opt=READ)
async def logout(request: Request[Any, Any, Any], db_session: DbSession) -> Response[Any]:
    await auth.log_out(db_session, token=request.cookies.get(SESSION_COOKIE, ""))
    response: Response[Any] = Redirect("/console/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@get("/audit", opt=READ)
async def audit_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    before_seq: Annotated[int | None, QueryParameter(ge=1)] = None,
) -> Template:
    entries = await audit.list_entries(db_session, before_seq=before_seq, limit=50)
    report = await audit.verify_chain(db_session)
    return page(request, "audit.html", entries=[audit_entry_out(db_session, e) for e in entries], report=report)


@get("/users", opt=VIEW_STAFF)
async def users_page(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    users = [user_out(db_session, user) for user in await auth.list_users(db_session)]
    return page(request, "users.html", users=users, errors=[])


@post("/users", opt=MANAGE_STAFF)
async def create_user(request: Request[Any, Any, Any], db_session: DbSession, data: Form) -> Response[Any]:
    async def create() -> str:
        await auth.create_user(
            db_session,
            email=str(data.get("email", "")),
            password=str(data.get("password", "")),
            role=_role(data.get("role")),
            actor=current_actor(request),
        )
        return "/console/users"

    async def again(errors: list[FieldError], status: int) -> Response[Any]:
        users = [user_out(db_session, user) for user in await auth.list_users(db_session)]
        return page(request, "users.html", 422, users=users, errors=errors)

    return await submit_form(create, again=again)


@post("/users/{user_id:uuid}", opt=MANAGE_STAFF)
async def update_user(
    request: Request[Any, Any, Any], db_session: DbSession, user_id: FromPath[uuid.UUID], data: Form
) -> Response[Any]:
    role = _role(data["role"]) if data.get("role") else None
    active = {"yes": True, "no": False}.get(str(data.get("active", "")))
    await auth.update_user(db_session, user_id=user_id, role=role, active=active, actor=current_actor(request))
    return Redirect("/console/users", status_code=303)


@get("/tokens", opt=VIEW_STAFF)
async def tokens_page(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    tokens = [token_out(token) for token in await auth.list_tokens(db_session)]
    return page(request, "tokens.html", tokens=tokens, created=None, errors=[])


@post("/tokens", opt=MANAGE_STAFF)
async def create_token(request: Request[Any, Any, Any], db_session: DbSession, data: Form) -> Template:
    try:
        _, secret = await auth.create_token(
            db_session, name=str(data.get("name", "")), role=_role(data.get("role")), actor=current_actor(request)
        )
    except PrivacyError as error:
        tokens = [token_out(token) for token in await auth.list_tokens(db_session)]
        return page(request, "tokens.html", 422, tokens=tokens, created=None, errors=form_errors(error))
    tokens = [token_out(token) for token in await auth.list_tokens(db_session)]
    return page(request, "tokens.html", 201, tokens=tokens, created=secret, errors=[])


@post("/tokens/{token_id:uuid}/revoke", opt=MANAGE_STAFF)
async def revoke_token(
    request: Request[Any, Any, Any], db_session: DbSession, token_id: FromPath[uuid.UUID]
) -> Response[Any]:
    await auth.revoke_token(db_session, token_id=token_id, actor=current_actor(request), now=utcnow())
    return Redirect("/console/tokens", status_code=303)


def _role(value: object) -> Role:
    try:
        return Role(str(value))
    except ValueError as error:
        raise Invalid(f"unknown role '{value}'", errors=[FieldError("role", "unknown role")]) from error


@get("/outbox", opt=READ)
async def outbox_page(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    settings: Settings = request.app.state.settings
    letters = await mail.pending_messages(db_session)
    return page(request, "outbox.html", letters=letters, smtp=bool(settings.smtp_host))


PUBLIC_PAGES = [login_form, login]
CONSOLE_PAGES = [
    logout,
    audit_page,
    users_page,
    create_user,
    update_user,
    tokens_page,
    create_token,
    revoke_token,
    outbox_page,
]
