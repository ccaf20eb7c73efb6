"""The console's request pages: the inbox by due date, one request, and its actions. The public
privacy centre is `centre`."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from dsar import decisions, recipients, restriction, service, staff, systems
from dsar.schemas import (
    Channel,
    ExtensionIn,
    LiftIn,
    ManualResultIn,
    RecipientIn,
    RefusalIn,
    RefusalReason,
    RequestStatus,
    RequestType,
    StaffRequestIn,
)
from privacy.actors import Permission
from privacy.console import Form, console_page, key_and_value, submit_form, textarea_lines
from privacy.db import utcnow
from privacy.errors import FieldError, Invalid
from privacy.register import service as register
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
    item = await service.request_detail(db_session, request_id=request_id)
    return console_page(
        request,
        "dsar/console_request.html",
        status_code=status_code,
        item=item,
        restriction=await restriction.restriction_of(db_session, reference=item.reference),
        activity_names={activity.key: activity.name for activity in await register.list_activities(db_session)},
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


@post("/requests/{request_id:uuid}/restriction/{restriction_id:uuid}/lift", opt=WORK)
async def lift_restriction(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    request_id: FromPath[uuid.UUID],
    restriction_id: FromPath[uuid.UUID],
    data: Form,
) -> Response[Any]:
    async def lift() -> str:
        await restriction.announce_lift(
            db_session,
            restriction_id=restriction_id,
            reason=LiftIn.model_validate({"reason": data.get("reason", "")}).reason,
            actor=current_actor(request),
            settings=request.app.state.settings,
            now=utcnow(),
        )
        return f"/console/requests/{request_id}"

    return await submit_form(lift, again=_request_again(request, db_session, request_id))


@post("/requests/{request_id:uuid}/recipients/{recipient_id:int}", opt=WORK)
async def mark_recipient(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    request_id: FromPath[uuid.UUID],
    recipient_id: FromPath[int],
    data: Form,
) -> Response[Any]:
    async def mark() -> str:
        answer = data.get("answer", "")
        told = RecipientIn.model_validate(
            {"informed": answer == "informed", "reason": None if answer == "informed" else answer or None}
        )
        await recipients.mark(
            db_session,
            request_id=request_id,
            recipient_id=recipient_id,
            told=told,
            actor=current_actor(request),
            now=utcnow(),
        )
        return f"/console/requests/{request_id}"

    return await submit_form(mark, again=_request_again(request, db_session, request_id))


@post("/requests/{request_id:uuid}/steps/{step_id:int}/retry", opt=WORK)
async def retry_step(
    request: Request[Any, Any, Any], db_session: DbSession, request_id: FromPath[uuid.UUID], step_id: FromPath[int]
) -> Response[Any]:
    async def retry() -> str:
        await decisions.retry_step(
            db_session, request_id=request_id, step_id=step_id, actor=current_actor(request), now=utcnow()
        )
        return f"/console/requests/{request_id}"

    return await submit_form(retry, again=_request_again(request, db_session, request_id))


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
            "erased": textarea_lines(data.get("erased", "")),
            "kept": [_kept(line) for line in textarea_lines(data.get("kept", ""))],
            "fields": _corrected_values(data.get("fields", "")),
            "refused": data.get("refused", "").strip() or None,
            "outcome": data.get("outcome") or None,
            "reason": data.get("reason", "").strip() or None,
        }
    )


def _corrected_values(text: str) -> dict[str, str | None]:
    """Staff's corrected values, one a line: `field = value`; `field =` clears the field."""
    values: dict[str, str | None] = {}
    for line in textarea_lines(text):
        if "=" not in line:
            raise Invalid(
                "write each corrected value as: field = value",
                errors=[FieldError("fields", "a line is not: field = value")],
            )
        name, value = key_and_value(line)
        values[name] = value or None
    return values


def _kept(line: str) -> dict[str, str | None]:
    what, _, rest = line.partition("|")
    why, _, until = rest.partition("|")
    return {"what": what.strip(), "why": why.strip(), "until": until.strip() or None}


CONSOLE_PAGES = [
    inbox_page,
    record_request,
    request_page,
    extend_request,
    refuse_request,
    lift_restriction,
    mark_recipient,
    retry_step,
    complete_step,
]
