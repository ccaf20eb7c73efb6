"""How long the request domain keeps what it holds: request records as long as the retention rule
over closed requests says (the demo's `request-records`: a year after the reply), and the erasure
certificate states that date, or none when no rule sweeps them; packages until they expire."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dsar.models import DataRequest
from privacy.db import utcnow
from tests.dsar.conftest import a_year_after, download, letter, pdf_text, verified
from tests.mail_fixtures import Mailbox

Client = AsyncTestClient[Litestar]


async def test_request_records_go_a_year_after_the_reply_and_packages_when_they_expire(
    person: Client, officer: dict[str, str], background: Any, dsar_sessions: async_sessionmaker[AsyncSession]
) -> None:
    from dsar.models import PackageChunk, RequestEvent, RequestPackage
    from retention.models import RetentionRule

    for _ in range(2):
        await person.post("/api/v1/admin/requests", json=letter(utcnow()), headers=officer)
    await background()  # both answered, each with a package
    async with dsar_sessions() as session, session.begin():
        first, second = (await session.scalars(select(DataRequest).order_by(DataRequest.received_at))).all()
        first.replied_at = utcnow() - timedelta(days=366)
        second.replied_at = utcnow() - timedelta(days=364)
        await session.execute(update(RequestPackage).values(expires_at=utcnow() - timedelta(seconds=1)))
        # The retention rule over closed requests (the demo's `request-records`) is due again, and
        # approved, as a person does after seeing its dry run.
        await session.execute(update(RetentionRule).values(next_run_at=utcnow(), awaiting_review=False))
    await background()
    async with dsar_sessions() as session:
        assert [r.reference for r in (await session.scalars(select(DataRequest))).all()] == [second.reference]
        assert {e.request_id for e in (await session.scalars(select(RequestEvent))).all()} == {second.id}
        assert (await session.scalars(select(RequestPackage))).all() == []
        assert (await session.scalars(select(PackageChunk))).all() == []


def record_kept_until(certificate: bytes) -> str:
    """What the certificate says of how long the record of the request itself is kept."""
    text = " ".join(pdf_text(certificate).split())
    found = re.search(r"Kept: the record of this request .*? Until: (.+?)\.", text)
    assert found, text
    return found.group(1)


async def test_the_certificate_states_the_day_the_retention_rule_removes_the_request_record(
    person: Client, mailbox: Mailbox, background: Any
) -> None:
    granted = await verified(person, mailbox, background, type="erasure")
    await background()
    assert record_kept_until((await download(person, granted)).content) == a_year_after(utcnow().date()).isoformat()


async def test_with_no_rule_over_closed_requests_the_certificate_states_no_date(
    person: Client, mailbox: Mailbox, background: Any, admin: dict[str, str]
) -> None:
    rules = (await person.get("/api/v1/admin/retention/rules", headers=admin)).json()
    [rule] = [rule for rule in rules if rule["key"] == "request-records"]
    disabled = {**rule, "enabled": False}
    assert (await person.put("/api/v1/admin/retention/rules/request-records", json=disabled, headers=admin)).is_success
    granted = await verified(person, mailbox, background, type="erasure")
    await background()
    assert record_kept_until((await download(person, granted)).content) == "as long as that purpose lasts"
