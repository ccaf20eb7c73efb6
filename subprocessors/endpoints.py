"""The sub-processor API: the public list (JSON, CSV, Atom), subscriptions and objections; the
register and its lifecycle for staff."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.types import ControllerRouterHandler

from privacy import csvfile
from privacy.actors import Permission
from privacy.db import utcnow
from privacy.errors import FieldError, Invalid
from privacy.i18n import SOURCE_LANGUAGE
from privacy.register import service as register
from privacy.web import DbSession, current_actor
from subprocessors import feed, notices, service
from subprocessors.limits import OBJECTIONS, SUBSCRIPTIONS
from subprocessors.schemas import (
    AnnouncementIn,
    ChangeOut,
    ListOut,
    ObjectionIn,
    ObjectionOut,
    SubProcessorIn,
    SubProcessorOut,
    SubscriberCounts,
    SubscriptionIn,
    TokenIn,
)

READ = {"permission": Permission.READ}
EDIT = {"permission": Permission.EDIT_REGISTER}
PUBLIC_CACHE = "public, max-age=300"
Day = Annotated[date | None, QueryParameter(description="the list as it stood that day (YYYY-MM-DD)")]
CSV_COLUMNS = [
    "key", "name", "service", "purpose", "role", "data_categories", "processing_locations",
    "corporate_location", "transfer_mechanism", "dpa_reference", "customer_selectable", "status",
]  # fmt: skip


def _day(at: date | None) -> date:
    today = utcnow().date()
    if at is not None and at > today:
        raise Invalid("the list of a day to come is not known yet", errors=[FieldError("at", "after today")])
    return at or today


class PublicSubProcessorsController(Controller):
    path = "/api/v1/subprocessors"
    tags = ["sub-processors"]

    @get("/", summary="The sub-processors in use and the changes announced; ?at= for the list on a past day")
    async def current_list(self, db_session: DbSession, at: Day = None) -> ListOut:
        return await service.list_on(db_session, day=_day(at))

    @post(
        "/subscriptions",
        guards=[SUBSCRIPTIONS],
        status_code=202,
        summary="Subscribe to changes: a confirmation link goes to the email",
    )
    async def subscribe(
        self, request: Request[Any, Any, Any], db_session: DbSession, data: JSONBody[SubscriptionIn]
    ) -> dict[str, str]:
        organisation = await register.get_organisation(db_session)
        await notices.subscribe(
            db_session,
            email=data.email,
            language=data.language or (organisation.default_language if organisation else SOURCE_LANGUAGE),
            public_url=request.app.state.settings.public_url,
            now=utcnow(),
        )
        return {"status": "if the address can receive mail, a confirmation link is on its way"}

    @post(
        "/subscriptions/confirm",
        guards=[SUBSCRIPTIONS],
        status_code=200,
        summary="Confirm a subscription with the link's token",
    )
    async def confirm(self, db_session: DbSession, data: JSONBody[TokenIn]) -> dict[str, str]:
        await notices.confirm(db_session, token=data.token, now=utcnow())
        return {"status": "confirmed"}

    @post(
        "/subscriptions/unsubscribe",
        guards=[SUBSCRIPTIONS],
        status_code=200,
        summary="Unsubscribe with the token of any message",
    )
    async def unsubscribe(self, db_session: DbSession, data: JSONBody[TokenIn]) -> dict[str, str]:
        await notices.unsubscribe(db_session, token=data.token)
        return {"status": "unsubscribed"}

    @post(
        "/{key:str}/objections",
        guards=[OBJECTIONS],
        status_code=201,
        summary="Object to an announced sub-processor, before it starts",
    )
    async def object_to(self, db_session: DbSession, key: FromPath[str], data: JSONBody[ObjectionIn]) -> dict[str, str]:
        objection = await notices.object_to(db_session, key=key, objection=data, now=utcnow())
        return {"id": str(objection.id), "status": "recorded"}


@get(
    "/subprocessors.csv",
    summary="The sub-processor list as CSV; ?at= for a past day",
    tags=["sub-processors"],
    media_type=csvfile.MEDIA_TYPE,
)
async def list_csv(db_session: DbSession, at: Day = None) -> Response[str]:
    listed = await service.list_on(db_session, day=_day(at))
    entries = [entry.model_dump(mode="json") for entry in listed.subprocessors]
    return Response(
        csvfile.csv_text([CSV_COLUMNS, *([entry[c] for c in CSV_COLUMNS] for entry in entries)]),
        media_type=csvfile.MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="subprocessors-{listed.at}.csv"',
            "Cache-Control": PUBLIC_CACHE,
        },
    )


@get("/subprocessors.atom", summary="Changes to the sub-processor list as an Atom feed", tags=["sub-processors"])
async def list_atom(request: Request[Any, Any, Any], db_session: DbSession) -> Response[bytes]:
    organisation = await register.get_organisation(db_session)
    changes = await service.published_changes(db_session, limit=200)
    document = feed.atom(
        changes,
        public_url=request.app.state.settings.public_url,
        organisation=organisation.legal_name if organisation else None,
        now=utcnow(),
    )
    return Response(document, media_type="application/atom+xml; charset=utf-8", headers={"Cache-Control": PUBLIC_CACHE})


class SubProcessorsController(Controller):
    path = "/subprocessors"
    tags = ["sub-processors"]

    @get("/", opt=READ, summary="Every sub-processor, proposed ones included, with its status")
    async def everything(self, db_session: DbSession) -> list[SubProcessorOut]:
        return [service.row_out(row) for row in await service.list_subprocessors(db_session)]

    @put(
        "/{key:str}",
        opt=EDIT,
        summary="Create (proposed) or update a sub-processor's published details; `lifecycle` as the file has it",
    )
    async def save(
        self, request: Request[Any, Any, Any], db_session: DbSession, key: FromPath[str], data: JSONBody[SubProcessorIn]
    ) -> SubProcessorOut:
        if data.key != key:
            raise Invalid("the key in the body differs from the one in the path", errors=[FieldError("key", "differs")])
        saved = await service.save_subprocessor(
            db_session,
            subprocessor=data,
            settings=request.app.state.settings,
            actor=current_actor(request),
            now=utcnow(),
        )
        return service.row_out(saved.row)

    @post("/{key:str}/announce", opt=EDIT, status_code=200, summary="Announce: notice period, emails, objections open")
    async def announce(
        self, request: Request[Any, Any, Any], db_session: DbSession, key: FromPath[str], data: JSONBody[AnnouncementIn]
    ) -> ChangeOut:
        change = await service.announce(
            db_session,
            key=key,
            announcement=data,
            settings=request.app.state.settings,
            actor=current_actor(request),
            now=utcnow(),
        )
        return service.change_out(change)

    @post("/{key:str}/retire", opt=EDIT, status_code=200, summary="Announce that a sub-processor stops")
    async def retire(
        self, request: Request[Any, Any, Any], db_session: DbSession, key: FromPath[str], data: JSONBody[AnnouncementIn]
    ) -> ChangeOut:
        change = await service.retire(
            db_session,
            key=key,
            announcement=data,
            settings=request.app.state.settings,
            actor=current_actor(request),
            now=utcnow(),
        )
        return service.change_out(change)

    @get("/objections", opt=READ, summary="Customers' objections: who, when, which change and why")
    async def objections(self, db_session: DbSession) -> list[ObjectionOut]:
        return await notices.list_objections(db_session)

    @get("/subscribers", opt=READ, summary="How many subscribers (never who)")
    async def subscribers(self, db_session: DbSession) -> SubscriberCounts:
        return await notices.subscriber_counts(db_session)


PUBLIC_HANDLERS: list[ControllerRouterHandler] = [PublicSubProcessorsController, list_csv, list_atom]
ADMIN_CONTROLLERS: list[ControllerRouterHandler] = [SubProcessorsController]
