"""The console's retention page: rules (those awaiting review with their dry run and an approve
button), what the sweeps removed over time, runs, holds and backups."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from privacy.actors import Permission
from privacy.console import Form, console_page, submit_form
from privacy.db import utcnow
from privacy.errors import FieldError
from privacy.i18n import duration_words
from privacy.web import DbSession, current_actor
from retention import overview, review
from retention.schemas import ApprovalIn


async def _retention(
    request: Request[Any, Any, Any], db_session: DbSession, *, errors: list[FieldError] | None = None, status: int = 200
) -> Response[Any]:
    shown = await overview.overview(db_session, now=utcnow())
    return console_page(
        request,
        "retention/console.html",
        status_code=status,
        errors=errors or [],
        rules=shown.rules,
        awaiting=await review.awaiting_review(db_session),
        runs=shown.runs,
        removed=shown.removed,
        holds=shown.holds,
        backups=shown.backups,
        backups_gone_by=shown.backups_gone_by,
        duration_words=duration_words,
    )


@get("/retention", opt={"permission": Permission.READ})
async def retention_page(request: Request[Any, Any, Any], db_session: DbSession) -> Response[Any]:
    return await _retention(request, db_session)


@post("/retention/{key:str}/approve", opt={"permission": Permission.EDIT_REGISTER})
async def approve_from_console(
    request: Request[Any, Any, Any], db_session: DbSession, key: FromPath[str], data: Form
) -> Response[Any]:
    async def approve() -> str:
        approval = ApprovalIn.model_validate({"run": data.get("run", "")})
        await review.approve_rule(db_session, key=key, run_id=approval.run, actor=current_actor(request), now=utcnow())
        return "/console/retention?done=approved"

    async def again(errors: list[FieldError], status: int) -> Response[Any]:
        return await _retention(request, db_session, errors=errors, status=status)

    return await submit_form(approve, again=again)


CONSOLE_PAGES = [retention_page, approve_from_console]
