"""The console's retention page: rules, what the sweeps removed over time, runs and holds."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template
from sqlalchemy import select

from privacy.actors import Actor, Permission
from privacy.db import utcnow
from privacy.web import DbSession
from retention import service
from retention.models import LegalHold
from retention.schemas import RuleIn


@get("/retention", opt={"permission": Permission.READ})
async def retention_page(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    rows = await service.list_rules(db_session)
    runs = await service.list_runs(db_session)
    removed = [
        (run.started_at.date().isoformat(), run.rule, run.counts.deleted + run.counts.anonymised)
        for run in reversed(runs)
        if not run.dry_run and run.counts.deleted + run.counts.anonymised
    ]
    actor: Actor | None = request.scope.get("user")
    return Template(
        template_name="retention/console.html",
        context={
            "actor": actor,
            "permissions": Permission,
            "rules": [(RuleIn.model_validate(row.content), row.next_run_at) for row in rows],
            "runs": runs,
            "removed": removed[-30:],
            "holds": list(await db_session.scalars(select(LegalHold).order_by(LegalHold.placed_at.desc()))),
            "backups_gone_by": await service.backups_gone_by(db_session, erased_at=utcnow()),
        },
    )


CONSOLE_PAGES = [retention_page]
