"""The console's breach register: the breaches with their clocks, a form to record one, and each
breach's page with the notification document and the notifications made."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import UTC, datetime
from typing import Any

import anyio.to_thread
from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from litestar.types import ControllerRouterHandler
from sqlalchemy.ext.asyncio import AsyncSession

from breaches import communication, document, service
from breaches.schemas import AuthorityNotificationIn, BreachIn, BreachOut, Nature, NoCommunication, PeopleIn
from privacy import systems as systems_register
from privacy.actors import Permission
from privacy.console import Form, console_page, submit_form
from privacy.db import utcnow
from privacy.errors import FieldError, PrivacyError, form_errors
from privacy.register import service as register
from privacy.web import DbSession, current_actor
from subprocessors import service as subprocessors

READ = {"permission": Permission.READ}
EDIT = {"permission": Permission.EDIT_REGISTER}
LOCAL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")
NATURES = {
    Nature.CONFIDENTIALITY: "Confidentiality: disclosed or accessed without authority",
    Nature.INTEGRITY: "Integrity: altered without authority",
    Nature.AVAILABILITY: "Availability: lost or destroyed",
}


EXCEPTIONS = {
    NoCommunication.UNINTELLIGIBLE: "the data is unintelligible to anyone not authorised, e.g. encrypted",
    NoCommunication.RISK_NO_LONGER_LIKELY: "later measures mean the high risk no longer arises",
    NoCommunication.PUBLIC_COMMUNICATION: "telling each would take disproportionate effort: a public notice instead",
}
DECISIONS = {"true": True, "false": False}  # a select's value; empty is "not decided yet"
# What a form's error names, as its label says (a field left out is named in words).
FIELD_LABELS = {
    "aware_at": "When the organisation became aware",
    "summary": "What happened",
    "people_affected": "Number of people affected",
    "records_affected": "Number of records",
    "no_notification_reason": "Why the breach is unlikely to result in a risk",
    "no_communication_reason": "Why the people are not told",
    "notified_at": "Sent",
    "delay_reason": "Reasons for the delay",
    "authority_reference": "The authority's reference",
    "people": "The people affected",
}
# The confirmation a breach's page shows after a form it answers (`?done=`).
DONE = {
    "recorded": "The breach is recorded; the clock runs from when the organisation became aware.",
    "updated": "Saved. The former version is kept in the audit trail.",
    "notified": "The notification is recorded.",
    "people": "The letters are queued; each person is written to once.",
}


def _utc(value: str) -> str | None:
    """A form's date and time (no zone) as UTC; anything else is left for the schema to refuse."""
    return f"{value}:00+00:00" if LOCAL_TIME.match(value) else (value or None)


