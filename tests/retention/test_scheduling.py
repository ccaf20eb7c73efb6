"""When retention rules run: each on its schedule (hourly, daily, weekly) and not in between, the
next run shown to the privacy team; a disabled rule is left alone by the background sweep until it
is enabled again. Rules here sweep the toolkit's own tables (delivered mail, consent records)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import false, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from consent.models import ConsentRecord
from privacy.actors import Role
from privacy.composition import background_jobs
from privacy.db import utcnow
from privacy.errors import Conflict
from privacy.models import OutboxMessage
from privacy.settings import Settings
from privacy.work import run_jobs
from retention import service, sweeps
from retention.models import RetentionRule, RetentionRun
from retention.schemas import RuleIn
from tests.conftest import SYSTEM, add_user, login

Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday; the clock is passed in, any moment will do


def mail_sent(at: datetime) -> OutboxMessage:
    return OutboxMessage(
        purpose="test", recipient_encrypted="x", subject="s", body_encrypted="x",
        created_at=at, next_attempt_at=at, sent_at=at, attempts=1,
    )  # fmt: skip


def consent_record(at: datetime) -> ConsentRecord:
    return ConsentRecord(
        consent_id=uuid.uuid4(), recorded_at=at, site="www", policy_version="1", text_hash="0" * 64,
        country="DE", region=None, regime="opt_in", jurisdiction_source="cdn", gpc=False, action="reject_all",
        granted=["necessary"], denied=["analytics"], ui="banner", ip_truncated="81.2.0.0", valid_until=at,
    )  # fmt: skip


def rule(key: str, store: str, **fields: Any) -> dict[str, Any]:
    return {"key": key, "period": "P30D", "store": {"kind": "toolkit", "name": store}, **fields}


async def save(sessions: Sessions, body: dict[str, Any], now: datetime) -> None:
    """A rule saved and, as if a person had approved its dry run, no longer awaiting review."""
    async with sessions() as session, session.begin():
        await service.save_rule(session, rule=RuleIn.model_validate(body), actor=SYSTEM, now=now)
        await session.execute(
            update(RetentionRule).where(RetentionRule.key == body["key"]).values(awaiting_review=False)
        )


async def approve(client: Client, officer: dict[str, str], key: str) -> None:
    """A person runs the rule's dry run and approves it."""
    dry = await client.post(f"/api/v1/admin/retention/rules/{key}/dry-run", headers=officer)
    approval = {"run": dry.json()["id"]}
    approved = await client.post(f"/api/v1/admin/retention/rules/{key}/approve", json=approval, headers=officer)
    assert approved.status_code == 200, approved.text


async def runs_per_rule(sessions: Sessions) -> dict[str, int]:
    async with sessions() as session:
        real = select(RetentionRun.rule_key, func.count()).where(RetentionRun.dry_run == false())
        rows = await session.execute(real.group_by(RetentionRun.rule_key))
        return dict(rows.all())  # type: ignore[arg-type]


async def next_runs(sessions: Sessions) -> dict[str, datetime | None]:
    async with sessions() as session:
        rows = (await session.execute(select(RetentionRule.key, RetentionRule.next_run_at))).all()
    return {key: at.astimezone(UTC) if at else None for key, at in rows}


