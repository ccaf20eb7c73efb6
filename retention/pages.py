"""The console's retention page: rules, what the sweeps removed over time, runs and holds."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from privacy.actors import Permission
from privacy.console import console_page
from privacy.db import utcnow
from privacy.web import DbSession
from retention import service


@get("/retention", opt={"permission": Permission.READ})
async def retention_page(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    shown = await service.overview(db_session, now=utcnow())
    return console_page(
        request,
        "retention/console.html",
        rules=shown.rules,
        runs=shown.runs,
        removed=shown.removed,
        holds=shown.holds,
        backups_gone_by=shown.backups_gone_by,
    )


CONSOLE_PAGES = [retention_page]
