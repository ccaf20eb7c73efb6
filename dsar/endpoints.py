"""The request API: public intake and follow-up for the person, and the privacy team's inbox."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Stream
from litestar.types import ControllerRouterHandler

from dsar import fulfilment, service, systems
from dsar.packages import current_package, package_chunks
from dsar.schemas import (
    ApplicationRequestIn,
    CodeIn,
    ConnectorIn,
    ConnectorOut,
    ExtensionIn,
    ManualResultIn,
    RefusalIn,
    RequestAccepted,
    RequestIn,
    RequestOut,
    RequestStatus,
    RequestStatusOut,
    RequestSummary,
    RequestType,
    StaffRequestIn,
    TokenGranted,
)
from privacy.actors import Actor, Permission
from privacy.assertions import read_assertion, use_once
from privacy.audit import record_change
from privacy.db import utcnow
from privacy.errors import FieldError, Invalid, NotFound, Unauthorized
from privacy.json_input import json_from_body
from privacy.ratelimit import RateLimit
from privacy.register import service as register
from privacy.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_is_valid
from privacy.web import DbSession, current_actor

READ = {"permission": Permission.READ}
WORK = {"permission": Permission.WORK_REQUESTS}
# Connectors name registered systems (whose URLs and secrets only administrators set) and map tables.
CONFIGURE = {"permission": Permission.EDIT_REGISTER}
REQUEST_COOKIE = "privacy_request"
SOON_DAYS = 7
# Per client and minute; the privacy centre's forms count under the same limits as the API.
REQUEST_INTAKE = RateLimit("request-intake", "request_posts_per_minute", what="requests submitted")
CODE_TRIES = RateLimit("code-attempts", "code_attempts_per_minute", what="codes tried")
CODE_RESENDS = RateLimit("code-resends", "code_resends_per_minute", what="new codes asked for")


def person_token(request: Request[Any, Any, Any]) -> str | None:
    """The person's token: from `Authorization: Bearer` (API) or the privacy centre's cookie (pages).
    Never from the URL, where it would end up in histories and logs."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(REQUEST_COOKIE)


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
        created = await service.submit_request(db_session, data=data, settings=request.app.state.settings, now=utcnow())
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
        now = utcnow()
        organisation = await register.require_organisation(db_session)
        application = next((a for a in organisation.applications if a.key == data.application), None)
        if application is None:
            raise Unauthorized(f"no application '{data.application}' is registered")
        person = read_assertion(data.identity, keys=application.identity_keys, audience=application.key, now=now)
        await use_once(db_session, person)
        return await service.submit_for_signed_in_customer(
            db_session,
            person=person,
            type=data.type,
            details=data.details,
            language=data.language,
            settings=request.app.state.settings,
            now=now,
        )

    @post(
        "/{reference:str}/verify",
        guards=[CODE_TRIES],
        status_code=200,
        summary="Prove the email with its code; answers a token",
    )
    async def verify(
        self, request: Request[Any, Any, Any], db_session: DbSession, reference: FromPath[str], data: JSONBody[CodeIn]
    ) -> TokenGranted:
        return await service.verify_code(
            db_session, reference=reference, code=data.code, settings=request.app.state.settings, now=utcnow()
        )

    @post(
        "/{reference:str}/code",
        guards=[CODE_RESENDS],
        status_code=202,
        summary="Send a new code (at most once a minute, five in all)",
    )
    async def resend(self, db_session: DbSession, reference: FromPath[str]) -> dict[str, str]:
        await service.resend_code(db_session, reference=reference, now=utcnow())
        return {"status": "sent"}

    @get("/{reference:str}", summary="The request's status, deadline and messages (with the person's token)")
    async def status(
        self, request: Request[Any, Any, Any], db_session: DbSession, reference: FromPath[str]
    ) -> Response[RequestStatusOut]:
        now = utcnow()
        found = await service.request_for_token(db_session, reference=reference, token=person_token(request), now=now)
        package = await current_package(db_session, found, now=now)
        out = await service.status_for_person(db_session, found, package_until=package.expires_at if package else None)
        return Response(out, headers={"cache-control": "no-store"})

    @get("/{reference:str}/package", summary="Download the answer: a ZIP of the data, or the erasure certificate")
    async def package(self, request: Request[Any, Any, Any], db_session: DbSession, reference: FromPath[str]) -> Stream:
        now = utcnow()
        found = await service.request_for_token(db_session, reference=reference, token=person_token(request), now=now)
        package = await current_package(db_session, found, now=now)
        if package is None:
            raise NotFound("there is nothing to download for this request (not ready yet, or expired)")
        package.downloads += 1
        await record_change(
            db_session,
            actor=Actor.person(found.reference),
            action="request.package_downloaded",
            object_type="request_package",
            object_id=str(package.id),
            before=None,
            after={"reference": found.reference, "filename": package.filename, "downloads": package.downloads},
            now=now,
        )
        await db_session.commit()  # the download is audited before a byte leaves
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
        created = await service.record_staff_request(
            db_session, data=data, actor=current_actor(request), settings=request.app.state.settings, now=utcnow()
        )
        return await service.request_out(db_session, created)

    @get("/", opt=READ, summary="The inbox, by due date")
    async def inbox(
        self,
        db_session: DbSession,
        status: FromQuery[RequestStatus | None] = None,
        type: FromQuery[RequestType | None] = None,
        due_before: FromQuery[date | None] = None,
        due_after: FromQuery[date | None] = None,
    ) -> list[RequestSummary]:
        today = utcnow().date()
        found = await service.list_requests(
            db_session, status=status, type=type, due_before=due_before, due_after=due_after
        )
        return [service.summary(r, today=today, soon_days=SOON_DAYS) for r in found]

    @get("/{request_id:uuid}", opt=READ, summary="One request with its timeline")
    async def show(self, db_session: DbSession, request_id: FromPath[uuid.UUID]) -> RequestOut:
        return await service.request_out(db_session, await service.get_request(db_session, request_id=request_id))

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
        extended = await service.extend_deadline(
            db_session,
            request_id=request_id,
            reason=data.reason,
            actor=current_actor(request),
            settings=request.app.state.settings,
            today=now.date(),
            now=now,
        )
        return await service.request_out(db_session, extended)

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
        refused = await service.refuse_request(
            db_session, request_id=request_id, refusal=data, actor=current_actor(request), now=utcnow()
        )
        return await service.request_out(db_session, refused)

    @post(
        "/{request_id:uuid}/steps/{step_id:int}",
        opt=WORK,
        status_code=200,
        summary="Complete a manual system's step: the rows found, or what was erased and kept",
    )
    async def complete_step(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        request_id: FromPath[uuid.UUID],
        step_id: FromPath[int],
        data: JSONBody[ManualResultIn],
    ) -> RequestOut:
        await fulfilment.complete_manual_step(
            db_session,
            request_id=request_id,
            step_id=step_id,
            result=data,
            actor=current_actor(request),
            settings=request.app.state.settings,
            now=utcnow(),
        )
        return await service.request_out(db_session, await service.get_request(db_session, request_id=request_id))


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


