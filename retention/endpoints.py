"""The retention API: rules, legal holds, backup schedules, dry runs and the run log."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.types import ControllerRouterHandler
from sqlalchemy import select

from privacy.actors import Permission
from privacy.audit import record_change
from privacy.db import utcnow
from privacy.errors import FieldError, Invalid, NotFound
from privacy.web import DbSession, current_actor
from retention import service, sweeps
from retention.models import LegalHold
from retention.schemas import BackupSchedule, HoldIn, RuleIn, RunOut

READ = {"permission": Permission.READ}
EDIT = {"permission": Permission.EDIT_REGISTER}


class RetentionController(Controller):
    path = "/retention"
    tags = ["retention"]

    @get("/rules", opt=READ, summary="Retention rules (store database URLs are never shown)")
    async def rules(self, db_session: DbSession) -> list[dict[str, Any]]:
        return [row.content for row in await service.list_rules(db_session)]

    @put("/rules/{key:str}", opt=EDIT, summary="Create or replace a rule; a store URL left out stays as stored")
    async def save_rule(
        self, request: Request[Any, Any, Any], db_session: DbSession, key: FromPath[str], data: JSONBody[RuleIn]
    ) -> dict[str, Any]:
        if data.key != key:
            raise Invalid("the key in the body differs from the one in the path", errors=[FieldError("key", "differs")])
        row, _ = await service.save_rule(db_session, rule=data, actor=current_actor(request), now=utcnow())
        return row.content

    @post("/rules/{key:str}/dry-run", opt=EDIT, status_code=200, summary="What a sweep would do now; changes nothing")
    async def dry_run(self, request: Request[Any, Any, Any], db_session: DbSession, key: FromPath[str]) -> RunOut:
        run = await sweeps.sweep(
            db_session, rule_key=key, settings=request.app.state.settings, now=utcnow(), dry_run=True
        )
        return service.run_out(run)

    @get("/runs", opt=READ, summary="The run log: counts per action, never the data")
    async def runs(
        self, db_session: DbSession, rule: Annotated[str | None, QueryParameter(max_length=100)] = None
    ) -> list[RunOut]:
        return await service.list_runs(db_session, rule_key=rule)

    @get("/holds", opt=READ, summary="Legal holds in force or past")
    async def holds(self, db_session: DbSession) -> list[dict[str, Any]]:
        rows = await db_session.scalars(select(LegalHold).order_by(LegalHold.placed_at.desc()))
        return [
            {
                "id": str(h.id),
                "rule": h.rule_key,
                "record_key": h.record_key,
                "covers_a_person": h.subject_hash is not None,
                "reason": h.reason,
                "placed_by": h.placed_by,
                "placed_at": h.placed_at.isoformat(),
                "until": h.until.isoformat() if h.until else None,
            }
            for h in rows
        ]

    @post("/holds", opt=EDIT, status_code=201, summary="Place a legal hold: covered rows are never touched")
    async def place_hold(
        self, request: Request[Any, Any, Any], db_session: DbSession, data: JSONBody[HoldIn]
    ) -> dict[str, str]:
        hold = await service.place_hold(db_session, hold=data, actor=current_actor(request), now=utcnow())
        return {"id": str(hold.id)}

    @delete("/holds/{hold_id:uuid}", opt=EDIT, summary="Lift a legal hold")
    async def lift_hold(
        self, request: Request[Any, Any, Any], db_session: DbSession, hold_id: FromPath[uuid.UUID]
    ) -> None:
        hold = await db_session.get(LegalHold, hold_id)
        if hold is None:
            raise NotFound("no such legal hold")
        await record_change(
            db_session,
            actor=current_actor(request),
            action="retention.hold_lifted",
            object_type="legal_hold",
            object_id=str(hold_id),
            before={"rule": hold.rule_key, "record_key": hold.record_key, "reason": hold.reason},
            after=None,
        )
        await db_session.delete(hold)

    @put("/backups", opt=EDIT, summary="Replace the backup schedules")
    async def save_backups(
        self, request: Request[Any, Any, Any], db_session: DbSession, data: JSONBody[list[BackupSchedule]]
    ) -> list[BackupSchedule]:
        await service.save_backups(db_session, schedules=data, actor=current_actor(request), now=utcnow())
        return data


ADMIN_CONTROLLERS: list[ControllerRouterHandler] = [RetentionController]
