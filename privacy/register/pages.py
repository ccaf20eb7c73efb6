"""The register in the console: the activities with their gaps, forms to add and change them, each
activity's history, and the organisation profile."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import CacheControlHeader
from litestar.params import FromPath
from litestar.response import Template
from litestar.types import ControllerRouterHandler

from privacy.actors import Permission
from privacy.console import Form, TickedForm, console_page, submit_form
from privacy.errors import FieldError
from privacy.i18n import LANGUAGES, language_name
from privacy.register import service as register
from privacy.register.endpoints import activity_with_gaps, consents_collected
from privacy.register.exports import lawful_bases_text, transfer_text
from privacy.register.forms import (
    activity_from_form,
    activity_to_form,
    basis_rows,
    organisation_from_form,
    organisation_to_form,
)
from privacy.register.schemas import (
    ActivityRole,
    Article9Condition,
    DpiaStatus,
    LawfulBasis,
    Safeguard,
    SpecialCategory,
)
from privacy.web import DbSession, current_actor

READ = {"permission": Permission.READ}
EDIT_REGISTER = {"permission": Permission.EDIT_REGISTER}
EDIT_ORGANISATION = {"permission": Permission.EDIT_ORGANISATION}
CHOICES = {
    "roles": list(ActivityRole),
    "bases": list(LawfulBasis),
    "dpia_statuses": list(DpiaStatus),
    "special_categories": list(SpecialCategory),
    "conditions": list(Article9Condition),
    "safeguards": list(Safeguard),
}


def page(request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any) -> Template:
    return console_page(request, f"register/{template}", status_code=status_code, choices=CHOICES, **context)


def activity_form_page(
    request: Request[Any, Any, Any], *, form: dict[str, Any], creating: bool, errors: list[FieldError] | None = None
) -> Template:
    status = 422 if errors else 200
    context = {"form": form, "creating": creating, "errors": errors or [], "basis_rows": basis_rows(form)}
    return page(request, "activity_form.html", status, **context)


@get("/", opt=READ)
async def register_list(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    activities = await register.list_activities(db_session, consents=await consents_collected(request, db_session))
    organisation = await register.get_organisation(db_session)
    return page(request, "register.html", activities=activities, organisation=organisation)


@get("/activities/new", opt=EDIT_REGISTER)
async def new_activity_form(request: Request[Any, Any, Any]) -> Template:
    return activity_form_page(request, form={}, creating=True)


@post("/activities/new", opt=EDIT_REGISTER)
async def create_activity(request: Request[Any, Any, Any], db_session: DbSession, data: Form) -> Response[Any]:
    async def create() -> str:
        activity = activity_from_form(data)
        created = await register.create_activity(db_session, activity=activity, actor=current_actor(request))
        return f"/console/activities/{created.key}"

    async def again(errors: list[FieldError], status: int) -> Response[Any]:
        return activity_form_page(request, form=data, errors=errors, creating=True)

    return await submit_form(create, again=again)


@get("/activities/{key:str}", opt=READ)
async def activity_detail(request: Request[Any, Any, Any], db_session: DbSession, key: FromPath[str]) -> Template:
    activity = await activity_with_gaps(request, db_session, key)
    versions = await register.activity_versions(db_session, key=key)
    organisation = await register.get_organisation(db_session)
    return page(
        request,
        "activity.html",
        activity=activity,
        bases=lawful_bases_text(activity, organisation),
        transfers=[transfer_text(transfer) for transfer in activity.transfers],
        versions=list(reversed(versions)),
        category_labels={c.key: c.label for c in await register.data_categories(db_session)},
    )


@get("/activities/{key:str}/edit", opt=EDIT_REGISTER)
async def edit_activity_form(request: Request[Any, Any, Any], db_session: DbSession, key: FromPath[str]) -> Template:
    activity = await register.get_activity(db_session, key=key)
    form = activity_to_form(register.as_activity_in(activity))
    return activity_form_page(request, form=form, creating=False)


@post("/activities/{key:str}/edit", opt=EDIT_REGISTER)
async def update_activity(
    request: Request[Any, Any, Any], db_session: DbSession, key: FromPath[str], data: Form
) -> Response[Any]:
    form = {**data, "key": key}

    async def update() -> str:
        # The form edits the activity in the default language; its words in others stay as they are.
        kept = register.as_activity_in(await register.get_activity(db_session, key=key)).translations
        activity = activity_from_form(form).model_copy(update={"translations": kept})
        await register.update_activity(db_session, key=key, activity=activity, actor=current_actor(request))
        return f"/console/activities/{key}"

    async def again(errors: list[FieldError], status: int) -> Response[Any]:
        return activity_form_page(request, form=form, errors=errors, creating=False)

    return await submit_form(update, again=again)


@get("/organisation", opt=READ)
async def organisation_page(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    organisation = await register.get_organisation(db_session)
    return page(request, "organisation.html", form=organisation_to_form(organisation), languages=LANGUAGE_CHOICES)


@post("/organisation", opt=EDIT_ORGANISATION)
async def save_organisation(request: Request[Any, Any, Any], db_session: DbSession, data: TickedForm) -> Response[Any]:
    async def save() -> str:
        profile = organisation_from_form(data, await register.get_organisation(db_session))
        await register.save_organisation(db_session, profile=profile, actor=current_actor(request))
        return "/console/organisation"

    async def again(errors: list[FieldError], status: int) -> Response[Any]:
        return page(request, "organisation.html", 422, form=data, errors=errors, languages=LANGUAGE_CHOICES)

    return await submit_form(save, again=again)


LANGUAGE_CHOICES = [(code, language_name(code, in_language="en")) for code in LANGUAGES]

CONSOLE_PAGES: list[ControllerRouterHandler] = [
    register_list,
    new_activity_form,
    create_activity,
    activity_detail,
    edit_activity_form,
    update_activity,
    organisation_page,
    save_organisation,
]


@get("/privacy/brand.css", include_in_schema=False, cache_control=CacheControlHeader(max_age=300))
async def brand_css(db_session: DbSession) -> Response[str]:
    """The organisation's accent colour, from its own address: the pages' security policy allows
    no inline styles."""
    organisation = await register.get_organisation(db_session)
    colour = organisation.accent_colour if organisation and organisation.accent_colour else None
    return Response(f":root {{ --accent: {colour}; }}\n" if colour else "", media_type="text/css")


PUBLIC_PAGES: list[ControllerRouterHandler] = [brand_css]
