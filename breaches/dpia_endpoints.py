"""The DPIA API, for staff: each activity's screening, its assessment and versions, the PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio.to_thread
from litestar import Controller, Request, Response, get, post, put
from litestar.params import FromPath, JSONBody

from breaches import dpias
from breaches.dpia_schemas import (
    CRITERIA_LABELS,
    DpiaIn,
    DpiaOut,
    DpiaSummary,
    DpiaVersionOut,
    ScreeningIn,
    ScreeningOut,
    SignOffIn,
)
from privacy.actors import Permission
from privacy.db import utcnow
from privacy.pdf import render_pdf
from privacy.register import service as register
from privacy.templating import jinja_environment
from privacy.web import DbSession, current_actor

READ = {"permission": Permission.READ}
EDIT = {"permission": Permission.EDIT_REGISTER}
TEMPLATES = Path(__file__).parent / "templates"


class DpiasController(Controller):
    path = "/dpias"
    tags = ["DPIAs"]

    @get("/", opt=READ, summary="Every activity with its screening and its DPIA status")
    async def everything(self, db_session: DbSession) -> list[DpiaSummary]:
        return await dpias.summaries(db_session, now=utcnow())

    @post("/{key:str}/screening", opt=EDIT, summary="Screen an activity: two criteria or more suggest a DPIA")
    async def screen(
        self, request: Request[Any, Any, Any], db_session: DbSession, key: FromPath[str], data: JSONBody[ScreeningIn]
    ) -> ScreeningOut:
        return await dpias.screen(db_session, key=key, screening=data, actor=current_actor(request), now=utcnow())

    @get("/{key:str}", opt=READ, summary="An activity's assessment as it stands")
    async def one(self, db_session: DbSession, key: FromPath[str]) -> DpiaOut:
        return dpias.dpia_out(await dpias.get(db_session, key=key))

    @put("/{key:str}", opt=EDIT, summary="Save a new version of the assessment (in progress until signed off)")
    async def save(
        self, request: Request[Any, Any, Any], db_session: DbSession, key: FromPath[str], data: JSONBody[DpiaIn]
    ) -> DpiaOut:
        row = await dpias.save(db_session, key=key, assessment=data, actor=current_actor(request), now=utcnow())
        return dpias.dpia_out(row)

    @post(
        "/{key:str}/sign-off", opt=EDIT, status_code=200, summary="Sign off the assessment: the register points to it"
    )
    async def sign_off(
        self, request: Request[Any, Any, Any], db_session: DbSession, key: FromPath[str], data: JSONBody[SignOffIn]
    ) -> DpiaOut:
        row = await dpias.sign_off(db_session, key=key, sign_off=data, actor=current_actor(request), now=utcnow())
        return dpias.dpia_out(row)

    @get("/{key:str}/versions", opt=READ, summary="Every version of the assessment")
    async def versions(self, db_session: DbSession, key: FromPath[str]) -> list[DpiaVersionOut]:
        return await dpias.versions(db_session, key=key)

    @get("/{key:str}/pdf", opt=READ, summary="The assessment as PDF")
    async def pdf(self, db_session: DbSession, key: FromPath[str]) -> Response[bytes]:
        document = await dpia_pdf(db_session, key=key)
        disposition = {"Content-Disposition": f'inline; filename="dpia-{key}.pdf"'}
        return Response(document, media_type="application/pdf", headers=disposition)


async def dpia_pdf(db_session: DbSession, *, key: str) -> bytes:
    row = await dpias.get(db_session, key=key)
    context = {
        "dpia": dpias.dpia_out(row),
        "activity": next(a for a in await register.list_activities(db_session) if a.key == key),
        "screening": await dpias.latest_screening(db_session, key=key),
        "criteria": CRITERIA_LABELS,
        "organisation": await register.require_organisation(db_session),
    }
    environment = jinja_environment([TEMPLATES])
    return await anyio.to_thread.run_sync(lambda: render_pdf(environment, "breaches/dpia.html", context))
