"""Pages of the sub-processor domain: the public list with its history and a subscription form,
the page a subscription link opens, and the console's overview with objections."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Template
from litestar.types import ControllerRouterHandler
from pydantic import ValidationError

from privacy.actors import Permission
from privacy.console import Form, console_page, error_status, submit_form
from privacy.db import utcnow
from privacy.errors import FieldError, NotFound, PrivacyError
from privacy.i18n import N_, day_in_words
from privacy.public import public_context
from privacy.register import service as register
from privacy.web import DbSession, current_actor
from subprocessors import notices, service
from subprocessors.limits import OBJECTIONS, SUBSCRIPTIONS
from subprocessors.schemas import TRANSFER_LABELS, AnnouncementIn, ObjectionIn, SubscriptionIn, TokenIn

Token = Annotated[str, QueryParameter(max_length=100)]
Language = Annotated[str | None, QueryParameter(max_length=20, description="en, fr, de, nl or es")]

# The history of the list, one line per change.
KIND_WORDS = {
    "announced": N_("Announced: %(name)s, from %(day)s"),
    "activated": N_("In use: %(name)s"),
    "updated": N_("Details changed: %(name)s"),
    "retirement_announced": N_("Leaving: %(name)s, from %(day)s"),
    "retired": N_("No longer used: %(name)s"),
}
SUBSCRIBED = N_("Thank you. Please confirm with the link we have sent to your email.")
OBJECTION_RECORDED = N_("Your objection is recorded. The privacy team will reply.")
CONFIRMED = N_("Your subscription is confirmed. We will email you before any change to our sub-processors.")
UNSUBSCRIBED = N_("You are unsubscribed; your address has been deleted.")
# A form's problems in words a visitor can act on (the validators' own are English and technical).
FIELD_PROBLEMS = {
    "email": N_("Enter a valid email address."),
    "organisation": N_("Enter the name of your organisation."),
    "reason": N_("Tell us why you object."),
}
NO_SUCH_SUBPROCESSOR = N_("There is no such sub-processor.")
OBJECTIONS_CLOSED = N_("Objections are open only while a change is announced and not yet in effect.")


@dataclass(frozen=True)
class Problem:
    field_id: str | None  # the input to go to
    message: str  # a catalogue message id


def _problems(error: Exception, field_ids: dict[str, str]) -> list[Problem]:
    if isinstance(error, ValidationError):
        fields = dict.fromkeys(str(detail["loc"][0]) for detail in error.errors() if detail["loc"])
        return [Problem(field_ids.get(name), FIELD_PROBLEMS[name]) for name in fields if name in FIELD_PROBLEMS]
    return [Problem(None, NO_SUCH_SUBPROCESSOR if isinstance(error, NotFound) else OBJECTIONS_CLOSED)]


async def _shared(request: Request[Any, Any, Any], db_session: DbSession, lang: str | None) -> dict[str, Any]:
    """The layout's variables and what puts this domain's values in the page's language."""
    shared = public_context(request, await register.get_organisation(db_session), lang=lang)
    organisation = shared["organisation"]
    return {
        **shared,
        "day": partial(day_in_words, language=shared["language"]),
        "category": partial(register.category, labels=register.category_labels(organisation) if organisation else {}),
        "transfer_labels": TRANSFER_LABELS,
        "kinds": KIND_WORDS,
    }


async def _public_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    shared: dict[str, Any],
    *,
    status: int = 200,
    **context: Any,
) -> Template:
    return Template(
        template_name="subprocessors/public.html",
        status_code=status,
        context={
            **shared,
            "listed": await service.list_on(db_session, day=utcnow().date()),
            "notice_period": f"P{request.app.state.settings.subprocessor_notice_days}D",
            "history": [service.change_out(c) for c in await service.published_changes(db_session)],
            "problems": [],
            "message": None,
            "objection_form": {},
            **context,
        },
    )


@get("/privacy/subprocessors", include_in_schema=False)
async def public_list(request: Request[Any, Any, Any], db_session: DbSession, lang: Language = None) -> Template:
    return await _public_page(request, db_session, await _shared(request, db_session, lang))


@post("/privacy/subprocessors", guards=[SUBSCRIPTIONS], include_in_schema=False)
async def subscribe_form(
    request: Request[Any, Any, Any], db_session: DbSession, data: Form, lang: Language = None
) -> Template:
    shared = await _shared(request, db_session, lang)
    try:
        subscription = SubscriptionIn.model_validate({"email": data.get("email", "")})
    except ValidationError as error:
        return await _public_page(
            request, db_session, shared, status=422, problems=_problems(error, {"email": "email"})
        )
    await notices.subscribe(
        db_session,
        email=subscription.email,
        language=shared["language"],
        public_url=request.app.state.settings.public_url,
        now=utcnow(),
    )
    return await _public_page(request, db_session, shared, message=SUBSCRIBED)


@post("/privacy/subprocessors/{key:str}/objections", guards=[OBJECTIONS], include_in_schema=False)
async def objection_form(
    request: Request[Any, Any, Any], db_session: DbSession, key: FromPath[str], data: Form, lang: Language = None
) -> Template:
    shared = await _shared(request, db_session, lang)
    fields = {name: data.get(name, "") for name in ("organisation", "email", "reason")}
    try:
        await notices.object_to(db_session, key=key, objection=ObjectionIn.model_validate(fields), now=utcnow())
    except (ValidationError, PrivacyError) as error:
        ids = {"organisation": f"organisation-{key}", "email": f"objection-email-{key}", "reason": f"reason-{key}"}
        return await _public_page(
            request,
            db_session,
            shared,
            status=error_status(error),
            problems=_problems(error, ids),
            objection_form=fields,
        )
    return await _public_page(request, db_session, shared, message=OBJECTION_RECORDED)


@get("/privacy/subprocessors/subscription", include_in_schema=False)
async def subscription_page(
    request: Request[Any, Any, Any], db_session: DbSession, token: Token = "", lang: Language = None
) -> Template:
    # Opening the link changes nothing (mail scanners open links too): the person presses a button.
    shared = public_context(request, await register.get_organisation(db_session), lang=lang)
    return _subscription_page(shared, token=token, done=None)


@post("/privacy/subprocessors/subscription", guards=[SUBSCRIPTIONS], include_in_schema=False)
async def subscription_action(
    request: Request[Any, Any, Any], db_session: DbSession, data: Form, lang: Language = None
) -> Template:
    shared = public_context(request, await register.get_organisation(db_session), lang=lang)
    try:
        token = TokenIn.model_validate({"token": data.get("token", "")}).token
        if data.get("action") == "unsubscribe":
            await notices.unsubscribe(db_session, token=token)
            done = UNSUBSCRIBED
        else:
            await notices.confirm(db_session, token=token, now=utcnow())
            done = CONFIRMED
    except (ValidationError, NotFound):
        return _subscription_page(shared, token="", done=None, invalid=True)
    return _subscription_page(shared, token="", done=done)


def _subscription_page(shared: dict[str, Any], *, token: str, done: str | None, invalid: bool = False) -> Template:
    return Template(
        template_name="subprocessors/subscription.html",
        status_code=404 if invalid else 200,
        context={**shared, "token": token, "done": done, "invalid": invalid},
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
