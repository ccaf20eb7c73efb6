"""The console's DPIA pages: every activity with its screening and status, and an activity's page
to screen it, write the assessment (the CNIL method's three feared events), sign it off and read
its PDF."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from litestar.types import ControllerRouterHandler

from breaches import dpias
from breaches.dpia_endpoints import dpia_pdf
from breaches.dpia_schemas import CRITERIA_LABELS, LEVELS, DpiaIn, ScreeningIn, SignOffIn
from privacy import auth
from privacy.actors import Permission
from privacy.console import Form, console_page, submit_form
from privacy.db import utcnow
from privacy.errors import FieldError, NotFound
from privacy.register import service as register
from privacy.web import DbSession, current_actor

READ = {"permission": Permission.READ}
EDIT = {"permission": Permission.EDIT_REGISTER}
# The CNIL's PIA method weighs three feared events for every processing.
FEARED_EVENTS = (
    "Illegitimate access to personal data",
    "Unwanted change of personal data",
    "Disappearance of personal data",
)
# The confirmation the page shows after a form it answers (`?done=`).
DONE = {
    "screened": "The screening is recorded; the register's DPIA status follows it.",
    "saved": "Saved as a new version; the earlier ones are kept.",
    "signed": "Signed off; the register's DPIA status follows.",
}


@get("/dpias", opt=READ)
async def dpias_page(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    summaries = await dpias.summaries(db_session, now=utcnow())
    return console_page(request, "breaches/dpias.html", summaries=summaries)


@get("/dpias/{key:str}", opt=READ)
async def dpia_page(
    request: Request[Any, Any, Any], db_session: DbSession, key: FromPath[str], done: FromQuery[str | None] = None
) -> Template:
    return await _dpia(request, db_session, key, done=DONE.get(done or ""))


async def _dpia(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    key: str,
    *,
    errors: list[FieldError] | None = None,
    status: int = 200,
    form: dict[str, str] | None = None,
    done: str | None = None,
) -> Template:
    activity = next((a for a in await register.list_activities(db_session) if a.key == key), None)
    if activity is None:
        raise NotFound(f"no activity '{key}' in the register")
    try:
        current = dpias.dpia_out(await dpias.get(db_session, key=key))
    except NotFound:
        current = None
    screening = await dpias.latest_screening(db_session, key=key)
    return console_page(
        request,
        "breaches/dpia_page.html",
        status_code=status,
        errors=errors or [],
        activity=activity,
        dpia=current,
        screening=dpias.screening_out(screening) if screening else None,
        screened_by=await auth.who_is(db_session, screening.decided_by) if screening else None,
        criteria=CRITERIA_LABELS,
        levels=LEVELS,
        feared_events=FEARED_EVENTS,
        done=done,
        form=form or (_form_of(current.model_dump(mode="json")) if current else {}),
    )


def _form_of(assessment: dict[str, Any]) -> dict[str, str]:
    values = {name: assessment.get(name) or "" for name in ("description", "necessity", "dpo_opinion", "review_on")}
    for index, risk in enumerate(assessment.get("risks", [])[: len(FEARED_EVENTS)]):
        values |= {f"risk{index}-{field}": str(value) for field, value in risk.items() if field != "description"}
    return values


@post("/dpias/{key:str}/screening", opt=EDIT)
async def screen_from_console(
    request: Request[Any, Any, Any], db_session: DbSession, key: FromPath[str], data: Form
) -> Response[Any]:
    async def screen() -> str:
        ticked = [
            name.removeprefix("criterion-") for name, value in data.items() if name.startswith("criterion-") and value
        ]
        decision = {"required": True, "not_required": False}.get(data.get("decision", ""))
        screening = ScreeningIn.model_validate(
            {"criteria": ticked, "required": decision, "reason": data.get("reason") or None}
        )
        await dpias.screen(db_session, key=key, screening=screening, actor=current_actor(request), now=utcnow())
        return f"/console/dpias/{key}?done=screened"

    async def again(errors: list[FieldError], status: int) -> Response[Any]:
        return await _dpia(request, db_session, key, errors=errors, status=status)

    return await submit_form(screen, again=again)


@post("/dpias/{key:str}", opt=EDIT)
async def save_from_console(
    request: Request[Any, Any, Any], db_session: DbSession, key: FromPath[str], data: Form
) -> Response[Any]:
    async def save() -> str:
        await dpias.save(db_session, key=key, assessment=_assessment(data), actor=current_actor(request), now=utcnow())
        return f"/console/dpias/{key}?done=saved"

    async def again(errors: list[FieldError], status: int) -> Response[Any]:
        return await _dpia(request, db_session, key, errors=errors, status=status, form=data)

    return await submit_form(save, again=again)


def _assessment(data: dict[str, str]) -> DpiaIn:
    """The three feared events assessed on the form (one left without measures is left out)."""
    risks = [
        {
            "description": event,
            **{field: data.get(f"risk{index}-{field}", "") for field in ("likelihood", "severity", "measures")},
            "residual_likelihood": data.get(f"risk{index}-residual_likelihood", ""),
            "residual_severity": data.get(f"risk{index}-residual_severity", ""),
        }
        for index, event in enumerate(FEARED_EVENTS)
        if data.get(f"risk{index}-measures", "").strip()
    ]
    fields = {name: data.get(name) or None for name in ("description", "necessity", "dpo_opinion", "review_on")}
    return DpiaIn.model_validate({**fields, "risks": risks})


@post("/dpias/{key:str}/sign-off", opt=EDIT)
async def sign_off_from_console(
    request: Request[Any, Any, Any], db_session: DbSession, key: FromPath[str], data: Form
) -> Response[Any]:
    async def sign_off() -> str:
        signed = SignOffIn.model_validate({"signed_by": data.get("signed_by", "")})
        await dpias.sign_off(db_session, key=key, sign_off=signed, actor=current_actor(request), now=utcnow())
        return f"/console/dpias/{key}?done=signed"

    async def again(errors: list[FieldError], status: int) -> Response[Any]:
        return await _dpia(request, db_session, key, errors=errors, status=status)

    return await submit_form(sign_off, again=again)


@get("/dpias/{key:str}/pdf", opt=READ)
async def pdf_from_console(db_session: DbSession, key: FromPath[str]) -> Response[bytes]:
    disposition = {"Content-Disposition": f'inline; filename="dpia-{key}.pdf"'}
    return Response(await dpia_pdf(db_session, key=key), media_type="application/pdf", headers=disposition)


CONSOLE_PAGES: list[ControllerRouterHandler] = [
    dpias_page,
    dpia_page,
    screen_from_console,
    save_from_console,
    sign_off_from_console,
    pdf_from_console,
]
