"""The privacy centre: the public form to ask about one's data, the one-time code, and the
request's status and download, in the person's language."""

from __future__ import annotations

from functools import partial
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template
from pydantic import ValidationError

from dsar import follow_up, intake
from dsar.schemas import CodeIn, RequestIn
from dsar.texts import problems_in, texts_in
from dsar.web import CODE_RESENDS, CODE_TRIES, REQUEST_COOKIE, REQUEST_INTAKE, person_token
from privacy.console import Form, error_status, key_and_value, textarea_lines
from privacy.db import utcnow
from privacy.errors import Invalid, PrivacyError, TooManyRequests, Unauthorized
from privacy.i18n import day_in_words
from privacy.public import public_context
from privacy.register import service as register
from privacy.register.schemas import ActivityOut
from privacy.settings import Settings
from privacy.web import DbSession


def _retry_after(error: Exception) -> dict[str, str] | None:
    """Every 429 says when to come back, the pages' as the API's."""
    return {"retry-after": str(error.retry_after)} if isinstance(error, TooManyRequests) else None


async def _shared(request: Request[Any, Any, Any], db_session: DbSession) -> dict[str, Any]:
    """The layout's variables and the wording, in the language negotiated from `?lang=` and the
    browser's among the organisation's languages; the pages' forms carry it on in `?lang=`."""
    shared = public_context(request, await register.get_organisation(db_session), lang=request.query_params.get("lang"))
    language = shared["language"]
    return {
        **shared,
        "t": texts_in(language),
        "day": partial(day_in_words, language=language),
        "errors": [],
        "form": {},
    }


def _page(
    template: str,
    shared: dict[str, Any],
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Template:
    return Template(
        template_name=f"dsar/{template}", status_code=status_code, headers=headers, context={**shared, **context}
    )


@get("/privacy/requests", include_in_schema=False)
async def request_form(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    return await _form(request, db_session, await _shared(request, db_session))


async def _form(
    request: Request[Any, Any, Any], db_session: DbSession, shared: dict[str, Any], **context: Any
) -> Template:
    """The form with what it offers: the activities one may object to, and post-mortem directives
    where the law gives them."""
    activities = await register.objectable_activities(db_session)
    return _page(
        "public_form.html",
        shared,
        objectable=[_named(activity, shared["language"], shared["default_language"]) for activity in activities],
        post_mortem=await register.post_mortem_directives_offered(db_session, settings=request.app.state.settings),
        **context,
    )


def _named(activity: ActivityOut, language: str, default: str) -> tuple[str, str, str]:
    """An activity's key, and its name in `language` where the organisation gives one, else as
    written (in the default language), with the language it is in."""
    words = next((words for code, words in activity.translations.items() if code == language), None)
    return (activity.key, words.name, language) if words and words.name else (activity.key, activity.name, default)


@post("/privacy/requests", guards=[REQUEST_INTAKE], include_in_schema=False)
async def submit_request_form(request: Request[Any, Any, Any], db_session: DbSession, data: Form) -> Response[Any]:
    shared = await _shared(request, db_session)
    language = shared["language"]
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
        return await _form(
            request,
            db_session,
            shared,
            form=data,
            errors=problems_in(error, language),
            status_code=error_status(error),
        )
    return Redirect(f"{_code_form(created.reference)}?lang={language}", status_code=303)


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
    return _page("public_code.html", await _shared(request, db_session), reference=reference)


@post("/privacy/requests/{reference:str}/verify", guards=[CODE_TRIES], include_in_schema=False)
async def verify_code_form(
    request: Request[Any, Any, Any], db_session: DbSession, reference: FromPath[str], data: Form
) -> Response[Any]:
    shared = await _shared(request, db_session)
    settings: Settings = request.app.state.settings
    try:
        code = CodeIn.model_validate({"code": data.get("code", "")})
        granted = await intake.verify_code(
            db_session, reference=reference, code=code.code, settings=settings, now=utcnow()
        )
    except (ValidationError, PrivacyError) as error:
        return _code_form_again(shared, reference, error)
    response: Response[Any] = Redirect(f"/privacy/requests/{reference}?lang={shared['language']}", status_code=303)
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


def _code_form_again(shared: dict[str, Any], reference: str, error: Exception) -> Template:
    """The code form with what went wrong; a 429 says when to come back (`submit_form` does not
    pass the error on, and these pages speak the person's language). Its languages lead to the
    code form: a new code is asked for by a form, not by following a link."""
    links = [(code, name, f"{_code_form(reference)}?lang={code}") for code, name, _ in shared["language_links"]]
    return _page(
        "public_code.html",
        {**shared, "language_links": links},
        reference=reference,
        errors=problems_in(error, shared["language"]),
        status_code=error_status(error),
        headers=_retry_after(error),
    )


def _code_form(reference: str) -> str:
    return f"/privacy/requests/{reference}/verify"


@post("/privacy/requests/{reference:str}/code", guards=[CODE_RESENDS], include_in_schema=False)
async def resend_code_form(
    request: Request[Any, Any, Any], db_session: DbSession, reference: FromPath[str]
) -> Response[Any]:
    shared = await _shared(request, db_session)
    try:
        await intake.resend_code(db_session, reference=reference, now=utcnow())
    except PrivacyError as error:
        return _code_form_again(shared, reference, error)
    return Redirect(f"{_code_form(reference)}?lang={shared['language']}", status_code=303)


@get("/privacy/requests/{reference:str}", include_in_schema=False)
async def status_page(
    request: Request[Any, Any, Any], db_session: DbSession, reference: FromPath[str]
) -> Response[Any]:
    shared = await _shared(request, db_session)
    try:
        status = await follow_up.status_for_person(
            db_session, reference=reference, token=person_token(request), now=utcnow()
        )
    except Unauthorized:  # this browser has not proven the email yet: ask for a code
        return Redirect(f"{_code_form(reference)}?lang={shared['language']}", status_code=303)
    return _page("public_status.html", shared, status=status)


PUBLIC_PAGES = [request_form, submit_request_form, code_form, verify_code_form, resend_code_form, status_page]
