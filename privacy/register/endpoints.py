"""The register's admin API: the organisation profile, processing activities with their versions,
and the Art. 30 record as JSON, CSV and PDF."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import anyio.to_thread
from litestar import Controller, Request, Response, Router, delete, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.types import ControllerRouterHandler
from sqlalchemy.ext.asyncio import AsyncSession

from privacy.actors import Permission
from privacy.csvfile import MEDIA_TYPE as CSV
from privacy.db import utcnow
from privacy.domain import ConsentsCollected, RecordAnnex
from privacy.register import service as register
from privacy.register.exports import record_csv, record_pdf
from privacy.register.schemas import ActivityIn, ActivityOut, ActivityVersionOut, DataCategory, OrganisationProfile
from privacy.web import DbSession, attachment, current_actor

READ = {"permission": Permission.READ}
EXPORT = {"permission": Permission.EXPORT}
EDIT_REGISTER = {"permission": Permission.EDIT_REGISTER}
EDIT_ORGANISATION = {"permission": Permission.EDIT_ORGANISATION}
Annexes = NamedDependency[Sequence[RecordAnnex]]  # the tables other domains annex to the record


class OrganisationController(Controller):
    path = "/organisation"
    tags = ["register"]

    @get("/", opt=READ, summary="The organisation profile")
    async def show(self, db_session: DbSession) -> OrganisationProfile:
        return await register.require_organisation(db_session)

    @put("/", opt=EDIT_ORGANISATION, summary="Create or replace the organisation profile")
    async def replace(
        self, request: Request[Any, Any, Any], db_session: DbSession, data: JSONBody[OrganisationProfile]
    ) -> OrganisationProfile:
        await register.save_organisation(db_session, profile=data, actor=current_actor(request))
        return data

    @get("/data-categories", opt=READ, summary="The personal data taxonomy, starter and custom")
    async def categories(self, db_session: DbSession) -> list[DataCategory]:
        return await register.data_categories(db_session)


async def consents_collected(request: Request[Any, Any, Any], session: AsyncSession) -> ConsentsCollected:
    """Where the installation's domains collect consents (`privacy.composition.consent_sources`)."""
    return await register.consents_collected(session, request.app.state.consent_sources)


async def activity_with_gaps(request: Request[Any, Any, Any], session: AsyncSession, key: str) -> ActivityOut:
    return await register.get_activity(session, key=key, consents=await consents_collected(request, session))


class ActivityController(Controller):
    path = "/activities"
    tags = ["register"]

    @get("/", opt=READ, summary="The register, each activity with its gaps")
    async def list_all(self, request: Request[Any, Any, Any], db_session: DbSession) -> list[ActivityOut]:
        return await register.list_activities(db_session, consents=await consents_collected(request, db_session))

    @post("/", opt=EDIT_REGISTER, summary="Add an activity to the register")
    async def create(
        self, request: Request[Any, Any, Any], db_session: DbSession, data: JSONBody[ActivityIn]
    ) -> ActivityOut:
        await register.create_activity(db_session, activity=data, actor=current_actor(request))
        return await activity_with_gaps(request, db_session, data.key)

    @get("/{key:str}", opt=READ, summary="One activity with its gaps")
    async def show(self, request: Request[Any, Any, Any], db_session: DbSession, key: FromPath[str]) -> ActivityOut:
        return await activity_with_gaps(request, db_session, key)

    @put("/{key:str}", opt=EDIT_REGISTER, summary="Replace an activity (a new version is kept)")
    async def replace(
        self, request: Request[Any, Any, Any], db_session: DbSession, key: FromPath[str], data: JSONBody[ActivityIn]
    ) -> ActivityOut:
        await register.update_activity(db_session, key=key, activity=data, actor=current_actor(request))
        return await activity_with_gaps(request, db_session, key)

    @delete("/{key:str}", opt=EDIT_REGISTER, summary="Remove an activity (its history is kept)")
    async def remove(self, request: Request[Any, Any, Any], db_session: DbSession, key: FromPath[str]) -> None:
        await register.delete_activity(db_session, key=key, actor=current_actor(request))

    @get("/{key:str}/versions", opt=READ, summary="Every version the activity has had")
    async def versions(self, db_session: DbSession, key: FromPath[str]) -> list[ActivityVersionOut]:
        return await register.activity_versions(db_session, key=key)


class ExportController(Controller):
    path = "/"
    tags = ["exports"]

    @get("/ropa.json", opt=EXPORT, summary="Art. 30 record as JSON")
    async def ropa_json(self, db_session: DbSession, annexes: Annexes) -> Response[dict[str, Any]]:
        record = await register.art30_record(db_session, annexes, now=utcnow())
        return Response(record, headers=attachment("ropa.json"))

    @get("/ropa.csv", opt=EXPORT, summary="Art. 30 record as CSV, one row per activity", media_type=CSV)
    async def ropa_csv(self, db_session: DbSession, annexes: Annexes) -> Response[str]:
        record = await register.art30_record(db_session, annexes, now=utcnow())
        return Response(record_csv(record), media_type=CSV, headers=attachment("ropa.csv"))

    @get("/ropa.pdf", opt=EXPORT, summary="Art. 30 record as PDF", media_type="application/pdf")
    async def ropa_pdf(self, db_session: DbSession, annexes: Annexes) -> Response[bytes]:
        record = await register.art30_record(db_session, annexes, now=utcnow())
        # Seconds of layout for a large register: off the event loop, so other requests go on.
        document = await anyio.to_thread.run_sync(record_pdf, record)
        return Response(document, media_type="application/pdf", headers=attachment("ropa.pdf"))


def admin_routes(annexes: Sequence[RecordAnnex]) -> list[ControllerRouterHandler]:
    """The register's admin API; the exports close the record with the tables other domains annex."""
    exports = Router(
        path="/exports",
        route_handlers=[ExportController],
        dependencies={"annexes": Provide(lambda: annexes, sync_to_thread=False)},
    )
    return [OrganisationController, ActivityController, exports]
