"""The published privacy notice at /privacy (HTML) and /privacy.pdf."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
from litestar import Request, Response, get
from litestar.params import QueryParameter
from litestar.response import Template
from litestar.types import ControllerRouterHandler

from privacy.errors import NotFound
from privacy.i18n import LANGUAGES, SOURCE_LANGUAGE, Negotiated, language_name, negotiate
from privacy.notice import service as notice
from privacy.notice.texts import CONTACT_TITLES, EVENTS, RIGHTS
from privacy.pdf import render_pdf
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
    "contact_titles": CONTACT_TITLES,
    "rights": RIGHTS,
}


async def _language(request: Request[Any, Any, Any], db_session: DbSession, lang: str | None) -> dict[str, Any]:
    """The language the page is shown in, negotiated among those the organisation publishes;
    the links to the others; and the note when the one asked for is not published."""
    organisation = await register.get_organisation(db_session)
    published = organisation.languages if organisation else list(LANGUAGES)
    default = organisation.default_language if organisation else SOURCE_LANGUAGE
    chosen: Negotiated = negotiate(lang, request.headers.get("accept-language"), published=published, default=default)
    return {
        "language": chosen.language,
        "default_language": default,
        "languages": [(code, language_name(code, in_language=code)) for code in published],
        "language_names": {code: language_name(code, in_language=chosen.language) for code in LANGUAGES},
        "language_note": chosen.note(),
    }


async def _context(
    request: Request[Any, Any, Any], db_session: DbSession, lang: str | None, version: int | None
) -> dict[str, Any]:
    shown = await notice.get_version(db_session, version=version)
    history = await notice.list_versions(db_session)
    return {
        **await _language(request, db_session, lang),
        **WORDING,
        "version": shown,
        "history": history,
        "is_latest": shown.version == history[0].version,
        "base_url": request.app.state.settings.public_url.rstrip("/"),
        "post_mortem": await register.post_mortem_directives_offered(db_session, settings=request.app.state.settings),
    }


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
            context=await _language(request, db_session, lang),
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
