"""The published privacy notice at /privacy (HTML) and /privacy.pdf."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
from litestar import Request, Response, get
from litestar.params import QueryParameter
from litestar.response import Template
from litestar.types import ControllerRouterHandler

from consent import service as consent_service
from privacy.errors import NotFound
from privacy.notice import service as notice
from privacy.notice.texts import CONTACT_TITLES, EVENTS, OTHER_EVENT, RIGHTS
from privacy.pdf import render_pdf
from privacy.public import public_context
from privacy.register import service as register
from privacy.templating import jinja_environment
from privacy.web import DbSession

Language = Annotated[str | None, QueryParameter(max_length=20, description="en, fr, de, nl or es")]
TEMPLATES = Path(__file__).parent / "templates"
VersionNumber = Annotated[int | None, QueryParameter(ge=1, description="an earlier version; the latest by default")]


WORDING = {
    "bases": register.BASES,
    "safeguards": register.SAFEGUARDS,
    "events": EVENTS,
    "other_event": OTHER_EVENT,
    "contact_titles": CONTACT_TITLES,
    "rights": RIGHTS,
}


async def _context(
    request: Request[Any, Any, Any], db_session: DbSession, lang: str | None, version: int | None
) -> dict[str, Any]:
    shown = await notice.get_version(db_session, version=version)
    history = await notice.list_versions(db_session)
    shared = public_context(request, await register.get_organisation(db_session), lang=lang)
    return {
        **shared,
        **WORDING,
        "cookie_rule": _cookie_rule(shown.content, shared["language"]),
        "version": shown,
        "history": history,
        "is_latest": shown.version == history[0].version,
        "post_mortem": await register.post_mortem_directives_offered(db_session, settings=request.app.state.settings),
    }


def _cookie_rule(content: dict[str, Any], language: str) -> list[str]:
    """The published version's rule of where consent is asked first, in the page's language
    (versions published before the notice stated it have none)."""
    if not content.get("cookie_rule"):
        return []
    labels = {
        category["key"]: category["labels"].get(language) or next(iter(category["labels"].values()), category["key"])
        for category in content.get("cookies", [])
    }
    return consent_service.rule_in_words(content["cookie_rule"], language, labels)


@get("/privacy", include_in_schema=False)
async def notice_page(
    request: Request[Any, Any, Any], db_session: DbSession, lang: Language = None, version: VersionNumber = None
) -> Template:
    try:
        context = await _context(request, db_session, lang, version)
    except NotFound:
        return Template(
            template_name="notice/unpublished.html",
            status_code=404,
            context=public_context(request, await register.get_organisation(db_session), lang=lang),
        )
    return Template(template_name="notice/notice.html", context={**context, "pdf": False})


@get("/privacy.pdf", include_in_schema=False)
async def notice_pdf(
    request: Request[Any, Any, Any], db_session: DbSession, lang: Language = None, version: VersionNumber = None
) -> Response[bytes]:
    context = {**await _context(request, db_session, lang, version), "pdf": True}
    document = await anyio.to_thread.run_sync(
        lambda: render_pdf(jinja_environment([TEMPLATES]), "notice/notice.html", context)
    )
    name = f"privacy-notice-v{context['version'].version}-{context['language']}.pdf"
    return Response(
        document, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'}
    )


PUBLIC_PAGES: list[ControllerRouterHandler] = [notice_page, notice_pdf]
