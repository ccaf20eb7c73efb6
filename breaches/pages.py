"""The console's breach register: the breaches with their clocks, a form to record one, and each
breach's page with the notification document and the notifications made."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import UTC
from typing import Any

import anyio.to_thread
from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template
from litestar.types import ControllerRouterHandler

from breaches import communication, document, service
from breaches.schemas import AuthorityNotificationIn, BreachIn, BreachOut, Nature, PeopleIn
from privacy.actors import Permission
from privacy.console import Form, console_page, submit_form
from privacy.db import utcnow
from privacy.errors import FieldError
from privacy.register import service as register
from privacy.web import DbSession, current_actor

READ = {"permission": Permission.READ}
EDIT = {"permission": Permission.EDIT_REGISTER}
LOCAL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")
NATURES = {
    Nature.CONFIDENTIALITY: "Confidentiality: disclosed or accessed without authority",
    Nature.INTEGRITY: "Integrity: altered without authority",
    Nature.AVAILABILITY: "Availability: lost or destroyed",
}


def _utc(value: str) -> str | None:
    """A form's date and time (no zone) as UTC; anything else is left for the schema to refuse."""
    return f"{value}:00+00:00" if LOCAL_TIME.match(value) else (value or None)


@get("/breaches", opt=READ)
async def register_page(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    return await _register(request, db_session)


async def _register(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    *,
    errors: list[FieldError] | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    now = utcnow()
    rows = await service.list_breaches(db_session)
    return console_page(
        request,
        "breaches/register.html",
        status_code=status,
        errors=errors or [],
        form=form or {},
        breaches=[await service.breach_out(db_session, row=row, now=now) for row in rows],
        activities=await register.list_activities(db_session),
        categories=await register.data_categories(db_session),
        natures=NATURES,
    )


@post("/breaches", opt=EDIT)
async def record_from_console(request: Request[Any, Any, Any], db_session: DbSession, data: Form) -> Response[Any]:
    async def record() -> str:
        breach = BreachIn.model_validate(_breach_fields(data))
        row = await service.record_breach(db_session, breach=breach, actor=current_actor(request), now=utcnow())
        return f"/console/breaches/{row.id}"

    async def again(errors: list[FieldError], status: int) -> Response[Any]:
        return await _register(request, db_session, errors=errors, form=data, status=status)

    return await submit_form(record, again=again)


def _breach_fields(data: dict[str, str]) -> dict[str, Any]:
    ticked = [name for name, value in data.items() if value]
    return {
        "aware_at": _utc(data.get("aware_at", "")),
        "summary": data.get("summary", ""),
        "description": data.get("description") or None,
        "nature": [name.removeprefix("nature-") for name in ticked if name.startswith("nature-")],
        "activities": [name.removeprefix("activity-") for name in ticked if name.startswith("activity-")],
        "data_categories": [name.removeprefix("category-") for name in ticked if name.startswith("category-")],
        "people_affected": data.get("people_affected") or None,
        "records_affected": data.get("records_affected") or None,
        "consequences": data.get("consequences") or None,
        "measures_taken": data.get("measures_taken") or None,
        "measures_proposed": data.get("measures_proposed") or None,
        "handler": data.get("handler") or None,
        "notify_authority": {"true": True, "false": False}.get(data.get("notify_authority", "")),
        "no_notification_reason": data.get("no_notification_reason") or None,
        "high_risk": True if data.get("high_risk") else None,
        "advice": data.get("advice") or None,
        "no_communication": data.get("no_communication") or None,
        "no_communication_reason": data.get("no_communication_reason") or None,
    }


FORM_TEXTS = (
    "summary", "description", "people_affected", "records_affected", "consequences", "measures_taken",
    "measures_proposed", "handler", "no_notification_reason", "advice", "no_communication_reason",
)  # fmt: skip


def _form_of(item: BreachOut) -> dict[str, str]:
    """The form as the breach stands, to be changed and recorded again."""
    values = {
        "aware_at": item.aware_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M"),
        "notify_authority": "" if item.notify_authority is None else str(item.notify_authority).lower(),
        "high_risk": "yes" if item.high_risk else "",
        "no_communication": item.no_communication.value if item.no_communication else "",
    }
    for name in FORM_TEXTS:
        value = getattr(item, name)
        values[name] = "" if value is None else str(value)
    ticked = [
        ("nature", [n.value for n in item.nature]),
        ("activity", item.activities),
        ("category", item.data_categories),
    ]
    return values | {f"{prefix}-{key}": "yes" for prefix, keys in ticked for key in keys}


@get("/breaches/{breach_id:uuid}", opt=READ)
async def breach_page(
    request: Request[Any, Any, Any], db_session: DbSession, breach_id: FromPath[uuid.UUID]
) -> Template:
    return await _breach(request, db_session, breach_id)


async def _breach(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    breach_id: uuid.UUID,
    *,
    errors: list[FieldError] | None = None,
    status: int = 200,
    told: Any = None,
    form: dict[str, str] | None = None,
) -> Template:
    row = await service.get_breach(db_session, breach_id=breach_id)
    item = await service.breach_out(db_session, row=row, now=utcnow())
    return console_page(
        request,
        "breaches/breach.html",
        status_code=status,
        errors=errors or [],
        item=item,
        form=form or _form_of(item),
        activities=await register.list_activities(db_session),
        categories=await register.data_categories(db_session),
        activity_names={a.key: a.name for a in await register.list_activities(db_session)},
        natures=NATURES,
        told=told,
    )


@post("/breaches/{breach_id:uuid}", opt=EDIT)
async def update_from_console(
    request: Request[Any, Any, Any], db_session: DbSession, breach_id: FromPath[uuid.UUID], data: Form
) -> Response[Any]:
    """The form covers what the team learns by hand; what it leaves out (systems, dates) stays."""

    async def update() -> str:
        row = await service.get_breach(db_session, breach_id=breach_id)
        breach = BreachIn.model_validate({**row.content, **_breach_fields(data)})
        await service.update_breach(
            db_session, breach_id=breach_id, breach=breach, actor=current_actor(request), now=utcnow()
        )
        return f"/console/breaches/{breach_id}"

    async def again(errors: list[FieldError], status: int) -> Response[Any]:
        return await _breach(request, db_session, breach_id, errors=errors, status=status, form=data)

    return await submit_form(update, again=again)


@post("/breaches/{breach_id:uuid}/people", opt=EDIT)
async def people_from_console(
    request: Request[Any, Any, Any], db_session: DbSession, breach_id: FromPath[uuid.UUID], data: Form
) -> Response[Any]:
    """The people affected as CSV lines (`email,language`), each written to once."""

    async def tell() -> str:
        rows = csv.reader(io.StringIO(data.get("people", "").strip()))
        people = [
            {"email": line[0].strip(), "language": (line[1].strip() or None) if len(line) > 1 else None}
            for line in rows
            if line
        ]
        listed = PeopleIn.model_validate({"people": people}).people
        row = await service.get_breach(db_session, breach_id=breach_id)
        await communication.tell_people(db_session, row=row, people=listed, actor=current_actor(request), now=utcnow())
        return f"/console/breaches/{breach_id}"

    async def again(errors: list[FieldError], status: int) -> Response[Any]:
        return await _breach(request, db_session, breach_id, errors=errors, status=status)

    return await submit_form(tell, again=again)


@post("/breaches/{breach_id:uuid}/notifications", opt=EDIT)
async def notified_from_console(
    request: Request[Any, Any, Any], db_session: DbSession, breach_id: FromPath[uuid.UUID], data: Form
) -> Response[Any]:
    async def notified() -> str:
        notification = AuthorityNotificationIn.model_validate(
            {
                "phase": data.get("phase", "initial"),
                "notified_at": _utc(data.get("notified_at", "")),
                "authority_reference": data.get("authority_reference") or None,
                "delay_reason": data.get("delay_reason") or None,
            }
        )
        now = utcnow()
        row = await service.get_breach(db_session, breach_id=breach_id)
        made = await document.notification_document(
            db_session,
            row=row,
            phase=notification.phase,
            language=None,
            delay_reason=notification.delay_reason,
            now=now,
        )
        await service.notify_authority(
            db_session,
            breach_id=breach_id,
            notification=notification,
            document=made,
            actor=current_actor(request),
            now=now,
        )
        return f"/console/breaches/{breach_id}"

    async def again(errors: list[FieldError], status: int) -> Response[Any]:
        return await _breach(request, db_session, breach_id, errors=errors, status=status)

    return await submit_form(notified, again=again)


@post("/breaches/{breach_id:uuid}/controllers", opt=EDIT)
async def controllers_from_console(
    request: Request[Any, Any, Any], db_session: DbSession, breach_id: FromPath[uuid.UUID]
) -> Template:
    told = await service.notify_controllers(db_session, breach_id=breach_id, actor=current_actor(request), now=utcnow())
    return await _breach(request, db_session, breach_id, told=told)


@get("/breaches/{breach_id:uuid}/notification.pdf", opt=READ)
async def document_from_console(db_session: DbSession, breach_id: FromPath[uuid.UUID]) -> Response[bytes]:
    row = await service.get_breach(db_session, breach_id=breach_id)
    made = await document.notification_document(
        db_session, row=row, phase="initial", language=None, delay_reason=None, now=utcnow()
    )
    pdf = await anyio.to_thread.run_sync(lambda: document.document_pdf(made))
    disposition = {"Content-Disposition": f'inline; filename="breach-{row.reference}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=disposition)


CONSOLE_PAGES: list[ControllerRouterHandler] = [
    register_page,
    record_from_console,
    breach_page,
    update_from_console,
    people_from_console,
    notified_from_console,
    controllers_from_console,
    document_from_console,
]
