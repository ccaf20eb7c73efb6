"""The notice's admin API: what publishing now would state, publishing it, the revision history."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import JSONBody
from litestar.types import ControllerRouterHandler

from privacy.actors import Permission
from privacy.db import utcnow
from privacy.notice import service as notice
from privacy.notice.schemas import PublishIn, VersionOut
from privacy.web import DbSession, current_actor


class NoticeController(Controller):
    path = "/notice"
    tags = ["privacy notice"]

    @get(
        "/preview",
        opt={"permission": Permission.READ},
        summary="What publishing now would state, and whether it changed",
    )
    async def preview(self, db_session: DbSession) -> dict[str, Any]:
        return await notice.preview(db_session, today=utcnow().date())

    @post("/versions", opt={"permission": Permission.EDIT_REGISTER}, summary="Publish the notice as the records stand")
    async def publish(
        self, request: Request[Any, Any, Any], db_session: DbSession, data: JSONBody[PublishIn]
    ) -> VersionOut:
        published = await notice.publish(
            db_session, summary=data.summary, material=data.material, actor=current_actor(request), now=utcnow()
        )
        return notice.version_out(published)

    @get("/versions", opt={"permission": Permission.READ}, summary="Every published version: the revision history")
    async def versions(self, db_session: DbSession) -> list[VersionOut]:
        return [notice.version_out(version) for version in await notice.list_versions(db_session)]


ADMIN_CONTROLLERS: list[ControllerRouterHandler] = [NoticeController]
