"""Pages of the request domain: the public privacy centre (form, code, status and download) and the
console's inbox by due date, one request, and its actions."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from pydantic import ValidationError

from dsar import fulfilment, service, systems
from dsar.endpoints import CODE_RESENDS, CODE_TRIES, REQUEST_COOKIE, REQUEST_INTAKE, SOON_DAYS, person_token
from dsar.packages import current_package
from dsar.schemas import (
    Channel,
    CodeIn,
    ConnectorKind,
    ExtensionIn,
    ManualResultIn,
    RefusalIn,
    RefusalReason,
    RequestIn,
    RequestStatus,
    RequestType,
    StaffRequestIn,
)
from dsar.texts import LANGUAGES, TEXTS, language_of
from privacy.actors import Actor, Permission
from privacy.db import utcnow
from privacy.errors import FieldError, PrivacyError, TooManyRequests, Unauthorized, form_errors
from privacy.register import service as register
from privacy.settings import Settings
from privacy.web import DbSession, current_actor

READ = {"permission": Permission.READ}
WORK = {"permission": Permission.WORK_REQUESTS}
Form = URLEncodedBody[dict[str, str]]


def page(connection: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any) -> Template:
    actor: Actor | None = connection.scope.get("user")
    return Template(
        template_name=f"dsar/{template}",
        status_code=status_code,
        context={"actor": actor, "permissions": Permission, "errors": [], "form": {}, **context},
    )


@get("/requests", opt=READ)
async def inbox_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    status: Annotated[str | None, QueryParameter(max_length=40)] = None,
    type: Annotated[str | None, QueryParameter(max_length=40)] = None,
) -> Template:
    return await _inbox(request, db_session, status=status or None, type=type or None)


async def _inbox(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    *,
    status: str | None = None,
    type: str | None = None,
    **context: Any,
) -> Template:
    chosen_status = RequestStatus(status) if status in set(RequestStatus) else None
    chosen_type = RequestType(type) if type in set(RequestType) else None
    found = await service.list_requests(
        db_session, status=chosen_status, type=chosen_type, due_before=None, due_after=None
    )
    today = utcnow().date()
    return page(
        request,
        "console_inbox.html",
        requests=[service.summary(r, today=today, soon_days=SOON_DAYS) for r in found],
        soon_days=SOON_DAYS,
        statuses=list(RequestStatus),
        types=list(RequestType),
        channels=[c for c in Channel if c not in (Channel.WEB, Channel.APPLICATION)],
        status=status,
        type=type,
        **context,
    )


@post("/requests", opt=WORK)
async def record_request(request: Request[Any, Any, Any], db_session: DbSession, data: Form) -> Response[Any]:
    try:
        received = datetime.fromisoformat(data.get("received_at", "")).replace(tzinfo=UTC)
        staff_request = StaffRequestIn.model_validate(
            {**{k: v for k, v in data.items() if v and k != "_csrf_token"}, "received_at": received}
        )
        created = await service.record_staff_request(
            db_session,
            data=staff_request,
            actor=current_actor(request),
            settings=request.app.state.settings,
            now=utcnow(),
        )
    except ValidationError as error:
        return await _inbox(request, db_session, errors=form_errors(error), form=data, status_code=422)
    except ValueError:
        errors = [FieldError("received_at", "not a date and time")]
        return await _inbox(request, db_session, errors=errors, form=data, status_code=422)
    except PrivacyError as error:
        return await _inbox(request, db_session, errors=form_errors(error), form=data, status_code=error.status_code)
    return Redirect(f"/console/requests/{created.id}", status_code=303)


@get("/requests/{request_id:uuid}", opt=READ)
async def request_page(
    request: Request[Any, Any, Any], db_session: DbSession, request_id: FromPath[uuid.UUID]
) -> Template:
    return await _request_page(request, db_session, request_id)


async def _request_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    request_id: uuid.UUID,
    *,
    errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> Template:
    found = await service.request_out(db_session, await service.get_request(db_session, request_id=request_id))
    manual = [row.key for row in await systems.list_connectors(db_session) if row.kind == ConnectorKind.MANUAL.value]
    return page(
        request,
        "console_request.html",
        status_code,
        item=found,
        manual_systems=manual,
        refusal_reasons=list(RefusalReason),
        errors=errors or [],
    )


@post("/requests/{request_id:uuid}/extend", opt=WORK)
async def extend_request(
    request: Request[Any, Any, Any], db_session: DbSession, request_id: FromPath[uuid.UUID], data: Form
) -> Response[Any]:
    now = utcnow()
    try:
        extension = ExtensionIn.model_validate({"reason": data.get("reason", "")})
        await service.extend_deadline(
            db_session,
            request_id=request_id,
            reason=extension.reason,
            actor=current_actor(request),
            settings=request.app.state.settings,
            today=now.date(),
            now=now,
        )
    except (ValidationError, PrivacyError) as error:
        return await _request_page(
            request, db_session, request_id, errors=form_errors(error), status_code=_status(error)
        )
    return Redirect(f"/console/requests/{request_id}", status_code=303)


@post("/requests/{request_id:uuid}/refuse", opt=WORK)
async def refuse_request(
    request: Request[Any, Any, Any], db_session: DbSession, request_id: FromPath[uuid.UUID], data: Form
) -> Response[Any]:
    try:
        refusal = RefusalIn.model_validate({"reason": data.get("reason"), "explanation": data.get("explanation", "")})
        await service.refuse_request(
            db_session, request_id=request_id, refusal=refusal, actor=current_actor(request), now=utcnow()
        )
    except (ValidationError, PrivacyError) as error:
        return await _request_page(
            request, db_session, request_id, errors=form_errors(error), status_code=_status(error)
        )
    return Redirect(f"/console/requests/{request_id}", status_code=303)


@post("/requests/{request_id:uuid}/steps/{step_id:int}", opt=WORK)
async def complete_step(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    request_id: FromPath[uuid.UUID],
    step_id: FromPath[int],
    data: Form,
) -> Response[Any]:
    try:
        result = ManualResultIn.model_validate(
            {
                "rows": list(csv.DictReader(io.StringIO(data.get("rows", "").strip()))) if data.get("rows") else [],
                "erased": _lines(data.get("erased", "")),
                "kept": [_kept(line) for line in _lines(data.get("kept", ""))],
            }
        )
        await fulfilment.complete_manual_step(
            db_session,
            request_id=request_id,
            step_id=step_id,
            result=result,
            actor=current_actor(request),
            settings=request.app.state.settings,
            now=utcnow(),
        )
    except (ValidationError, PrivacyError) as error:
        return await _request_page(
            request, db_session, request_id, errors=form_errors(error), status_code=_status(error)
        )
    return Redirect(f"/console/requests/{request_id}", status_code=303)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _kept(line: str) -> dict[str, str | None]:
    what, _, rest = line.partition("|")
    why, _, until = rest.partition("|")
    return {"what": what.strip(), "why": why.strip(), "until": until.strip() or None}


def _retry_after(error: Exception) -> dict[str, str] | None:
    """Every 429 says when to come back, the pages' as the API's."""
    return {"retry-after": str(error.retry_after)} if isinstance(error, TooManyRequests) else None


def _status(error: Exception) -> int:
    return error.status_code if isinstance(error, PrivacyError) else 422


def public_page(request: Request[Any, Any, Any], template: str, language: str, **context: Any) -> Template:
    return Template(
        template_name=f"dsar/{template}",
        status_code=context.pop("status_code", 200),
        headers=context.pop("headers", None),
        context={
            "language": language,
            "languages": LANGUAGES,
            "t": TEXTS[language],
            "errors": [],
            "form": {},
            **context,
        },
    )


def _language(request: Request[Any, Any, Any]) -> str:
    return language_of(request.query_params.get("lang"), request.headers.get("accept-language"))


@get("/privacy/requests", include_in_schema=False)
async def request_form(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    organisation = await register.get_organisation(db_session)
    return public_page(request, "public_form.html", _language(request), organisation=organisation)


@post("/privacy/requests", guards=[REQUEST_INTAKE], include_in_schema=False)
async def submit_request_form(request: Request[Any, Any, Any], db_session: DbSession, data: Form) -> Response[Any]:
    language = _language(request)
    fields = {k: v for k, v in data.items() if v and k in {"type", "email", "name", "details"}}
    try:
        created = await service.submit_request(
            db_session,
            data=RequestIn.model_validate({**fields, "language": language}),
            settings=request.app.state.settings,
            now=utcnow(),
        )
    except ValidationError as error:
        organisation = await register.get_organisation(db_session)
        return public_page(
            request,
            "public_form.html",
            language,
            organisation=organisation,
            form=data,
            errors=form_errors(error),
            status_code=422,
        )
    return Redirect(f"/privacy/requests/{created.reference}/verify?lang={language}", status_code=303)


@get("/privacy/requests/{reference:str}/verify", include_in_schema=False)
async def code_form(request: Request[Any, Any, Any], db_session: DbSession, reference: FromPath[str]) -> Template:
    organisation = await register.get_organisation(db_session)
    return public_page(request, "public_code.html", _language(request), organisation=organisation, reference=reference)


@post("/privacy/requests/{reference:str}/verify", guards=[CODE_TRIES], include_in_schema=False)
async def verify_code_form(
    request: Request[Any, Any, Any], db_session: DbSession, reference: FromPath[str], data: Form
) -> Response[Any]:
    language = _language(request)
    settings: Settings = request.app.state.settings
    try:
        code = CodeIn.model_validate({"code": data.get("code", "")})
        granted = await service.verify_code(
            db_session, reference=reference, code=code.code, settings=settings, now=utcnow()
        )
    except (ValidationError, PrivacyError) as error:
        organisation = await register.get_organisation(db_session)
        return public_page(
            request,
            "public_code.html",
            language,
            organisation=organisation,
            reference=reference,
            errors=form_errors(error),
            status_code=_status(error),
            headers=_retry_after(error),
        )
    response: Response[Any] = Redirect(f"/privacy/requests/{reference}?lang={language}", status_code=303)
    response.set_cookie(
        REQUEST_COOKIE,
        granted.token,
        max_age=settings.request_token_days * 86400,
        path="/",
        httponly=True,
        secure=settings.served_over_https,
        samesite="lax",
    )
    return response


@post("/privacy/requests/{reference:str}/code", guards=[CODE_RESENDS], include_in_schema=False)
async def resend_code_form(
    request: Request[Any, Any, Any], db_session: DbSession, reference: FromPath[str]
) -> Response[Any]:
    language = _language(request)
    try:
        await service.resend_code(db_session, reference=reference, now=utcnow())
    except PrivacyError as error:
        organisation = await register.get_organisation(db_session)
        return public_page(
            request,
            "public_code.html",
            language,
            organisation=organisation,
            reference=reference,
            errors=form_errors(error),
            status_code=error.status_code,
            headers=_retry_after(error),
        )
    return Redirect(f"/privacy/requests/{reference}/verify?lang={language}", status_code=303)


@get("/privacy/requests/{reference:str}", include_in_schema=False)
async def status_page(
    request: Request[Any, Any, Any], db_session: DbSession, reference: FromPath[str]
) -> Response[Any]:
    language, now = _language(request), utcnow()
    try:
        found = await service.request_for_token(db_session, reference=reference, token=person_token(request), now=now)
    except Unauthorized:  # this browser has not proven the email yet: ask for a code
        return Redirect(f"/privacy/requests/{reference}/verify?lang={language}", status_code=303)
    package = await current_package(db_session, found, now=now)
    status = await service.status_for_person(db_session, found, package_until=package.expires_at if package else None)
    organisation = await register.get_organisation(db_session)
    return public_page(request, "public_status.html", language, organisation=organisation, status=status)


PUBLIC_PAGES = [request_form, submit_request_form, code_form, verify_code_form, resend_code_form, status_page]
CONSOLE_PAGES = [inbox_page, record_request, request_page, extend_request, refuse_request, complete_step]
