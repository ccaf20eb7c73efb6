"""The privacy centre: the public form to ask about one's data, the one-time code, and the
request's status and download, in the person's language."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template
from pydantic import ValidationError

from dsar import follow_up, intake, objection
from dsar.schemas import CodeIn, RequestIn
from dsar.texts import language_of, texts_in
from dsar.web import CODE_RESENDS, CODE_TRIES, REQUEST_COOKIE, REQUEST_INTAKE, person_token
from privacy.console import Form, error_status, key_and_value, textarea_lines
from privacy.db import utcnow
from privacy.errors import Invalid, PrivacyError, TooManyRequests, Unauthorized, form_errors
from privacy.i18n import LANGUAGES
from privacy.register import service as register
from privacy.settings import Settings
from privacy.web import DbSession


def _retry_after(error: Exception) -> dict[str, str] | None:
    """Every 429 says when to come back, the pages' as the API's."""
    return {"retry-after": str(error.retry_after)} if isinstance(error, TooManyRequests) else None


def public_page(request: Request[Any, Any, Any], template: str, language: str, **context: Any) -> Template:
    return Template(
        template_name=f"dsar/{template}",
        status_code=context.pop("status_code", 200),
        headers=context.pop("headers", None),
        context={
            "language": language,
            "languages": LANGUAGES,
            "t": texts_in(language),
            "errors": [],
            "form": {},
            **context,
        },
    )


def _language(request: Request[Any, Any, Any]) -> str:
    return language_of(request.query_params.get("lang"), request.headers.get("accept-language"))


@get("/privacy/requests", include_in_schema=False)
async def request_form(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    return public_page(request, "public_form.html", _language(request), **await _form_context(request, db_session))


async def _form_context(request: Request[Any, Any, Any], db_session: DbSession) -> dict[str, Any]:
    """What the form offers: the activities one may object to, and post-mortem directives where
    the law gives them."""
    return {
        "organisation": await register.get_organisation(db_session),
        "objectable": await objection.objectable(db_session),
        "post_mortem": await register.post_mortem_directives_offered(db_session, settings=request.app.state.settings),
    }


@post("/privacy/requests", guards=[REQUEST_INTAKE], include_in_schema=False)
async def submit_request_form(request: Request[Any, Any, Any], db_session: DbSession, data: Form) -> Response[Any]:
    language = _language(request)
    fields = {k: v for k, v in data.items() if v and k in {"type", "email", "name", "details"}}
    corrections = [
        {"field": what, "value": value}
        for what, value in map(key_and_value, textarea_lines(data.get("corrections", "")))
    ]
    try:
        created = await intake.submit_request(
            db_session,
            data=RequestIn.model_validate(
                {
                    **fields,
                    "corrections": corrections,
                    "objection": _objection_scope(data),
                    "restriction_ground": (data.get("restriction_ground") or None)
                    if data.get("type") == "restriction"
                    else None,
                    "restrict_meanwhile": bool(data.get("restrict_meanwhile"))
                    and data.get("type") in ("rectification", "objection"),
                    "directive": _directive(data),
                    "death": _death(data),
                    "language": language,
                }
            ),
            settings=request.app.state.settings,
            now=utcnow(),
        )
    except (ValidationError, Invalid) as error:
        return public_page(
            request,
            "public_form.html",
            language,
            **await _form_context(request, db_session),
            form=data,
            errors=form_errors(error),
            status_code=422,
        )
    return Redirect(f"/privacy/requests/{created.reference}/verify?lang={language}", status_code=303)


def _objection_scope(data: dict[str, str]) -> dict[str, Any] | None:
    """The boxes ticked on the form (`object-<activity>`, `object-direct-marketing`); none ticked
    objects to everything one may."""
    if data.get("type") != "objection":
        return None
    ticked = [name.removeprefix("object-") for name, value in data.items() if name.startswith("object-") and value]
    if not ticked:
        return None
    activities = [key for key in ticked if key != "direct-marketing"]
    return {"activities": activities, "direct_marketing": "direct-marketing" in ticked}


def _directive(data: dict[str, str]) -> dict[str, Any] | None:
    if data.get("type") != "directive":
        return None
    if data.get("revoke"):
        return {"revoke": True}
    return {name: data.get(name) or None for name in ("trusted_person", "trusted_email", "wish", "instructions")}


def _death(data: dict[str, str]) -> dict[str, Any] | None:
    if data.get("type") != "death_notice":
        return None
    named = {"email": "deceased_email", "name": "deceased_name", "died_on": "died_on"}
    return {
        **{field: data.get(name) or None for field, name in named.items()},
        "relationship": data.get("relationship") or None,
        "evidence": data.get("evidence") or None,
    }


@get("/privacy/requests/{reference:str}/verify", include_in_schema=False)
async def code_form(request: Request[Any, Any, Any], db_session: DbSession, reference: FromPath[str]) -> Template:
    organisation = await register.get_organisation(db_session)
    return public_page(request, "public_code.html", _language(request), organisation=organisation, reference=reference)


@post("/privacy/requests/{reference:str}/verify", guards=[CODE_TRIES], include_in_schema=False)
async def verify_code_form(
    request: Request[Any, Any, Any], db_session: DbSession, reference: FromPath[str], data: Form
) -> Response[Any]:
    language = _language(request)
    settings: Settings = request.app.state.settings
    try:
        code = CodeIn.model_validate({"code": data.get("code", "")})
        granted = await intake.verify_code(
            db_session, reference=reference, code=code.code, settings=settings, now=utcnow()
        )
    except (ValidationError, PrivacyError) as error:
        return await _code_form_again(request, db_session, reference, language, error)
    response: Response[Any] = Redirect(f"/privacy/requests/{reference}?lang={language}", status_code=303)
    response.set_cookie(
        REQUEST_COOKIE,
        granted.token,
        max_age=settings.request_token_days * 86400,
        path="/",
        httponly=True,
        secure=settings.served_over_https,
        samesite="lax",
    )
    return response


async def _code_form_again(
    request: Request[Any, Any, Any], db_session: DbSession, reference: str, language: str, error: Exception
) -> Template:
    """The code form with what went wrong; a 429 says when to come back (`submit_form` does not
    pass the error on, and these pages speak the person's language)."""
    return public_page(
        request,
        "public_code.html",
        language,
        organisation=await register.get_organisation(db_session),
        reference=reference,
        errors=form_errors(error),
        status_code=error_status(error),
        headers=_retry_after(error),
    )


@post("/privacy/requests/{reference:str}/code", guards=[CODE_RESENDS], include_in_schema=False)
async def resend_code_form(
    request: Request[Any, Any, Any], db_session: DbSession, reference: FromPath[str]
) -> Response[Any]:
    language = _language(request)
    try:
        await intake.resend_code(db_session, reference=reference, now=utcnow())
    except PrivacyError as error:
        return await _code_form_again(request, db_session, reference, language, error)
    return Redirect(f"/privacy/requests/{reference}/verify?lang={language}", status_code=303)


@get("/privacy/requests/{reference:str}", include_in_schema=False)
async def status_page(
    request: Request[Any, Any, Any], db_session: DbSession, reference: FromPath[str]
) -> Response[Any]:
    language = _language(request)
    try:
        status = await follow_up.status_for_person(
            db_session, reference=reference, token=person_token(request), now=utcnow()
        )
    except Unauthorized:  # this browser has not proven the email yet: ask for a code
        return Redirect(f"/privacy/requests/{reference}/verify?lang={language}", status_code=303)
    organisation = await register.get_organisation(db_session)
    return public_page(request, "public_status.html", language, organisation=organisation, status=status)


PUBLIC_PAGES = [request_form, submit_request_form, code_form, verify_code_form, resend_code_form, status_page]
