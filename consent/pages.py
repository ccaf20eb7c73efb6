"""Console pages of the consent domain: statistics, and proof lookup for auditors."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Any

import yaml
from litestar import Request, Response, get, post
from litestar.params import QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from pydantic import ValidationError

from consent import service
from consent.receipts import read_receipt
from consent.schemas import ConsentSetup
from privacy.actors import Actor, Permission
from privacy.db import utcnow
from privacy.errors import FieldError, Invalid, NotFound, form_errors, validation_errors
from privacy.web import DbSession, current_actor
from privacy.yaml_input import load_yaml

READ = {"permission": Permission.READ}
EDIT = {"permission": Permission.EDIT_REGISTER}


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


@get("/consent/setup", opt=READ)
async def setup_page(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    current = await service.load_setup(db_session)
    document = yaml.safe_dump(
        current.setup.model_dump(mode="json", exclude_defaults=True) if current else {},
        sort_keys=False,
        allow_unicode=True,
    )
    return _setup_page(request, current, document, errors=[])


@post("/consent/setup", opt=EDIT)
async def save_setup_page(
    request: Request[Any, Any, Any], db_session: DbSession, data: URLEncodedBody[dict[str, str]]
) -> Response[Any]:
    document = data.get("document", "")
    try:
        setup = ConsentSetup.model_validate(load_yaml(document, max_bytes=request.app.state.settings.max_yaml_bytes))
    except Invalid as error:
        errors = form_errors(error)
    except ValidationError as error:
        errors = validation_errors(error)
    else:
        await service.save_setup(db_session, setup=setup, actor=current_actor(request), now=utcnow())
        return Redirect("/console/consent/setup", status_code=303)
    return _setup_page(request, await service.load_setup(db_session), document, errors=errors, status_code=422)


def _setup_page(
    request: Request[Any, Any, Any],
    current: service.LoadedSetup | None,
    document: str,
    *,
    errors: list[FieldError],
    status_code: int = 200,
) -> Template:
    actor: Actor = request.scope["user"]
    template = page(
        request,
        "console_setup.html",
        current=current,
        document=document,
        errors=errors,
        editable=actor.may(Permission.EDIT_REGISTER),
    )
    template.status_code = status_code
    return template


CONSOLE_PAGES = [statistics_page, proof_page, setup_page, save_setup_page]
