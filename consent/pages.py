"""Console pages of the consent domain: statistics, and proof lookup for auditors."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Any

from litestar import Request, get
from litestar.params import QueryParameter
from litestar.response import Template

from consent import service
from consent.receipts import read_receipt
from privacy.actors import Actor, Permission
from privacy.db import utcnow
from privacy.errors import NotFound
from privacy.web import DbSession

READ = {"permission": Permission.READ}


def page(request: Request[Any, Any, Any], template: str, **context: Any) -> Template:
    actor: Actor | None = request.scope.get("user")
    return Template(template_name=f"consent/{template}", context={"actor": actor, "permissions": Permission, **context})


@get("/consent", opt=READ)
async def statistics_page(
    request: Request[Any, Any, Any], db_session: DbSession, days: Annotated[int, QueryParameter(ge=1, le=366)] = 30
) -> Template:
    current = request.app.state.consent_cache.current
    categories = current.categories if current else []
    stats = await service.consent_statistics(db_session, categories=categories, since=utcnow() - timedelta(days=days))
    peak = max((count for _, count in stats.by_day), default=0)
    return page(request, "console_statistics.html", stats=stats, days=days, peak=peak, setup=current)


@get("/consent/proof", opt=READ)
async def proof_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    consent_id: Annotated[str | None, QueryParameter(max_length=64)] = None,
    receipt: Annotated[str | None, QueryParameter(max_length=4096)] = None,
) -> Template:
    history, claims, problem = None, None, None
    if consent_id:
        try:
            history = await service.consent_history(db_session, consent_id=uuid.UUID(consent_id.strip()))
        except (ValueError, NotFound):
            problem = "No consent records carry this consent id."
    if receipt:
        claims = read_receipt(request.app.state.keyring, receipt.strip())
        if claims is None:
            problem = "This receipt's signature does not verify: it was not issued by this service, or was altered."
    return page(
        request,
        "console_proof.html",
        history=history,
        claims=claims,
        problem=problem,
        consent_id=consent_id or "",
        receipt=receipt or "",
    )


CONSOLE_PAGES = [statistics_page, proof_page]