@post(
    "/api/v1/connectors/{key:str}/callback",
    tags=["connectors"],
    status_code=200,
    summary="A connected system's later answer, signed like the toolkit's request to it",
)
async def connector_callback(
    request: Request[Any, Any, Any], db_session: DbSession, key: FromPath[str]
) -> dict[str, str]:
    now = utcnow()
    body = await request.body()
    try:
        found = await systems.system(db_session, key)
    except NotFound as error:
        raise Unauthorized("the signature does not verify") from error
    secret = found.connection.secret if found.connection else None
    if not secret or not signature_is_valid(
        secret,
        timestamp=request.headers.get(TIMESTAMP_HEADER),
        given=request.headers.get(SIGNATURE_HEADER),
        body=body,
        now=now,
    ):
        raise Unauthorized("the signature does not verify")
    answer = json_from_body(request.content_type[0], body)  # as every JSON body: typed, not too deep
    try:
        step_id = int(answer["request"])
    except (ValueError, KeyError, TypeError) as error:
        raise Invalid("the body must be JSON naming the request it answers") from error
    await fulfilment.accept_callback(
        db_session, system_key=key, step_id=step_id, answer=answer, settings=request.app.state.settings, now=now
    )
    return {"status": "accepted"}


PUBLIC_HANDLERS: list[ControllerRouterHandler] = [PublicRequestsController, connector_callback]
ADMIN_CONTROLLERS: list[ControllerRouterHandler] = [AdminRequestsController, ConnectorsController]
