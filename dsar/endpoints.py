"""The request API: public intake and follow-up for the person, and the privacy team's inbox."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Stream
from litestar.types import ControllerRouterHandler

from dsar import (
    consents,
    decisions,
    follow_up,
    fulfilment,
    intake,
    objection,
    recipients,
    restriction,
    service,
    staff,
    systems,
)
from dsar.connector_schemas import ConnectorIn, ConnectorOut
from dsar.packages import package_chunks
from dsar.schemas import (
    ApplicationRequestIn,
    CodeIn,
    ConsentIn,
    ConsentOut,
    ExtensionIn,
    LiftIn,
    ManualResultIn,
    ObjectableOut,
    RecipientIn,
    RefusalIn,
    RequestAccepted,
    RequestIn,
    RequestOut,
    RequestStatus,
    RequestStatusOut,
    RequestSummary,
    RequestType,
    RestrictionOut,
    StaffRequestIn,
    TokenGranted,
)
from dsar.web import CODE_RESENDS, CODE_TRIES, REQUEST_INTAKE, person_token
from privacy.actors import Permission
from privacy.db import utcnow
from privacy.errors import FieldError, Invalid
from privacy.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER
from privacy.web import DbSession, current_actor

READ = {"permission": Permission.READ}
WORK = {"permission": Permission.WORK_REQUESTS}
# Connectors name registered systems (whose URLs and secrets only administrators set) and map tables.
CONFIGURE = {"permission": Permission.EDIT_REGISTER}


class PublicRequestsController(Controller):
    path = "/api/v1/requests"
    tags = ["requests"]

    @post(
        "/",
        guards=[REQUEST_INTAKE],
        status_code=202,
        summary="Ask to see, take, correct or erase your data; a code goes to the email",
    )
    async def submit(
        self, request: Request[Any, Any, Any], db_session: DbSession, data: JSONBody[RequestIn]
    ) -> RequestAccepted:
        created = await intake.submit_request(db_session, data=data, settings=request.app.state.settings, now=utcnow())
        return RequestAccepted(reference=created.reference, status=RequestStatus(created.status))

    @post(
        "/application",
        guards=[REQUEST_INTAKE],
        status_code=201,
        summary="A request for a customer signed in to the organisation's application",
    )
    async def from_application(
        self, request: Request[Any, Any, Any], db_session: DbSession, data: JSONBody[ApplicationRequestIn]
    ) -> TokenGranted:
        return await intake.submit_from_application(
            db_session, data=data, settings=request.app.state.settings, now=utcnow()
        )

    @get(
        "/objectable",
        summary="What one may object to (Art. 21): activities on legitimate interests or public task, marketing",
    )
    async def objectable(self, db_session: DbSession) -> list[ObjectableOut]:
        return await objection.objectable(db_session)

    @post(
        "/{reference:str}/verify",
        guards=[CODE_TRIES],
        status_code=200,
        summary="Prove the email with its code; answers a token",
    )
    async def verify(
        self, request: Request[Any, Any, Any], db_session: DbSession, reference: FromPath[str], data: JSONBody[CodeIn]
    ) -> TokenGranted:
        return await intake.verify_code(
            db_session, reference=reference, code=data.code, settings=request.app.state.settings, now=utcnow()
        )

    @post(
        "/{reference:str}/code",
        guards=[CODE_RESENDS],
        status_code=202,
        summary="Send a new code (at most once a minute, five in all)",
    )
    async def resend(self, db_session: DbSession, reference: FromPath[str]) -> dict[str, str]:
        await intake.resend_code(db_session, reference=reference, now=utcnow())
        return {"status": "sent"}

    @get("/{reference:str}", summary="The request's status, deadline and messages (with the person's token)")
    async def status(
        self, request: Request[Any, Any, Any], db_session: DbSession, reference: FromPath[str]
    ) -> Response[RequestStatusOut]:
        out = await follow_up.status_for_person(
            db_session, reference=reference, token=person_token(request), now=utcnow()
        )
        return Response(out, headers={"cache-control": "no-store"})

    @get("/{reference:str}/package", summary="Download the answer: a ZIP of the data, or the erasure certificate")
    async def package(self, request: Request[Any, Any, Any], db_session: DbSession, reference: FromPath[str]) -> Stream:
        package = await follow_up.download_package(
            db_session, reference=reference, token=person_token(request), now=utcnow()
        )
        return Stream(
            package_chunks(request.app.state.sessions, package.id),
            media_type=package.media_type,
            headers={
                "content-disposition": f'attachment; filename="{package.filename}"',
                "content-length": str(package.size),
                "cache-control": "no-store",
            },
        )


class AdminRequestsController(Controller):
    path = "/requests"
    tags = ["requests"]

    @post("/", opt=WORK, status_code=201, summary="Record a request that came by letter, email or phone")
    async def record(
        self, request: Request[Any, Any, Any], db_session: DbSession, data: JSONBody[StaffRequestIn]
    ) -> RequestOut:
        created = await staff.record_staff_request(
            db_session, data=data, actor=current_actor(request), settings=request.app.state.settings, now=utcnow()
        )
        return await service.request_out(db_session, request=created)

    @get("/", opt=READ, summary="The inbox, by due date")
    async def inbox(
        self,
        db_session: DbSession,
        status: FromQuery[RequestStatus | None] = None,
        type: FromQuery[RequestType | None] = None,
        due_before: FromQuery[date | None] = None,
        due_after: FromQuery[date | None] = None,
    ) -> list[RequestSummary]:
        return await staff.inbox(
            db_session, status=status, type=type, due_before=due_before, due_after=due_after, today=utcnow().date()
        )

    @get("/{request_id:uuid}", opt=READ, summary="One request with its timeline")
    async def show(self, db_session: DbSession, request_id: FromPath[uuid.UUID]) -> RequestOut:
        return await service.request_detail(db_session, request_id=request_id)

    @post(
        "/{request_id:uuid}/extend", opt=WORK, status_code=200, summary="Extend by two months, telling the person why"
    )
    async def extend(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        request_id: FromPath[uuid.UUID],
        data: JSONBody[ExtensionIn],
    ) -> RequestOut:
        now = utcnow()
        extended = await staff.extend_deadline(
            db_session,
            request_id=request_id,
            reason=data.reason,
            actor=current_actor(request),
            settings=request.app.state.settings,
            today=now.date(),
            now=now,
        )
        return await service.request_out(db_session, request=extended)

    @post(
        "/{request_id:uuid}/refuse",
        opt=WORK,
        status_code=200,
        summary="Refuse, with the reason and the right to complain",
    )
    async def refuse(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        request_id: FromPath[uuid.UUID],
        data: JSONBody[RefusalIn],
    ) -> RequestOut:
        refused = await staff.refuse_request(
            db_session, request_id=request_id, refusal=data, actor=current_actor(request), now=utcnow()
        )
        return await service.request_out(db_session, request=refused)

    @post(
        "/{request_id:uuid}/steps/{step_id:int}",
        opt=WORK,
        status_code=200,
        summary="Decide a step (rectification, objection) or complete a manual system's step",
    )
    async def complete_step(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        request_id: FromPath[uuid.UUID],
        step_id: FromPath[int],
        data: JSONBody[ManualResultIn],
    ) -> RequestOut:
        await decisions.complete_step_by_hand(
            db_session,
            request_id=request_id,
            step_id=step_id,
            result=data,
            actor=current_actor(request),
            settings=request.app.state.settings,
            now=utcnow(),
        )
        return await service.request_detail(db_session, request_id=request_id)

    @post(
        "/{request_id:uuid}/steps/{step_id:int}/retry",
        opt=WORK,
        status_code=200,
        summary="Try a failed step again from the start, once its cause is seen to",
    )
    async def retry_step(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        request_id: FromPath[uuid.UUID],
        step_id: FromPath[int],
    ) -> RequestOut:
        await decisions.retry_step(
            db_session, request_id=request_id, step_id=step_id, actor=current_actor(request), now=utcnow()
        )
        return await service.request_detail(db_session, request_id=request_id)

    @post(
        "/{request_id:uuid}/recipients/{recipient_id:int}",
        opt=WORK,
        status_code=200,
        summary="Say a recipient was told of the rectification, erasure or restriction, or why not (Art. 19)",
    )
    async def mark_recipient(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        request_id: FromPath[uuid.UUID],
        recipient_id: FromPath[int],
        data: JSONBody[RecipientIn],
    ) -> RequestOut:
        await recipients.mark(
            db_session,
            request_id=request_id,
            recipient_id=recipient_id,
            told=data,
            actor=current_actor(request),
            now=utcnow(),
        )
        return await service.request_detail(db_session, request_id=request_id)


class ConnectorsController(Controller):
    path = "/connectors"
    tags = ["connectors"]

    @get("/", opt=READ, summary="Systems holding personal data (secrets are never shown)")
    async def list_all(self, db_session: DbSession) -> list[ConnectorOut]:
        return [systems.connector_out(row) for row in await systems.list_connectors(db_session)]

    @put("/{key:str}", opt=CONFIGURE, summary="Create or replace a connector, naming a registered system by its key")
    async def save(
        self, request: Request[Any, Any, Any], db_session: DbSession, key: FromPath[str], data: JSONBody[ConnectorIn]
    ) -> ConnectorOut:
        if data.key != key:
            raise Invalid("the key in the body differs from the one in the path", errors=[FieldError("key", "differs")])
        row, _ = await systems.save_connector(db_session, connector=data, actor=current_actor(request), now=utcnow())
        return systems.connector_out(row)

    @delete("/{key:str}", opt=CONFIGURE, summary="Remove a connector")
    async def remove(self, request: Request[Any, Any, Any], db_session: DbSession, key: FromPath[str]) -> None:
        await systems.delete_connector(db_session, key=key, actor=current_actor(request), now=utcnow())


class ConsentsController(Controller):
    path = "/consents"
    tags = ["requests"]

    @post(
        "/",
        opt=WORK,
        status_code=201,
        summary="Record a consent given on the organisation's own form or product, with its proof (Art. 7(1))",
    )
    async def record(
        self, request: Request[Any, Any, Any], db_session: DbSession, data: JSONBody[ConsentIn]
    ) -> ConsentOut:
        return await consents.record_consent(db_session, consent=data, actor=current_actor(request), now=utcnow())


class RestrictionsController(Controller):
    path = "/restrictions"
    tags = ["requests"]

    @get("/", opt=READ, summary="Restrictions (Art. 18) in force, announced to be lifted, or lifted")
    async def list_all(self, db_session: DbSession) -> list[RestrictionOut]:
        return await restriction.list_restrictions(db_session)

    @post(
        "/{restriction_id:uuid}/lift",
        opt=WORK,
        status_code=200,
        summary="Tell the person why and when the restriction ends (Art. 18(3)); the systems follow then",
    )
    async def lift(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        restriction_id: FromPath[uuid.UUID],
        data: JSONBody[LiftIn],
    ) -> RestrictionOut:
        row = await restriction.announce_lift(
            db_session,
            restriction_id=restriction_id,
            reason=data.reason,
            actor=current_actor(request),
            settings=request.app.state.settings,
            now=utcnow(),
        )
        return restriction.restriction_out(row)


@post(
    "/api/v1/connectors/{key:str}/callback",
    tags=["connectors"],
    status_code=200,
    summary="A connected system's later answer, signed like the toolkit's request to it",
)
async def connector_callback(
    request: Request[Any, Any, Any], db_session: DbSession, key: FromPath[str]
) -> dict[str, str]:
    await fulfilment.accept_callback(
        db_session,
        system_key=key,
        timestamp=request.headers.get(TIMESTAMP_HEADER),
        signature=request.headers.get(SIGNATURE_HEADER),
        content_type=request.content_type[0],
        body=await request.body(),
        settings=request.app.state.settings,
        now=utcnow(),
    )
    return {"status": "accepted"}


PUBLIC_HANDLERS: list[ControllerRouterHandler] = [PublicRequestsController, connector_callback]
ADMIN_CONTROLLERS: list[ControllerRouterHandler] = [
    AdminRequestsController,
    ConnectorsController,
    ConsentsController,
    RestrictionsController,
]
