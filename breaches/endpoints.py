"""The breach register's API, for staff: record and update breaches, the 72-hour clock on each,
the notification document, the notifications made."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

import anyio.to_thread
from litestar import Controller, Request, Response, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.types import ControllerRouterHandler

from breaches import communication, document, service
from breaches.schemas import (
    AuthorityNotificationIn,
    BreachIn,
    BreachOut,
    CommunicationOut,
    ControllersNotified,
    Document,
    GatheredOut,
    NotificationOut,
    PeopleIn,
)
from privacy.actors import Permission
from privacy.db import utcnow
from privacy.web import DbSession, current_actor

READ = {"permission": Permission.READ}
EDIT = {"permission": Permission.EDIT_REGISTER}
Phase = Annotated[Literal["initial", "complement"], QueryParameter(description="the notification's phase")]
Language = Annotated[
    str | None,
    QueryParameter(
        max_length=5,
        description="the document's language, en, de or fr; by default the one of the organisation's country",
    ),
]


class BreachesController(Controller):
    path = "/breaches"
    tags = ["breaches"]

    @get("/", opt=READ, summary="The breach register, latest first, each with its 72-hour clock")
    async def everything(self, db_session: DbSession) -> list[BreachOut]:
        now = utcnow()
        return [
            await service.breach_out(db_session, row=row, now=now) for row in await service.list_breaches(db_session)
        ]

    @post("/", opt=EDIT, summary="Record a breach: the clock runs from aware_at")
    async def record(
        self, request: Request[Any, Any, Any], db_session: DbSession, data: JSONBody[BreachIn]
    ) -> BreachOut:
        now = utcnow()
        row = await service.record_breach(db_session, breach=data, actor=current_actor(request), now=now)
        return await service.breach_out(db_session, row=row, now=now)

    @get("/{breach_id:uuid}", opt=READ, summary="One breach, its clock and its notifications")
    async def one(self, db_session: DbSession, breach_id: FromPath[uuid.UUID]) -> BreachOut:
        row = await service.get_breach(db_session, breach_id=breach_id)
        return await service.breach_out(db_session, row=row, now=utcnow())

    @put(
        "/{breach_id:uuid}", opt=EDIT, summary="Record what is now known (the former version stays in the audit trail)"
    )
    async def update(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        breach_id: FromPath[uuid.UUID],
        data: JSONBody[BreachIn],
    ) -> BreachOut:
        now = utcnow()
        row = await service.update_breach(
            db_session, breach_id=breach_id, breach=data, actor=current_actor(request), now=now
        )
        return await service.breach_out(db_session, row=row, now=now)

    @get("/{breach_id:uuid}/notification", opt=READ, summary="The notification document (Art. 33(3)) as JSON")
    async def notification_json(
        self, db_session: DbSession, breach_id: FromPath[uuid.UUID], phase: Phase = "initial", lang: Language = None
    ) -> Document:
        row = await service.get_breach(db_session, breach_id=breach_id)
        return await document.notification_document(
            db_session, row=row, phase=phase, language=lang, delay_reason=None, now=utcnow()
        )

    @get("/{breach_id:uuid}/notification.pdf", opt=READ, summary="The notification document (Art. 33(3)) as PDF")
    async def notification_pdf(
        self, db_session: DbSession, breach_id: FromPath[uuid.UUID], phase: Phase = "initial", lang: Language = None
    ) -> Response[bytes]:
        row = await service.get_breach(db_session, breach_id=breach_id)
        made = await document.notification_document(
            db_session, row=row, phase=phase, language=lang, delay_reason=None, now=utcnow()
        )
        pdf = await anyio.to_thread.run_sync(lambda: document.document_pdf(made))
        name = f"breach-{row.reference}-{phase}-{made['language']}.pdf"
        return Response(
            pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'}
        )

    @post("/{breach_id:uuid}/notifications", opt=EDIT, summary="Record a notification made to the lead authority")
    async def notified(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        breach_id: FromPath[uuid.UUID],
        data: JSONBody[AuthorityNotificationIn],
    ) -> NotificationOut:
        now = utcnow()
        row = await service.get_breach(db_session, breach_id=breach_id)
        made = await document.notification_document(
            db_session, row=row, phase=data.phase, language=None, delay_reason=data.delay_reason, now=now
        )
        item = await service.notify_authority(
            db_session, breach_id=breach_id, notification=data, document=made, actor=current_actor(request), now=now
        )
        return service.notification_out(item)

    @post(
        "/{breach_id:uuid}/controllers",
        opt=EDIT,
        status_code=200,
        summary="Tell the controllers of the processor activities it touched (Art. 33(2))",
    )
    async def controllers(
        self, request: Request[Any, Any, Any], db_session: DbSession, breach_id: FromPath[uuid.UUID]
    ) -> ControllersNotified:
        return await service.notify_controllers(
            db_session, breach_id=breach_id, actor=current_actor(request), now=utcnow()
        )

    @post(
        "/{breach_id:uuid}/people",
        opt=EDIT,
        status_code=200,
        summary="Write to the people affected, each once, in their language (Art. 34)",
    )
    async def tell_people(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        breach_id: FromPath[uuid.UUID],
        data: JSONBody[PeopleIn],
    ) -> CommunicationOut:
        row = await service.get_breach(db_session, breach_id=breach_id)
        return await communication.tell_people(
            db_session, row=row, people=data.people, actor=current_actor(request), now=utcnow()
        )

    @post(
        "/{breach_id:uuid}/people/gather",
        opt=EDIT,
        status_code=200,
        summary="Write to everyone the breach's systems hold, found through the request connectors (Art. 34)",
        description="The SQL connectors reaching the breach's systems or holding data for its activities are "
        "read (each person once, in the organisation's default language); HTTP and manual ones are named, to upload "
        "their people by hand.",
    )
    async def gather_people(
        self, request: Request[Any, Any, Any], db_session: DbSession, breach_id: FromPath[uuid.UUID]
    ) -> GatheredOut:
        row = await service.get_breach(db_session, breach_id=breach_id)
        return await communication.gather_people(
            db_session, row=row, actor=current_actor(request), settings=request.app.state.settings, now=utcnow()
        )


ADMIN_CONTROLLERS: list[ControllerRouterHandler] = [BreachesController]
