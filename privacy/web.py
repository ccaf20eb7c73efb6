"""HTTP plumbing shared by every domain: staff authentication, the permission guard, security
headers, and the mapping of errors to RFC 9457 problem details."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, cast

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, ValidationException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.response import Template
from litestar.types import BeforeMessageSendHookHandler, Message, Receive, Scope, Send
from sqlalchemy.ext.asyncio import AsyncSession

from privacy import auth
from privacy.actors import Actor, Permission
from privacy.db import utcnow
from privacy.errors import FieldError, Forbidden, PrivacyError, Problem, TooManyRequests, Unauthorized
from privacy.public import problem_page

logger = logging.getLogger("privacy.web")

# The request's database session from the advanced-alchemy plugin, committed on 2xx and 3xx answers.
DbSession = NamedDependency[AsyncSession]

SESSION_COOKIE = "privacy_session"
STAFF_PATHS = ("/api/v1/admin", "/console")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class StaffAuthentication(AbstractAuthenticationMiddleware):
    """Finds the staff actor behind a request: a Bearer token, else a console session cookie.
    Anonymous requests pass with no actor; the guard decides what they may reach."""

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        db_config = cast(SQLAlchemyAsyncConfig, connection.app.state.db_config)
        header = connection.headers.get("authorization", "")
        cookie = connection.cookies.get(SESSION_COOKIE)
        if not header and not cookie:
            return AuthenticationResult(user=None, auth=None)
        now = utcnow()
        async with db_config.get_session() as session:
            if header:
                scheme, _, secret = header.partition(" ")
                actor = await auth.actor_for_api_token(session, secret=secret.strip(), now=now)
                if scheme.lower() != "bearer" or actor is None:
                    raise Unauthorized("the API token is invalid or revoked")
            else:
                actor = await auth.actor_for_session_token(session, token=cookie or "", now=now)
            await session.commit()
        return AuthenticationResult(user=actor, auth=None)


def staff_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Every staff route declares `opt={"permission": ...}`; a route without one is refused."""
    actor: Actor | None = connection.scope.get("user")
    if actor is None:
        raise Unauthorized("sign in to the console or send an API token")
    permission = handler.opt.get("permission")
    if not isinstance(permission, Permission):
        raise PrivacyError("this route declares no permission")
    if not actor.may(permission):
        raise Forbidden(f"the {actor.role} role may not {permission.value.replace('_', ' ')}")
    if actor.via_session and _method(connection.scope) not in SAFE_METHODS and _is_api(connection.scope):
        raise Forbidden("changes through the API need an API token; use the console forms")


def attachment(filename: str) -> dict[str, str]:
    """Headers of a download that no cache keeps."""
    return {"content-disposition": f'attachment; filename="{filename}"', "cache-control": "no-store"}


def current_actor(request: Request[Any, Any, Any]) -> Actor:
    actor: Actor | None = request.scope.get("user")
    if actor is None:
        raise Unauthorized("sign in to the console or send an API token")
    return actor


def _method(scope: Scope) -> str:
    return str(cast(dict[str, Any], scope).get("method", "GET"))


def _is_api(scope: Scope) -> bool:
    return str(scope.get("path", "")).startswith("/api/")


class EncodedJSON:
    """A 200 answer whose JSON body is already encoded, sent straight to the ASGI server: for hot
    paths where building a `Response` costs more than the work behind it. A handler returning it
    documents its shape with `responses=`."""

    __slots__ = ("body", "headers")

    def __init__(self, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
        self.body = body
        self.headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *headers,
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.headers})
        await send({"type": "http.response.body", "body": self.body, "more_body": False})