async def test_each_rule_runs_on_its_schedule_and_not_in_between(
    sessions: Sessions, settings: Settings, client: Client
) -> None:
    async with sessions() as session, session.begin():
        session.add_all([mail_sent(T0 - timedelta(days=40)), mail_sent(T0 - timedelta(days=3))])
    await save(sessions, rule("mail-hourly", "delivered_mail", schedule="hourly"), T0)
    await save(sessions, rule("mail-daily", "delivered_mail", schedule="daily"), T0)
    await save(sessions, rule("consent-weekly", "consent_records", schedule="weekly"), T0)

    # (background pass at, rules that run in it): a new rule runs at once, then on its schedule.
    passes = [
        (T0, {"mail-hourly", "mail-daily", "consent-weekly"}),
        (T0 + timedelta(minutes=59), set()),
        (T0 + timedelta(hours=1), {"mail-hourly"}),
        (T0 + timedelta(hours=1, minutes=30), set()),
        (T0 + timedelta(days=1), {"mail-hourly", "mail-daily"}),
        (T0 + timedelta(days=1, minutes=30), set()),
        (T0 + timedelta(days=7), {"mail-hourly", "mail-daily", "consent-weekly"}),
    ]
    seen = []
    for at, _ in passes:
        before = await runs_per_rule(sessions)
        async with sessions() as session:
            await sweeps.sweep_due_rules(session, now=at, settings=settings)
        after = await runs_per_rule(sessions)
        seen.append((at, {key for key, count in after.items() if count > before.get(key, 0)}))
    assert seen == passes

    assert await next_runs(sessions) == {
        "mail-hourly": datetime(2026, 3, 9, 10, 0, tzinfo=UTC),
        "mail-daily": datetime(2026, 3, 10, 9, 0, tzinfo=UTC),
        "consent-weekly": datetime(2026, 3, 16, 9, 0, tzinfo=UTC),
    }
    async with sessions() as session:
        sent = [at.astimezone(UTC) if at else None for at in await session.scalars(select(OutboxMessage.sent_at))]
    assert sent == [T0 - timedelta(days=3)], "the first pass took the mail past its 30 days"

    await add_user(sessions, "dana@example.org", Role.ADMIN)
    assert await login(client, "dana@example.org") == 303
    page = re.sub(r"\s+", " ", (await client.get("/console/retention")).text)
    rules_table = page[page.index("<caption>Rules</caption>") :].split("</table>")[0]
    rows = {row.group(1): row.group(2) for row in re.finditer(r"<tr> <td>([\w-]+)</td>(.*?)</tr>", rules_table)}
    assert "<td>hourly</td> <td>2026-03-09 10:00</td>" in rows["mail-hourly"]
    assert "<td>daily</td> <td>2026-03-10 09:00</td>" in rows["mail-daily"]
    assert "<td>weekly</td> <td>2026-03-16 09:00</td>" in rows["consent-weekly"]


async def test_the_background_sweep_leaves_a_disabled_rule_alone_until_it_is_enabled(
    sessions: Sessions, settings: Settings, client: Client, officer: dict[str, str]
) -> None:
    now = utcnow()
    async with sessions() as session, session.begin():
        session.add_all([mail_sent(now - timedelta(days=40)), consent_record(now - timedelta(days=40))])
    disabled = rule("old-mail", "delivered_mail", enabled=False)
    for body in (disabled, rule("old-consent", "consent_records")):
        saved = await client.put(f"/api/v1/admin/retention/rules/{body['key']}", json=body, headers=officer)
        assert saved.status_code == 200, saved.text
        await approve(client, officer, body["key"])
    scheduled = await next_runs(sessions)

    await run_jobs(sessions, background_jobs(), settings=settings)  # one pass of background work, as a worker makes it
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 1, "the disabled rule kept it"
        assert await session.scalar(select(func.count()).select_from(ConsentRecord)) == 0, "the enabled rule ran"
    assert await runs_per_rule(sessions) == {"old-consent": 1}
    assert (await next_runs(sessions))["old-mail"] == scheduled["old-mail"], "a skipped rule is not rescheduled"
    listed = (await client.get("/api/v1/admin/retention/runs", headers=officer)).json()
    assert [run["rule"] for run in listed if not run["dry_run"]] == ["old-consent"]

    enabled = await client.put(
        "/api/v1/admin/retention/rules/old-mail", json={**disabled, "enabled": True}, headers=officer
    )
    assert enabled.status_code == 200
    await run_jobs(sessions, background_jobs(), settings=settings)
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert await runs_per_rule(sessions) == {"old-consent": 1, "old-mail": 1}
    next_mail = (await next_runs(sessions))["old-mail"]
    assert next_mail is not None and timedelta(hours=23) < next_mail - now < timedelta(hours=25), "daily, the default"


async def test_a_worker_that_listed_a_rule_as_due_does_not_sweep_it_again_after_another_did(
    sessions: Sessions, settings: Settings
) -> None:
    await save(sessions, rule("mail-daily", "delivered_mail", schedule="daily"), T0)
    async with sessions() as session:  # the other worker's pass sweeps it and sets its next time
        assert await sweeps.sweep_due_rules(session, now=T0, settings=settings) == 1
    async with sessions() as session:  # this worker listed it as due before, and comes to it now
        with pytest.raises(Conflict):
            await sweeps.sweep(session, rule_key="mail-daily", settings=settings, now=T0, only_if_due=True)
    assert await runs_per_rule(sessions) == {"mail-daily": 1}
