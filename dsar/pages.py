"""Pages of the request domain: the public privacy centre (form, code, status and download) and the
console's inbox by due date, one request, and its actions."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from pydantic import ValidationError

from dsar import decisions, follow_up, intake, objection, service, staff, systems
from dsar.schemas import (
    Channel,
    CodeIn,
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
from dsar.web import CODE_RESENDS, CODE_TRIES, REQUEST_COOKIE, REQUEST_INTAKE, person_token
from privacy.actors import Permission
from privacy.console import Form, console_page, error_status, submit_form
from privacy.db import utcnow
from privacy.errors import FieldError, Invalid, PrivacyError, TooManyRequests, Unauthorized, form_errors
from privacy.register import service as register
from privacy.settings import Settings
from privacy.web import DbSession, current_actor

READ = {"permission": Permission.READ}
WORK = {"permission": Permission.WORK_REQUESTS}


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
    status_code: int = 200,
    **context: Any,
) -> Template:
    chosen_status = RequestStatus(status) if status in set(RequestStatus) else None
    chosen_type = RequestType(type) if type in set(RequestType) else None
    found = await staff.inbox(
        db_session, status=chosen_status, type=chosen_type, due_before=None, due_after=None, today=utcnow().date()
    )
    return console_page(
        request,
        "dsar/console_inbox.html",
        status_code=status_code,
        requests=found,
        soon_days=staff.SOON_DAYS,
        statuses=list(RequestStatus),
        types=list(RequestType),
        channels=[c for c in Channel if c not in (Channel.WEB, Channel.APPLICATION)],
        status=status,
        type=type,
        **context,
    )


@post("/requests", opt=WORK)
async def record_request(request: Request[Any, Any, Any], db_session: DbSession, data: Form) -> Response[Any]:
    async def record() -> str:
        staff_request = StaffRequestIn.model_validate(
            {**{k: v for k, v in data.items() if v and k != "_csrf_token"}, "received_at": _received_at(data)}
        )
        created = await staff.record_staff_request(
            db_session,
            data=staff_request,
            actor=current_actor(request),
            settings=request.app.state.settings,
            now=utcnow(),
        )
        return f"/console/requests/{created.id}"

    async def again(errors: list[FieldError], status: int) -> Response[Any]:
        return await _inbox(request, db_session, errors=errors, form=data, status_code=status)

    return await submit_form(record, again=again)


def _received_at(data: dict[str, str]) -> datetime:
    """The form's local date and time field, taken as UTC."""
    try:
        return datetime.fromisoformat(data.get("received_at", "")).replace(tzinfo=UTC)
    except ValueError as error:
        raise Invalid("not a date and time", errors=[FieldError("received_at", "not a date and time")]) from error


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
    return console_page(
        request,
        "dsar/console_request.html",
        status_code=status_code,
        item=await service.request_detail(db_session, request_id=request_id),
        manual_systems=await systems.manual_systems(db_session),
        refusal_reasons=list(RefusalReason),
        errors=errors or [],
    )


def _request_again(
    request: Request[Any, Any, Any], db_session: DbSession, request_id: uuid.UUID
) -> Callable[[list[FieldError], int], Awaitable[Response[Any]]]:
    """The request's page again, with what was wrong with the action's form."""

    async def again(errors: list[FieldError], status: int) -> Response[Any]:
        return await _request_page(request, db_session, request_id, errors=errors, status_code=status)

    return again


@post("/requests/{request_id:uuid}/extend", opt=WORK)
async def extend_request(
    request: Request[Any, Any, Any], db_session: DbSession, request_id: FromPath[uuid.UUID], data: Form
) -> Response[Any]:
    async def extend() -> str:
        now = utcnow()
        extension = ExtensionIn.model_validate({"reason": data.get("reason", "")})
        await staff.extend_deadline(
            db_session,
            request_id=request_id,
            reason=extension.reason,
            actor=current_actor(request),
            settings=request.app.state.settings,
            today=now.date(),
            now=now,
        )
        return f"/console/requests/{request_id}"

    return await submit_form(extend, again=_request_again(request, db_session, request_id))


@post("/requests/{request_id:uuid}/refuse", opt=WORK)
async def refuse_request(
    request: Request[Any, Any, Any], db_session: DbSession, request_id: FromPath[uuid.UUID], data: Form
) -> Response[Any]:
    async def refuse() -> str:
        refusal = RefusalIn.model_validate({"reason": data.get("reason"), "explanation": data.get("explanation", "")})
        await staff.refuse_request(
            db_session, request_id=request_id, refusal=refusal, actor=current_actor(request), now=utcnow()
        )
        return f"/console/requests/{request_id}"

    return await submit_form(refuse, again=_request_again(request, db_session, request_id))


@post("/requests/{request_id:uuid}/steps/{step_id:int}", opt=WORK)
async def complete_step(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    request_id: FromPath[uuid.UUID],
    step_id: FromPath[int],
    data: Form,
) -> Response[Any]:
    async def complete() -> str:
        await decisions.complete_step_by_hand(
            db_session,
            request_id=request_id,
            step_id=step_id,
            result=_manual_result(data),
            actor=current_actor(request),
            settings=request.app.state.settings,
            now=utcnow(),
        )
        return f"/console/requests/{request_id}"

    return await submit_form(complete, again=_request_again(request, db_session, request_id))


