"""The published privacy notice at /privacy (HTML) and /privacy.pdf, and the staff API that
previews and publishes its versions."""

from __future__ import annotations

from typing import Annotated, Any

import anyio.to_thread
from litestar import Controller, Request, Response, get, post
from litestar.params import JSONBody, QueryParameter
from litestar.response import Template
from pydantic import Field

from privacy import notice
from privacy.actors import Permission
from privacy.db import utcnow
from privacy.errors import NotFound
from privacy.models import NoticeVersion
from privacy.notice_texts import NOTICE_LANGUAGES, NOTICE_TEXTS, notice_language
from privacy.pdf import render_pdf
from privacy.schemas import Schema, ShortText
from privacy.templating import jinja_environment
from privacy.web import DbSession, current_actor

Language = Annotated[str | None, QueryParameter(max_length=5)]
VersionNumber = Annotated[int | None, QueryParameter(ge=1, description="an earlier version; the latest by default")]


class PublishIn(Schema):
    summary: ShortText = Field(description="what changed, for the revision history")
    material: bool = Field(default=False, description="a material change: the consent banner asks again")


class VersionOut(Schema):
    version: int
    published_at: str
    published_by: str
    summary: str
    material: bool
    content_hash: str


def version_out(version: NoticeVersion) -> VersionOut:
    return VersionOut(
        version=version.version,
        published_at=version.published_at.isoformat(),
        published_by=version.published_by,
        summary=version.summary,
        material=version.material,
        content_hash=version.content_hash,
    )


async def _context(
    request: Request[Any, Any, Any], db_session: DbSession, lang: str | None, version: int | None
) -> dict[str, Any]:
    shown = await notice.get_version(db_session, version)
    history = await notice.list_versions(db_session)
    language = notice_language(lang)
    return {
        "version": shown,
        "history": history,
        "is_latest": shown.version == history[0].version,
        "language": language,
        "languages": NOTICE_LANGUAGES,
        "t": NOTICE_TEXTS[language],
        "base_url": request.app.state.settings.public_url.rstrip("/"),
    }


@get("/privacy", include_in_schema=False)
async def notice_page(
    request: Request[Any, Any, Any], db_session: DbSession, lang: Language = None, version: VersionNumber = None
) -> Template:
    try:
        context = await _context(request, db_session, lang, version)
    except NotFound:
        language = notice_language(lang)
        return Template(
            template_name="notice/unpublished.html",
            status_code=404,
            context={"language": language, "t": NOTICE_TEXTS[language]},
        )
    return Template(template_name="notice/notice.html", context={**context, "pdf": False})


@get("/privacy.pdf", include_in_schema=False)
async def notice_pdf(
    request: Request[Any, Any, Any], db_session: DbSession, lang: Language = None, version: VersionNumber = None
) -> Response[bytes]:
    context = {**await _context(request, db_session, lang, version), "pdf": True}
    document = await anyio.to_thread.run_sync(lambda: render_pdf(jinja_environment(), "notice/notice.html", context))
    name = f"privacy-notice-v{context['version'].version}-{context['language']}.pdf"
    return Response(
        document, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'}
    )


class NoticeController(Controller):
    path = "/notice"
    tags = ["privacy notice"]

    @get(
        "/preview",
        opt={"permission": Permission.READ},
        summary="What publishing now would state, and whether it changed",
    )
    async def preview(self, db_session: DbSession) -> dict[str, Any]:
        content = await notice.current_content(db_session, today=utcnow().date())
        latest = await notice.latest_version(db_session)
        digest = notice.content_hash(content)
        return {
            "content_hash": digest,
            "changed_since_latest": latest is None or latest.content_hash != digest,
            "content": content,
        }

    @post("/versions", opt={"permission": Permission.EDIT_REGISTER}, summary="Publish the notice as the records stand")
    async def publish(
        self, request: Request[Any, Any, Any], db_session: DbSession, data: JSONBody[PublishIn]
    ) -> VersionOut:
        published = await notice.publish(
            db_session, summary=data.summary, material=data.material, actor=current_actor(request), now=utcnow()
        )
        return version_out(published)

    @get("/versions", opt={"permission": Permission.READ}, summary="Every published version: the revision history")
    async def versions(self, db_session: DbSession) -> list[VersionOut]:
        return [version_out(version) for version in await notice.list_versions(db_session)]


PUBLIC_PAGES = [notice_page, notice_pdf]
ADMIN_CONTROLLERS = [NoticeController]
