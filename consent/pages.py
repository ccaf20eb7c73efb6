"""Console pages of the consent domain: statistics, and proof lookup for auditors."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

import yaml
from litestar import Request, Response, get, post
from litestar.params import QueryParameter
from litestar.response import Template

from consent import records, setup, statistics
from consent.decisions import LoadedSetup
from privacy.actors import Actor, Permission
from privacy.console import Form, console_page, submit_form
from privacy.db import utcnow
from privacy.errors import FieldError
from privacy.web import DbSession, current_actor

READ = {"permission": Permission.READ}
EDIT = {"permission": Permission.EDIT_REGISTER}


@get("/consent", opt=READ)
async def statistics_page(
    request: Request[Any, Any, Any], db_session: DbSession, days: Annotated[int, QueryParameter(ge=1, le=366)] = 30
) -> Template:
    current = request.app.state.consent_cache.current
    categories = current.categories if current else []
    stats = await statistics.consent_statistics(
        db_session, categories=categories, since=utcnow() - timedelta(days=days)
    )
    peak = max((count for _, count in stats.by_day), default=0)
    return console_page(request, "consent/console_statistics.html", stats=stats, days=days, peak=peak, setup=current)


@get("/consent/proof", opt=READ)
async def proof_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    consent_id: Annotated[str | None, QueryParameter(max_length=64)] = None,
    receipt: Annotated[str | None, QueryParameter(max_length=4096)] = None,
) -> Template:
    proof = await records.find_proof(
        db_session, keyring=request.app.state.keyring, consent_id=consent_id, receipt=receipt
    )
    return console_page(
        request,
        "consent/console_proof.html",
        history=proof.history,
        claims=proof.claims,
        problem=proof.problem,
        consent_id=consent_id or "",
        receipt=receipt or "",
    )


@get("/consent/setup", opt=READ)
async def setup_page(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    current = await setup.load_setup(db_session)
    document = yaml.safe_dump(setup.setup_document(current), sort_keys=False, allow_unicode=True)
    return _setup_page(request, current, document)


@post("/consent/setup", opt=EDIT)
async def save_setup_page(request: Request[Any, Any, Any], db_session: DbSession, data: Form) -> Response[Any]:
    document = data.get("document", "")

    async def save() -> str:
        await setup.save_setup_document(
            db_session,
            document=document,
            max_bytes=request.app.state.settings.max_yaml_bytes,
            actor=current_actor(request),
            now=utcnow(),
        )
        return "/console/consent/setup"

    async def again(errors: list[FieldError], status_code: int) -> Response[Any]:
        current = await setup.load_setup(db_session)
        return _setup_page(request, current, document, errors=errors, status_code=status_code)

    return await submit_form(save, again=again)


def _setup_page(
    request: Request[Any, Any, Any],
    current: LoadedSetup | None,
    document: str,
    *,
    errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> Template:
    actor: Actor = request.scope["user"]
    return console_page(
        request,
        "consent/console_setup.html",
        status_code=status_code,
        current=current,
        document=document,
        errors=errors or [],
        editable=actor.may(Permission.EDIT_REGISTER),
    )


CONSOLE_PAGES = [statistics_page, proof_page, setup_page, save_setup_page]
