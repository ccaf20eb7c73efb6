"""A worker killed in the middle of an erasure or a rectification: started again, it finishes the
request without erasing or correcting anything twice or sending any email twice (run on PostgreSQL
in CI, on SQLite here)."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dsar import decisions, staff, systems
from dsar.connector_schemas import ConnectorIn
from dsar.models import DataRequest, RequestStep
from dsar.schemas import ManualResultIn, StaffRequestIn
from privacy.db import utcnow
from privacy.schemas import SystemIn
from privacy.settings import Settings
from privacy.systems import save_system
from tests.conftest import SYSTEM, environment_for, privacy_command
from tests.dsar.conftest import ADA, SECRET, crm_rows, sql_connector
from tests.mail_fixtures import Mailbox


class SlowSystem(BaseHTTPRequestHandler):
    """Answers erasures only once `release` is set; counts every call it receives."""

    calls: list[str] = []
    release = threading.Event()

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        SlowSystem.calls.append(body["action"])
        SlowSystem.release.wait(timeout=60)
        answer = json.dumps({"erased": ["1 helpdesk account"], "kept": [], "corrected": ["name"]}).encode()
        try:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
        except OSError:
            pass  # the worker that asked was killed

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def slow_system() -> Iterator[str]:
    SlowSystem.calls, SlowSystem.release = [], threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowSystem)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/privacy"
    SlowSystem.release.set()
    server.shutdown()


def start_worker(settings: Settings, mailbox: Mailbox) -> subprocess.Popen[bytes]:
    env = {
        **environment_for(settings),
        "PRIVACY_SMTP_HOST": mailbox.host,
        "PRIVACY_SMTP_PORT": str(mailbox.port),
        "PRIVACY_SMTP_STARTTLS": "false",
        "PRIVACY_BACKGROUND_INTERVAL_SECONDS": "0.1",
        "PRIVACY_STEP_LEASE_SECONDS": "2",
    }
    return subprocess.Popen(privacy_command("worker"), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_until(condition: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


async def steps_of(sessions: async_sessionmaker[AsyncSession]) -> dict[str, tuple[str, int]]:
    async with sessions() as session:
        return {s.system: (s.status, s.attempts) for s in await session.scalars(select(RequestStep))}


async def test_killed_worker_resumes_the_erasure_without_repeating_anything(
    dsar_settings: Settings,
    dsar_sessions: async_sessionmaker[AsyncSession],
    mailbox: Mailbox,
    crm: str,
    slow_system: str,
) -> None:
    async with dsar_sessions() as session, session.begin():
        helpdesk = SystemIn(key="helpdesk", name="Helpdesk", kind="http", url=slow_system, secret=SECRET)
        await save_system(session, system=helpdesk, actor=SYSTEM, settings=dsar_settings, now=utcnow())
        for connector in (
            sql_connector(),
            {"key": "helpdesk", "name": "Helpdesk", "kind": "http", "system": "helpdesk"},
        ):
            await systems.save_connector(
                session, connector=ConnectorIn.model_validate(connector), actor=SYSTEM, now=utcnow()
            )
        letter = StaffRequestIn(
            type="erasure", email=ADA, received_at=datetime.now(UTC), channel="letter", verification="letter"
        )
        await staff.record_staff_request(session, data=letter, actor=SYSTEM, settings=dsar_settings, now=utcnow())

    first = start_worker(dsar_settings, mailbox)
    try:
        wait_until(lambda: SlowSystem.calls == ["erase"])  # toolkit and crm done; stuck in the helpdesk call
        first.kill()  # no clean shutdown: as if the machine died
        first.wait(timeout=10)
    finally:
        first.kill()
    assert await steps_of(dsar_sessions) == {
        "privacy-toolkit": ("done", 1),
        "crm": ("done", 1),
        "helpdesk": ("pending", 1),
    }
    assert await crm_rows(crm, "SELECT count(*) FROM crm_tickets WHERE email = 'ada@example.org'") == [(0,)]

    SlowSystem.release.set()
    second = start_worker(dsar_settings, mailbox)
    try:
        wait_until(lambda: any("answer is ready" in m["Subject"] for m in mailbox.to(ADA)))
        time.sleep(1)  # noqa: ASYNC251 (the worker is another process: further passes must not repeat anything)
    finally:
        second.kill()
        second.wait(timeout=10)
    assert await steps_of(dsar_sessions) == {
        "privacy-toolkit": ("done", 1),
        "crm": ("done", 1),
        "helpdesk": ("done", 2),
    }
    assert SlowSystem.calls == ["erase", "erase"], "only the step cut off in the middle is repeated"
    assert sum("answer is ready" in m["Subject"] for m in mailbox.to(ADA)) == 1
    async with dsar_sessions() as session:
        assert (
            await session.scalar(select(func.count()).select_from(DataRequest).where(DataRequest.status == "completed"))
            == 1
        )


async def test_killed_worker_resumes_a_rectification_writing_each_correction_once(
    dsar_settings: Settings,
    dsar_sessions: async_sessionmaker[AsyncSession],
    mailbox: Mailbox,
    crm: str,
    slow_system: str,
) -> None:
    crm_connector = sql_connector()
    crm_connector["tables"][0]["rectifiable"] = ["name"]
    async with dsar_sessions() as session, session.begin():
        helpdesk = SystemIn(key="helpdesk", name="Helpdesk", kind="http", url=slow_system, secret=SECRET)
        await save_system(session, system=helpdesk, actor=SYSTEM, settings=dsar_settings, now=utcnow())
        for connector in (crm_connector, {"key": "helpdesk", "name": "Helpdesk", "kind": "http", "system": "helpdesk"}):
            await systems.save_connector(
                session, connector=ConnectorIn.model_validate(connector), actor=SYSTEM, now=utcnow()
            )
        letter = StaffRequestIn(
            type="rectification", email=ADA, received_at=datetime.now(UTC), channel="letter", verification="letter"
        )
        request = await staff.record_staff_request(
            session, data=letter, actor=SYSTEM, settings=dsar_settings, now=utcnow()
        )
        await session.flush()
        for step in await session.scalars(select(RequestStep).order_by(RequestStep.id)):
            await decisions.complete_step_by_hand(
                session,
                request_id=request.id,
                step_id=step.id,
                result=ManualResultIn(fields={"name": "Ada King"}),
                actor=SYSTEM,
                settings=dsar_settings,
                now=utcnow(),
            )

    first = start_worker(dsar_settings, mailbox)
    try:
        wait_until(lambda: SlowSystem.calls == ["rectify"])  # crm corrected; stuck in the helpdesk call
        first.kill()
        first.wait(timeout=10)
    finally:
        first.kill()
    assert await steps_of(dsar_sessions) == {"crm": ("done", 1), "helpdesk": ("pending", 1)}
    assert await crm_rows(crm, "SELECT name FROM crm_customers ORDER BY id") == [("Ada King",), ("Bob",)]

    SlowSystem.release.set()
    second = start_worker(dsar_settings, mailbox)
    try:
        wait_until(lambda: any("our answer" in m["Subject"] for m in mailbox.to(ADA)))
        time.sleep(1)  # noqa: ASYNC251 (the worker is another process: further passes must not repeat anything)
    finally:
        second.kill()
        second.wait(timeout=10)
    assert await steps_of(dsar_sessions) == {"crm": ("done", 1), "helpdesk": ("done", 2)}
    assert SlowSystem.calls == ["rectify", "rectify"], "only the step cut off in the middle is repeated"
    assert sum("our answer" in m["Subject"] for m in mailbox.to(ADA)) == 1