def _manual_result(data: dict[str, str]) -> ManualResultIn:
    """Staff's answer from the form: the rows as CSV, what was erased and what kept (one a line,
    `what | why | until`), or a rectification's corrected values (one a line, `field = value`) or
    why not."""
    return ManualResultIn.model_validate(
        {
            "rows": list(csv.DictReader(io.StringIO(data.get("rows", "").strip()))) if data.get("rows") else [],
            "erased": _lines(data.get("erased", "")),
            "kept": [_kept(line) for line in _lines(data.get("kept", ""))],
            "fields": _corrected_values(data.get("fields", "")),
            "refused": data.get("refused", "").strip() or None,
            "outcome": data.get("outcome") or None,
            "reason": data.get("reason", "").strip() or None,
        }
    )


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _corrected_values(text: str) -> dict[str, str | None]:
    """Staff's corrected values, one a line: `field = value`; `field =` clears the field."""
    values: dict[str, str | None] = {}
    for line in _lines(text):
        if "=" not in line:
            raise Invalid(
                "write each corrected value as: field = value",
                errors=[FieldError("fields", "a line is not: field = value")],
            )
        name, value = _field(line)
        values[name] = value or None
    return values


def _field(line: str) -> tuple[str, str]:
    name, _, value = line.partition("=")
    return name.strip(), value.strip()


def _kept(line: str) -> dict[str, str | None]:
    what, _, rest = line.partition("|")
    why, _, until = rest.partition("|")
    return {"what": what.strip(), "why": why.strip(), "until": until.strip() or None}


def _retry_after(error: Exception) -> dict[str, str] | None:
    """Every 429 says when to come back, the pages' as the API's."""
    return {"retry-after": str(error.retry_after)} if isinstance(error, TooManyRequests) else None


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
    objectable = await objection.objectable(db_session)
    return public_page(
        request, "public_form.html", _language(request), organisation=organisation, objectable=objectable
    )


@post("/privacy/requests", guards=[REQUEST_INTAKE], include_in_schema=False)
async def submit_request_form(request: Request[Any, Any, Any], db_session: DbSession, data: Form) -> Response[Any]:
    language = _language(request)
    fields = {k: v for k, v in data.items() if v and k in {"type", "email", "name", "details"}}
    corrections = [{"field": what, "value": value} for what, value in map(_field, _lines(data.get("corrections", "")))]
    try:
        created = await intake.submit_request(
            db_session,
            data=RequestIn.model_validate(
                {
                    **fields,
                    "corrections": corrections,
                    "objection": _objection_scope(data),
                    "restriction_ground": (data.get("restriction_ground") or None)
                    if data.get("type") == "restriction"
                    else None,
                    "language": language,
                }
            ),
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
            objectable=await objection.objectable(db_session),
            form=data,
            errors=form_errors(error),
            status_code=422,
        )
    return Redirect(f"/privacy/requests/{created.reference}/verify?lang={language}", status_code=303)


def _objection_scope(data: dict[str, str]) -> dict[str, Any] | None:
    """The boxes ticked on the form (`object-<activity>`, `object-direct-marketing`); none ticked
    objects to everything one may."""
    if data.get("type") != "objection":
        return None
    ticked = [name.removeprefix("object-") for name, value in data.items() if name.startswith("object-") and value]
    if not ticked:
        return None
    activities = [key for key in ticked if key != "direct-marketing"]
    return {"activities": activities, "direct_marketing": "direct-marketing" in ticked}


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
        granted = await intake.verify_code(
            db_session, reference=reference, code=code.code, settings=settings, now=utcnow()
        )
    except (ValidationError, PrivacyError) as error:
        return await _code_form_again(request, db_session, reference, language, error)
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


async def _code_form_again(
    request: Request[Any, Any, Any], db_session: DbSession, reference: str, language: str, error: Exception
) -> Template:
    """The code form with what went wrong; a 429 says when to come back (`submit_form` does not
    pass the error on, and these pages speak the person's language)."""
    return public_page(
        request,
        "public_code.html",
        language,
        organisation=await register.get_organisation(db_session),
        reference=reference,
        errors=form_errors(error),
        status_code=error_status(error),
        headers=_retry_after(error),
    )


@post("/privacy/requests/{reference:str}/code", guards=[CODE_RESENDS], include_in_schema=False)
async def resend_code_form(
    request: Request[Any, Any, Any], db_session: DbSession, reference: FromPath[str]
) -> Response[Any]:
    language = _language(request)
    try:
        await intake.resend_code(db_session, reference=reference, now=utcnow())
    except PrivacyError as error:
        return await _code_form_again(request, db_session, reference, language, error)
    return Redirect(f"/privacy/requests/{reference}/verify?lang={language}", status_code=303)


@get("/privacy/requests/{reference:str}", include_in_schema=False)
async def status_page(
    request: Request[Any, Any, Any], db_session: DbSession, reference: FromPath[str]
) -> Response[Any]:
    language = _language(request)
    try:
        status = await follow_up.status_for_person(
            db_session, reference=reference, token=person_token(request), now=utcnow()
        )
    except Unauthorized:  # this browser has not proven the email yet: ask for a code
        return Redirect(f"/privacy/requests/{reference}/verify?lang={language}", status_code=303)
    organisation = await register.get_organisation(db_session)
    return public_page(request, "public_status.html", language, organisation=organisation, status=status)


PUBLIC_PAGES = [request_form, submit_request_form, code_form, verify_code_form, resend_code_form, status_page]
CONSOLE_PAGES = [inbox_page, record_request, request_page, extend_request, refuse_request, complete_step]
