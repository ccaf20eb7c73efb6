"""The stores a rule sweeps: the toolkit's own tables (consent records, whole months of them as
partitions on PostgreSQL, delivered mail) and another system that sweeps itself over HTTP (a sql
store's table is the subject of the batches' tests)."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

from sqlalchemy import func, select

from consent import partitions
from consent.models import ConsentRecord
from privacy.models import OutboxMessage
from privacy.schemas import SystemIn
from privacy.settings import Settings
from privacy.signing import signature_is_valid
from privacy.systems import save_system
from retention import service
from retention.schemas import HoldIn
from tests.conftest import SYSTEM
from tests.retention.conftest import NOW, Sessions, run, save

SECRET = "p" * 40


def consent_record(days_old: float) -> ConsentRecord:
    at = NOW - timedelta(days=days_old)
    return ConsentRecord(
        consent_id=uuid.uuid4(), recorded_at=at, site="www", policy_version="1", text_hash="0" * 64,
        country="DE", region=None, regime="opt_in", jurisdiction_source="cdn", gpc=False, action="accept_all",
        granted=["necessary"], denied=[], ui="banner", ip_truncated="81.2.0.0", valid_until=at,
    )  # fmt: skip


async def test_toolkit_consent_records_past_their_period_are_deleted(
    org_sessions: Sessions, settings: Settings
) -> None:
    async with org_sessions() as session, session.begin():
        session.add_all([consent_record(days) for days in (400, 380, 10)])
    rule = {"key": "web-analytics", "period": "P1Y", "store": {"kind": "toolkit", "name": "consent_records"}}
    await save(org_sessions, rule)
    swept = await run(org_sessions, settings)
    assert swept.counts.deleted == 2
    async with org_sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ConsentRecord)) == 1


async def test_whole_months_of_consent_records_go_as_partitions_and_a_held_record_stays(
    org_sessions: Sessions, settings: Settings
) -> None:
    cutoff = NOW.replace(year=NOW.year - 1)
    whole, held_month = (
        partitions.month_of(cutoff - timedelta(days=70)),
        partitions.month_of(cutoff - timedelta(days=40)),
    )
    at = [whole.start + timedelta(days=d) for d in (1, 2, 3)] + [held_month.start + timedelta(days=d) for d in (1, 2)]
    at += [cutoff - timedelta(minutes=1), cutoff + timedelta(days=1)]
    records = [consent_record((NOW - moment) / timedelta(days=1)) for moment in at]
    async with org_sessions() as session, session.begin():
        session.add_all(records)
    async with org_sessions() as session, session.begin():
        connection = await session.connection()
        on_postgresql = connection.dialect.name == "postgresql"
        assert await partitions.is_partitioned(connection) == on_postgresql, "partitioned by month on PostgreSQL"
        if on_postgresql:  # the old rows wait in the default partition until their months are made
            assert await partitions.make_months(connection, [whole, held_month]) == [whole, held_month]
        await service.place_hold(
            session, hold=HoldIn(record_key=str(records[3].id), reason="complaint 9"), actor=SYSTEM, now=NOW
        )
    await save(
        org_sessions, {"key": "web-analytics", "period": "P1Y", "store": {"kind": "toolkit", "name": "consent_records"}}
    )
    swept = await run(org_sessions, settings)
    assert (swept.counts.deleted, swept.counts.held) == (5, 1)
    async with org_sessions() as session:
        kept = set(await session.scalars(select(ConsentRecord.id)))
        assert kept == {records[3].id, records[6].id}
        connection = await session.connection()
        if connection.dialect.name == "postgresql":
            left = {month.start for month in await partitions.months(connection)}
            assert whole.start not in left, "a whole month past the cutoff is dropped"
            assert held_month.start in left, "a month with a held record is swept row by row"


async def test_delivered_mail_is_deleted_in_batches_and_mail_still_to_send_is_kept(
    org_sessions: Sessions, settings: Settings
) -> None:
    def message(sent_days_ago: int | None) -> OutboxMessage:
        sent_at = None if sent_days_ago is None else NOW - timedelta(days=sent_days_ago)
        return OutboxMessage(
            purpose="notice", recipient_encrypted="x", subject="s", body_encrypted="x",
            created_at=NOW - timedelta(days=200), next_attempt_at=NOW, sent_at=sent_at,
        )  # fmt: skip

    async with org_sessions() as session, session.begin():
        session.add_all([message(days) for days in (120, 100, 95, 91, 5, None)])
    rule = {"key": "web-analytics", "period": "P90D", "store": {"kind": "toolkit", "name": "delivered_mail"}}
    await save(org_sessions, rule)
    dry = await run(org_sessions, settings, dry_run=True, batch_size=3)
    swept = await run(org_sessions, settings, batch_size=3)
    assert dry.counts.deleted == swept.counts.deleted == 4
    async with org_sessions() as session:
        kept = list(await session.scalars(select(OutboxMessage.sent_at)))
    assert len(kept) == 2 and None in kept, "the recent message and the one still to send stay"


class PurgeEndpoint(BaseHTTPRequestHandler):
    """Another system that sweeps itself: checks the signature, answers with its counts."""

    calls: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        valid = signature_is_valid(
            SECRET,
            timestamp=self.headers["x-privacy-timestamp"],
            given=self.headers["x-privacy-signature"],
            body=body,
            now=datetime.now(UTC),
        )
        call = json.loads(body)
        PurgeEndpoint.calls.append(call)
        answer = json.dumps({"deleted": 0 if call["dry_run"] else 42, "held": len(call["held"]["subjects"])}).encode()
        self.send_response(200 if valid else 401)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: Any) -> None:
        pass


async def test_http_store_gets_a_signed_purge_request_and_its_counts_are_recorded(
    org_sessions: Sessions, settings: Settings
) -> None:
    PurgeEndpoint.calls = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), PurgeEndpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/purge"
        async with org_sessions() as session, session.begin():
            purger = SystemIn(key="analytics", name="Web analytics", kind="http", url=url, secret=SECRET)
            await save_system(session, system=purger, actor=SYSTEM, settings=settings, now=NOW)
        await save(
            org_sessions,
            {"key": "web-analytics", "period": "P30D", "store": {"kind": "http", "system": "analytics"}},
        )
        async with org_sessions() as session, session.begin():
            await service.place_hold(
                session, hold=HoldIn(subject="ada@example.org", reason="case 7"), actor=SYSTEM, now=NOW
            )
        swept = await run(org_sessions, settings)
    finally:
        server.shutdown()
    assert (swept.counts.deleted, swept.counts.held, swept.status) == (42, 1, "finished")
    [call] = PurgeEndpoint.calls
    assert call["cutoff"].startswith((NOW - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"))
    assert call["held"]["subjects"] == ["ada@example.org"]