def security_headers(https: bool) -> BeforeMessageSendHookHandler:
    """The security headers, added to every answer by an app-level `before_send` hook: middleware
    runs only once a route matched, so 404 and 405 answers would go without them. What staff see
    (console pages, the admin API, and any answer to a request carrying a staff token or session)
    is never kept by a browser or proxy; a public answer that sets its own Cache-Control
    (consent.js, the feeds) keeps it."""
    fixed = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
        (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    ]
    if https:
        fixed.append((b"strict-transport-security", b"max-age=63072000; includeSubDomains"))

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        # Appended to the raw list: this runs on every answer, the consent decision included.
        headers = list(message.get("headers", []))
        names = {name.lower() for name, _ in headers}
        headers.extend(pair for pair in fixed if pair[0] not in names)
        path = str(scope.get("path", ""))
        if _is_staff_path(path):
            headers = [pair for pair in headers if pair[0].lower() != b"cache-control"]
            headers.append(NO_STORE)
        elif b"cache-control" not in names and not path.startswith("/static/") and _carries_credentials(scope):
            headers.append(NO_STORE)
        message["headers"] = headers

    return add_headers


NO_STORE = (b"cache-control", b"no-store")
_SESSION_COOKIE_PAIR = f"{SESSION_COOKIE}=".encode()


def _is_staff_path(path: str) -> bool:
    return any(path == prefix or path.startswith(f"{prefix}/") for prefix in STAFF_PATHS)


def _carries_credentials(scope: Scope) -> bool:
    """A staff token or console session (a person's request token too): the answer is for them alone."""
    for name, value in cast(dict[str, Any], scope).get("headers", ()):
        if name == b"authorization" or (name == b"cookie" and _SESSION_COOKIE_PAIR in value):
            return True
    return False


def problem_response(
    request: Request[Any, Any, Any], problem: Problem, headers: Mapping[str, str] | None = None
) -> Response[Any]:
    if request.url.path.startswith("/console") and "text/html" in request.headers.get("accept", ""):
        signing_in = problem.status == 401
        # A first visit is asked to sign in, not told off; a session that ended is told why.
        shown = problem if not signing_in or _carries_credentials(request.scope) else None
        return Template(
            template_name="console/login.html" if signing_in else "console/error.html",
            context={"problem": shown, "next": request.url.path},
            status_code=problem.status,
            headers=dict(headers or {}),
        )
    if request.url.path.startswith("/privacy") and "text/html" in request.headers.get("accept", ""):
        return problem_page(request, problem, headers or {})
    return Response(
        content=problem.as_dict(),
        status_code=problem.status,
        media_type="application/problem+json",
        headers=dict(headers or {}),
    )


def handle_privacy_error(request: Request[Any, Any, Any], error: PrivacyError) -> Response[Any]:
    if error.status_code >= 500:
        logger.error("internal error on %s %s: %s", request.method, request.url.path, type(error).__name__)
    problem = Problem(error.status_code, error.title, error.detail, request.url.path, error.errors)
    headers = {"retry-after": str(error.retry_after)} if isinstance(error, TooManyRequests) else None
    return problem_response(request, problem, headers)


def handle_http_exception(request: Request[Any, Any, Any], error: HTTPException) -> Response[Any]:
    status = error.status_code
    errors: list[FieldError] = []
    if isinstance(error, ValidationException) and isinstance(error.extra, list):
        errors = [_field_error(item) for item in error.extra if isinstance(item, dict)]
        status = 422 if any(e.path for e in errors) else 400
    title = {
        400: "Bad request",
        401: "Authentication required",
        403: "Not allowed",
        404: "Not found",
        405: "Method not allowed",
        413: "Request body too large",
        422: "Invalid input",
        429: "Too many requests",
    }.get(status, "Error")
    detail = "the request does not match the expected shape" if errors else str(error.detail)
    headers = dict(error.headers or {})
    return problem_response(request, Problem(status, title, detail, request.url.path, errors), headers)


def handle_unexpected(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    # The message may carry personal data; the type and the route are enough to find the fault.
    logger.error(
        "unexpected %s on %s %s",
        type(error).__name__,
        request.method,
        request.url.path,
        exc_info=logger.isEnabledFor(logging.DEBUG),
    )
    problem = Problem(500, "Internal error", "something went wrong on our side", request.url.path)
    return problem_response(request, problem)


def _field_error(item: dict[str, Any]) -> FieldError:
    return FieldError(path=str(item.get("key") or ""), message=str(item.get("message", "invalid")))


EXCEPTION_HANDLERS: Mapping[Any, Any] = {
    PrivacyError: handle_privacy_error,
    HTTPException: handle_http_exception,
    Exception: handle_unexpected,
}
