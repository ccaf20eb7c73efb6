"""The retention API: rules, legal holds, backup schedules, dry runs and the run log."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.types import ControllerRouterHandler

from privacy.actors import Permission
from privacy.db import utcnow
from privacy.errors import FieldError, Invalid
from privacy.web import DbSession, current_actor
from retention import review, service, sweeps
from retention.schemas import (
    ApprovalIn,
    ApprovalOut,
    BackupStore,
    BackupStoreOut,
    HoldIn,
    HoldOut,
    ReviewOut,
    RuleIn,
    RunOut,
)

READ = {"permission": Permission.READ}
EDIT = {"permission": Permission.EDIT_REGISTER}
# A rule is answered as it was written (`RuleIn.public()`: defaults left out, so the configuration
# file exported reads as the one applied), which the document describes as the `RuleIn` it is.
FULFILLED = "Request fulfilled, document follows"
RULE = {200: ResponseSpec(data_container=RuleIn, description=FULFILLED, generate_examples=False)}
RULES = {200: ResponseSpec(data_container=list[RuleIn], description=FULFILLED, generate_examples=False)}


class RetentionController(Controller):
    path = "/retention"
    tags = ["retention"]

    @get("/rules", opt=READ, responses=RULES, summary="Retention rules (store database URLs are never shown)")
    async def rules(self, db_session: DbSession) -> list[dict[str, Any]]:
        return [row.content for row in await service.list_rules(db_session)]

    @put(
        "/rules/{key:str}",
        opt=EDIT,
        responses=RULE,
        summary="Create or replace a rule; a store URL left out stays as stored",
    )
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

    @get("/rules/{key:str}/review", opt=READ, summary="Whether a rule awaits review, with its latest dry run")
    async def rule_review(self, db_session: DbSession, key: FromPath[str]) -> ReviewOut:
        return await review.review_of(db_session, key=key)

    @post(
        "/rules/{key:str}/approve",
        opt=EDIT,
        status_code=200,
        summary="Approve a new or changed rule on the basis of the dry run seen: it runs from then on",
    )
    async def approve(
        self, request: Request[Any, Any, Any], db_session: DbSession, key: FromPath[str], data: JSONBody[ApprovalIn]
    ) -> ApprovalOut:
        return await review.approve_rule(
            db_session, key=key, run_id=data.run, actor=current_actor(request), now=utcnow()
        )

    @get("/runs", opt=READ, summary="The run log: counts per action, never the data")
    async def runs(
        self, db_session: DbSession, rule: Annotated[str | None, QueryParameter(max_length=100)] = None
    ) -> list[RunOut]:
        return await service.list_runs(db_session, rule_key=rule)

    @get("/holds", opt=READ, summary="Legal holds in force or past")
    async def holds(self, db_session: DbSession) -> list[HoldOut]:
        return await service.list_holds(db_session)

    @post(
        "/holds",
        opt=EDIT,
        status_code=201,
        summary="Place a legal hold: covered rows are never touched, until a day or for a time after each row's event",
    )
    async def place_hold(
        self, request: Request[Any, Any, Any], db_session: DbSession, data: JSONBody[HoldIn]
    ) -> dict[str, str]:
        hold = await service.place_hold(db_session, hold=data, actor=current_actor(request), now=utcnow())
        return {"id": str(hold.id)}

    @delete("/holds/{hold_id:uuid}", opt=EDIT, summary="Lift a legal hold")
    async def lift_hold(
        self, request: Request[Any, Any, Any], db_session: DbSession, hold_id: FromPath[uuid.UUID]
    ) -> None:
        await service.lift_hold(db_session, hold_id=hold_id, actor=current_actor(request), now=utcnow())

    @get("/backups", opt=READ, summary="Backup stores: where, whether encrypted, their schedules (also in words)")
    async def backups(self, db_session: DbSession) -> list[BackupStoreOut]:
        return await service.list_backups(db_session)

    @put("/backups", opt=EDIT, summary="Replace the backup stores and their schedules")
    async def save_backups(
        self, request: Request[Any, Any, Any], db_session: DbSession, data: JSONBody[list[BackupStore]]
    ) -> list[BackupStoreOut]:
        await service.save_backups(db_session, stores=data, actor=current_actor(request), now=utcnow())
        return await service.list_backups(db_session)


ADMIN_CONTROLLERS: list[ControllerRouterHandler] = [RetentionController]
