"""The notice's statements that are not records (the `notice` block of the configuration file):
kept until the next version is published, which states them as it states the records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from privacy.actors import Actor
from privacy.audit import record_change
from privacy.config_file import Change, change_of
from privacy.notice.models import NoticeStatementsRow
from privacy.notice.schemas import NoticeStatements
from privacy.settings import Settings

STATEMENTS_ROW = 1


async def load_statements(session: AsyncSession) -> NoticeStatements:
    row = await session.get(NoticeStatementsRow, STATEMENTS_ROW)
    return NoticeStatements.model_validate(row.content) if row else NoticeStatements()


async def save_statements(
    session: AsyncSession, *, statements: NoticeStatements, actor: Actor, now: datetime
) -> list[str]:
    """Keep the statements for the next version; answers the parts that changed."""
    row = await session.get(NoticeStatementsRow, STATEMENTS_ROW)
    before = row.content if row else NoticeStatements().model_dump(mode="json")
    after = statements.model_dump(mode="json")
    changed = [name for name in after if before.get(name) != after[name]]
    if not changed:
        return []
    if row is None:
        session.add(NoticeStatementsRow(id=STATEMENTS_ROW, content=after, updated_at=now))
    else:
        row.content, row.updated_at = after, now
    await record_change(
        session,
        actor=actor,
        action="notice.statements_saved",
        object_type="notice_statements",
        object_id=str(STATEMENTS_ROW),
        before={name: before.get(name) for name in changed},
        after={name: after[name] for name in changed},
        now=now,
    )
    return changed


async def apply_statements_block(
    session: AsyncSession, statements: NoticeStatements, actor: Actor, _settings: Settings, now: datetime
) -> list[Change]:
    existed = await session.scalar(select(NoticeStatementsRow.id)) is not None
    changed = await save_statements(session, statements=statements, actor=actor, now=now)
    return [change_of("notice", existed=existed, changed=bool(changed), fields=changed)]


async def export_statements_block(session: AsyncSession) -> dict[str, Any] | None:
    exported = (await load_statements(session)).model_dump(mode="json", exclude_defaults=True)
    return exported or None
