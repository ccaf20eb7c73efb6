"""Pages of the sub-processor domain: the public list with its history and a subscription form,
the page a subscription link opens, and the console's overview with objections."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Template
from litestar.types import ControllerRouterHandler
from pydantic import ValidationError

from privacy.actors import Permission
from privacy.console import Form, console_page, error_status, submit_form
from privacy.db import utcnow
from privacy.errors import FieldError, NotFound, PrivacyError, form_errors
from privacy.register import service as register
from privacy.web import DbSession, current_actor
from subprocessors import notices, service
from subprocessors.limits import OBJECTIONS, SUBSCRIPTIONS
from subprocessors.schemas import TRANSFER_LABELS, AnnouncementIn, ObjectionIn, SubscriptionIn, TokenIn

Token = Annotated[str, QueryParameter(max_length=100)]


async def _public_page(request: Request[Any, Any, Any], db_session: DbSession, **context: Any) -> Template:
    return Template(
        template_name="subprocessors/public.html",
        context={
            "organisation": await register.get_organisation(db_session),
            "listed": await service.list_on(db_session, day=utcnow().date()),
            "notice_days": request.app.state.settings.subprocessor_notice_days,
            "history": [service.change_out(c) for c in await service.published_changes(db_session)],
            "transfer_labels": TRANSFER_LABELS,
            "errors": [],
            "message": None,
            "objection_form": {},
            **context,
        },
    )


@get("/privacy/subprocessors", include_in_schema=False)
async def public_list(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    return await _public_page(request, db_session)


@post("/privacy/subprocessors", guards=[SUBSCRIPTIONS], include_in_schema=False)
async def subscribe_form(request: Request[Any, Any, Any], db_session: DbSession, data: Form) -> Template:
    try:
        subscription = SubscriptionIn.model_validate({"email": data.get("email", "")})
    except ValidationError as error:
        return await _public_page(request, db_session, errors=form_errors(error))
    await notices.subscribe(
        db_session, email=subscription.email, public_url=request.app.state.settings.public_url, now=utcnow()
    )
    return await _public_page(
        request, db_session, message="Thank you. Please confirm with the link we have sent to your email."
    )


@post("/privacy/subprocessors/{key:str}/objections", guards=[OBJECTIONS], include_in_schema=False)
async def objection_form(
    request: Request[Any, Any, Any], db_session: DbSession, key: FromPath[str], data: Form
) -> Template:
    fields = {name: data.get(name, "") for name in ("organisation", "email", "reason")}
    try:
        await notices.object_to(db_session, key=key, objection=ObjectionIn.model_validate(fields), now=utcnow())
    except (ValidationError, PrivacyError) as error:
        page = await _public_page(request, db_session, errors=form_errors(error), objection_form=fields)
        page.status_code = error_status(error)
        return page
    return await _public_page(request, db_session, message="Your objection is recorded. The privacy team will reply.")


@get("/privacy/subprocessors/subscription", include_in_schema=False)
async def subscription_page(request: Request[Any, Any, Any], db_session: DbSession, token: Token = "") -> Template:
    # Opening the link changes nothing (mail scanners open links too): the person presses a button.
    return _subscription_page(request, await register.get_organisation(db_session), token=token, done=None)


@post("/privacy/subprocessors/subscription", guards=[SUBSCRIPTIONS], include_in_schema=False)
async def subscription_action(request: Request[Any, Any, Any], db_session: DbSession, data: Form) -> Template:
    organisation = await register.get_organisation(db_session)
    try:
        token = TokenIn.model_validate({"token": data.get("token", "")}).token
        if data.get("action") == "unsubscribe":
            await notices.unsubscribe(db_session, token=token)
            done = "You are unsubscribed; your address has been deleted."
        else:
            await notices.confirm(db_session, token=token, now=utcnow())
            done = "Your subscription is confirmed. We will email you before any change to our sub-processors."
    except (ValidationError, NotFound):
        return _subscription_page(request, organisation, token="", done=None, invalid=True)
    return _subscription_page(request, organisation, token="", done=done)


def _subscription_page(
    request: Request[Any, Any, Any], organisation: Any, *, token: str, done: str | None, invalid: bool = False
) -> Template:
    return Template(
        template_name="subprocessors/subscription.html",
        status_code=404 if invalid else 200,
        context={"organisation": organisation, "token": token, "done": done, "invalid": invalid},
    )


@get("/subprocessors", opt={"permission": Permission.READ})
async def overview_page(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    return await _overview(request, db_session)


async def _overview(
    request: Request[Any, Any, Any], db_session: DbSession, *, errors: list[FieldError] | None = None, status: int = 200
) -> Template:
    return console_page(
        request,
        "subprocessors/console.html",
        status_code=status,
        errors=errors or [],
        subprocessors=[service.row_out(row) for row in await service.list_subprocessors(db_session)],
        objections=await notices.list_objections(db_session),
        subscribers=await notices.subscriber_counts(db_session),
        transfer_labels=TRANSFER_LABELS,
        earliest=service.earliest_effective_date(request.app.state.settings, today=utcnow().date()),
    )


@post("/subprocessors/{key:str}/{change:str}", opt={"permission": Permission.EDIT_REGISTER})
async def announce_from_console(
    request: Request[Any, Any, Any], db_session: DbSession, key: FromPath[str], change: FromPath[str], data: Form
) -> Response[Any]:
    """Announce a proposed sub-processor (`announce`) or the end of an active one (`retire`)."""
    announcing = {"announce": service.announce, "retire": service.retire}.get(change)
    if announcing is None:
        raise NotFound(f"no action '{change}'")

    async def announce() -> str:
        announcement = AnnouncementIn.model_validate(
            {"effective_on": data.get("effective_on") or None, "summary": data.get("summary") or None}
        )
        await announcing(
            db_session,
            key=key,
            announcement=announcement,
            settings=request.app.state.settings,
            actor=current_actor(request),
            now=utcnow(),
        )
        return "/console/subprocessors"

    async def again(errors: list[FieldError], status: int) -> Response[Any]:
        return await _overview(request, db_session, errors=errors, status=status)

    return await submit_form(announce, again=again)


PUBLIC_PAGES: list[ControllerRouterHandler] = [
    public_list,
    subscribe_form,
    objection_form,
    subscription_page,
    subscription_action,
]
CONSOLE_PAGES: list[ControllerRouterHandler] = [overview_page, announce_from_console]