def _local(moment: datetime | None) -> str:
    """A time as a form's date-and-time field shows it, in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M") if moment else ""


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
        field_labels=FIELD_LABELS,
        form=form or {},
        breaches=[await service.breach_out(db_session, row=row, now=now) for row in rows],
        **await _form_choices(db_session),
    )


async def _form_choices(session: AsyncSession) -> dict[str, Any]:
    """What the breach form offers to tick and choose, from the register."""
    return {
        "activities": await register.list_activities(session),
        "categories": await register.data_categories(session),
        "systems": [(system.key, system.name) for system in await systems_register.list_systems(session)],
        "subprocessors": [(row.key, row.content["name"]) for row in await subprocessors.list_subprocessors(session)],
        "natures": NATURES,
        "exceptions": EXCEPTIONS,
    }


@post("/breaches", opt=EDIT)
async def record_from_console(request: Request[Any, Any, Any], db_session: DbSession, data: Form) -> Response[Any]:
    async def record() -> str:
        breach = BreachIn.model_validate(_breach_fields(data))
        row = await service.record_breach(db_session, breach=breach, actor=current_actor(request), now=utcnow())
        return f"/console/breaches/{row.id}?done=recorded"

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
        "systems": [name.removeprefix("system-") for name in ticked if name.startswith("system-")],
        "subprocessors": [name.removeprefix("subprocessor-") for name in ticked if name.startswith("subprocessor-")],
        "started_at": _utc(data.get("started_at", "")),
        "ended_at": _utc(data.get("ended_at", "")),
        "people_affected": data.get("people_affected") or None,
        "records_affected": data.get("records_affected") or None,
        "consequences": data.get("consequences") or None,
        "measures_taken": data.get("measures_taken") or None,
        "measures_proposed": data.get("measures_proposed") or None,
        "handler": data.get("handler") or None,
        "notify_authority": DECISIONS.get(data.get("notify_authority", "")),
        "no_notification_reason": data.get("no_notification_reason") or None,
        "high_risk": DECISIONS.get(data.get("high_risk", "")),
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
        "aware_at": _local(item.aware_at),
        "started_at": _local(item.started_at),
        "ended_at": _local(item.ended_at),
        "notify_authority": "" if item.notify_authority is None else str(item.notify_authority).lower(),
        "high_risk": "" if item.high_risk is None else str(item.high_risk).lower(),
        "no_communication": item.no_communication.value if item.no_communication else "",
    }
    for name in FORM_TEXTS:
        value = getattr(item, name)
        values[name] = "" if value is None else str(value)
    ticked = [
        ("nature", [n.value for n in item.nature]),
        ("activity", item.activities),
        ("category", item.data_categories),
        ("system", item.systems),
        ("subprocessor", item.subprocessors),
    ]
    return values | {f"{prefix}-{key}": "yes" for prefix, keys in ticked for key in keys}


@get("/breaches/{breach_id:uuid}", opt=READ)
async def breach_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    breach_id: FromPath[uuid.UUID],
    done: FromQuery[str | None] = None,
) -> Template:
    return await _breach(request, db_session, breach_id, done=DONE.get(done or ""))


async def _breach(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    breach_id: uuid.UUID,
    *,
    errors: list[FieldError] | None = None,
    status: int = 200,
    told: Any = None,
    gathered: Any = None,
    form: dict[str, str] | None = None,
    done: str | None = None,
) -> Template:
    row = await service.get_breach(db_session, breach_id=breach_id)
    item = await service.breach_out(db_session, row=row, now=utcnow())
    choices = await _form_choices(db_session)
    return console_page(
        request,
        "breaches/breach.html",
        status_code=status,
        errors=errors or [],
        field_labels=FIELD_LABELS,
        item=item,
        form=form or _form_of(item),
        activity_names={a.key: a.name for a in choices["activities"]},
        category_labels={c.key: c.label for c in choices["categories"]},
        system_names=dict(choices["systems"]),
        subprocessor_names=dict(choices["subprocessors"]),
        told=told,
        gathered=gathered,
        done=done,
        **choices,
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
        return f"/console/breaches/{breach_id}?done=updated"

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
        return f"/console/breaches/{breach_id}?done=people"

    async def again(errors: list[FieldError], status: int) -> Response[Any]:
        return await _breach(request, db_session, breach_id, errors=errors, status=status)

    return await submit_form(tell, again=again)


@post("/breaches/{breach_id:uuid}/people/gather", opt=EDIT)
async def gathered_from_console(
    request: Request[Any, Any, Any], db_session: DbSession, breach_id: FromPath[uuid.UUID]
) -> Template:
    """Everyone the linked systems hold, found through the request connectors, each written to once."""
    row = await service.get_breach(db_session, breach_id=breach_id)
    settings = request.app.state.settings
    try:
        gathered = await communication.gather_people(
            db_session, row=row, actor=current_actor(request), settings=settings, now=utcnow()
        )
    except PrivacyError as error:
        return await _breach(request, db_session, breach_id, errors=form_errors(error), status=error.status_code)
    return await _breach(request, db_session, breach_id, gathered=gathered)


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
        return f"/console/breaches/{breach_id}?done=notified"

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
    gathered_from_console,
    notified_from_console,
    controllers_from_console,
    document_from_console,
]
