"""Connectors: a real SQL database (a SQLite file, or PostgreSQL in CI), a real second HTTP service
on loopback, and a manual system whose owner answers in the console."""

from __future__ import annotations

import io
import json
import threading
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from privacy.signing import signature_is_valid, signed_headers
from tests.conftest import register_system
from tests.dsar.conftest import ADA, SECRET, crm_rows, download, pdf_text, sql_connector, verified
from tests.mail_fixtures import Mailbox, body_of

Client = AsyncTestClient[Litestar]


async def test_officers_map_tables_of_a_registered_system_and_never_see_its_url(
    person: Client, admin: dict[str, str], officer: dict[str, str], auditor: dict[str, str], crm: str
) -> None:
    saved = await person.put("/api/v1/admin/connectors/crm", json=sql_connector(), headers=officer)
    assert saved.status_code == 200, saved.text
    assert saved.json()["system"] == "crm"
    for reader in (officer, auditor):
        listed = await person.get("/api/v1/admin/connectors", headers=reader)
        systems = await person.get("/api/v1/admin/systems", headers=reader)
        assert listed.status_code == systems.status_code == 200
        assert systems.json() == [{"key": "crm", "name": "Crm", "kind": "sql"}]
        assert crm not in listed.text + systems.text
        assert (await person.get("/api/v1/admin/systems/crm", headers=reader)).status_code == 403
    assert (await person.put("/api/v1/admin/connectors/crm", json=sql_connector(), headers=auditor)).status_code == 403
    wrong = await person.put(
        "/api/v1/admin/connectors/crm", json={**sql_connector(), "activities": ["nope"]}, headers=officer
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["path"] == "activities[0]"
    broken = {**sql_connector()}
    broken["tables"] = [{**broken["tables"][0], "erasure": {"action": "anonymise", "anonymise": {"name": None}}}]
    refused = await person.put("/api/v1/admin/connectors/crm", json=broken, headers=officer)
    assert refused.status_code in (400, 422) and "identity column" in refused.text


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"database_url": "sqlite+aiosqlite:////tmp/x.sqlite3"}, "database_url"),
        ({"url": "http://127.0.0.1:1/"}, "url"),
        ({"secret": "s" * 40}, "secret"),
        ({"system": "nowhere"}, "system"),
    ],
)
async def test_a_connector_carrying_a_url_or_naming_no_registered_system_is_refused(
    person: Client, officer: dict[str, str], crm: str, change: dict[str, str], path: str
) -> None:
    refused = await person.put("/api/v1/admin/connectors/crm", json={**sql_connector(), **change}, headers=officer)
    assert refused.status_code == 422, refused.text
    assert [error["path"] for error in refused.json()["errors"]] == [path]
    assert (await person.get("/api/v1/admin/connectors", headers=officer)).json() == []


async def test_access_gathers_the_persons_rows_from_the_sql_database(
    person: Client, admin: dict[str, str], crm: str, mailbox: Mailbox, background: Any
) -> None:
    await person.put("/api/v1/admin/connectors/crm", json=sql_connector(), headers=admin)
    granted = await verified(person, mailbox, background)
    await background()
    archive = zipfile.ZipFile(io.BytesIO((await download(person, granted)).content))
    data = json.loads(archive.read("data.json"))["crm"]
    assert set(data) == {"contact", "financial", "communications"}, "grouped by data category"
    assert data["contact"]["crm_customers"] == [
        {"email": "Ada@Example.org", "name": "Ada Lovelace", "phone": "+44 20 1234"}
    ]
    assert data["financial"]["crm_invoices"] == [{"number": "INV-1", "amount": 120}]
    assert sorted(t["subject"] for t in data["communications"]["crm_tickets"]) == ["Cannot log in", "Refund"]
    assert "crm/crm_tickets.csv" in " ".join(archive.namelist())


async def test_erasure_deletes_anonymises_and_keeps_as_mapped_and_certifies_it(
    person: Client, admin: dict[str, str], crm: str, mailbox: Mailbox, background: Any
) -> None:
    await person.put("/api/v1/admin/connectors/crm", json=sql_connector(), headers=admin)
    granted = await verified(person, mailbox, background, type="erasure")
    await background()
    assert await crm_rows(crm, "SELECT subject FROM crm_tickets") == [("Hi",)], "only Bob's ticket is left"
    assert await crm_rows(crm, "SELECT email, name, phone FROM crm_customers ORDER BY id") == [
        (None, "erased", None),
        ("bob@example.org", "Bob", None),
    ]
    assert len(await crm_rows(crm, "SELECT * FROM crm_invoices")) == 2, "invoices kept for the tax law"
    text_of = " ".join(pdf_text((await download(person, granted)).content).split())
    assert "2 row(s) of crm_tickets" in text_of
    assert "email, name, phone in 1 row(s) of crm_customers (anonymised)" in text_of
    assert "1 row(s) of crm_invoices" in text_of and "tax law" in text_of and "2036-12-31" in text_of


class Helpdesk(BaseHTTPRequestHandler):
    """The second service: checks the toolkit's signature; exports at once, erases later."""

    received: list[dict[str, Any]] = []
    failures_left = 0

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        if not signature_is_valid(
            SECRET,
            timestamp=self.headers["x-privacy-timestamp"],
            given=self.headers["x-privacy-signature"],
            body=body,
            now=datetime.now(UTC),
        ):
            self._answer(401, {"error": "bad signature"})
            return
        call = json.loads(body)
        Helpdesk.received.append(call)
        if Helpdesk.failures_left:
            Helpdesk.failures_left -= 1
            self._answer(503, {"error": "busy"})
        elif call["action"] == "export":
            self._answer(200, {"tables": [{"name": "tickets", "rows": [{"subject": "Printer on fire"}]}]})
        else:
            self._answer(202, {"status": "queued"})

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def helpdesk() -> Iterator[str]:
    Helpdesk.received, Helpdesk.failures_left = [], 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), Helpdesk)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/privacy"
    server.shutdown()


HTTP_CONNECTOR = {"key": "helpdesk", "name": "Helpdesk", "kind": "http", "system": "helpdesk"}


async def add_helpdesk(person: Client, admin: dict[str, str], url: str) -> None:
    await register_system(person, admin, "helpdesk", "http", url, SECRET)
    saved = await person.put("/api/v1/admin/connectors/helpdesk", json=HTTP_CONNECTOR, headers=admin)
    assert saved.status_code == 200, saved.text


async def test_http_connector_signed_export_with_a_retry_after_a_failure(
    person: Client, admin: dict[str, str], helpdesk: str, mailbox: Mailbox, background: Any, dsar_sessions: Any
) -> None:
    await add_helpdesk(person, admin, helpdesk)
    Helpdesk.failures_left = 1
    granted = await verified(person, mailbox, background)
    await background()
    assert (await download(person, granted)).status_code == 404, "not answered while a system failed"
    from sqlalchemy import update

    from dsar.models import RequestStep

    async with dsar_sessions() as session, session.begin():  # the back-off has passed
        await session.execute(update(RequestStep).values(lease_until=None))
    await background()
    archive = zipfile.ZipFile(io.BytesIO((await download(person, granted)).content))
    assert json.loads(archive.read("data.json"))["helpdesk"]["identification"]["tickets"] == [
        {"subject": "Printer on fire"}
    ]
    assert [call["email"] for call in Helpdesk.received] == [ADA, ADA]


async def test_http_connector_answers_erasure_later_through_a_signed_callback(
    person: Client, admin: dict[str, str], helpdesk: str, mailbox: Mailbox, background: Any
) -> None:
    await add_helpdesk(person, admin, helpdesk)
    granted = await verified(person, mailbox, background, type="erasure")
    await background()
    [call] = Helpdesk.received
    assert call["callback_url"].endswith("/api/v1/connectors/helpdesk/callback")
    answer = json.dumps({"request": call["request"], "erased": ["3 tickets"], "kept": []}).encode()
    forged = await person.post(
        "/api/v1/connectors/helpdesk/callback",
        content=answer,
        headers=signed_headers("x" * 40, answer, datetime.now(UTC)),
    )
    assert forged.status_code == 401
    accepted = await person.post(
        "/api/v1/connectors/helpdesk/callback",
        content=answer,
        headers=signed_headers(SECRET, answer, datetime.now(UTC)),
    )
    assert accepted.status_code == 200, accepted.text
    again = await person.post(
        "/api/v1/connectors/helpdesk/callback",
        content=answer,
        headers=signed_headers(SECRET, answer, datetime.now(UTC)),
    )
    assert again.status_code == 409
    await background()
    assert "3 tickets" in pdf_text((await download(person, granted)).content)


async def test_manual_system_owner_gets_one_task_and_completes_it(
    person: Client, admin: dict[str, str], officer: dict[str, str], mailbox: Mailbox, background: Any
) -> None:
    manual = {"key": "archive", "name": "Paper archive", "kind": "manual", "owner_email": "archivist@example.org"}
    await person.put("/api/v1/admin/connectors/archive", json=manual, headers=admin)
    granted = await verified(person, mailbox, background)
    await background()
    await background()
    [task] = mailbox.to("archivist@example.org")
    assert granted["reference"] in task["Subject"] and ADA not in body_of(task)
    inbox = (await person.get("/api/v1/admin/requests", headers=officer)).json()
    detail = (await person.get(f"/api/v1/admin/requests/{inbox[0]['id']}", headers=officer)).json()
    [step] = [s for s in detail["steps"] if s["system"] == "archive"]
    assert step["status"] == "waiting"
    done = await person.post(
        f"/api/v1/admin/requests/{inbox[0]['id']}/steps/{step['id']}",
        json={"rows": [{"box": "B-17", "document": "Signed contract 2019"}]},
        headers=officer,
    )
    assert done.status_code == 200, done.text
    await background()
    archive = zipfile.ZipFile(io.BytesIO((await download(person, granted)).content))
    assert json.loads(archive.read("data.json"))["archive"]["identification"]["records"][0]["box"] == "B-17"


async def test_portability_takes_only_systems_processing_on_consent_or_contract(
    person: Client, admin: dict[str, str], crm: str, mailbox: Mailbox, background: Any
) -> None:
    await person.put("/api/v1/admin/connectors/crm", json=sql_connector(), headers=admin)
    logs = {**sql_connector(), "key": "logs", "name": "Security logs", "activities": ["security-logging"]}
    for table in logs["tables"]:
        table["provided_by_person"] = True
    await person.put("/api/v1/admin/connectors/logs", json=logs, headers=admin)
    granted = await verified(person, mailbox, background, type="portability")
    await background()
    data = json.loads(zipfile.ZipFile(io.BytesIO((await download(person, granted)).content)).read("data.json"))
    assert set(data["crm"]["contact"]) == {"crm_customers"}, "provided by the person, on a contract"
    assert "logs" not in data, "legitimate interests: not portable (Art. 20(1)(a))"


async def test_a_removed_connector_gets_no_more_steps(
    person: Client,
    admin: dict[str, str],
    officer: dict[str, str],
    auditor: dict[str, str],
    crm: str,
    mailbox: Mailbox,
    background: Any,
) -> None:
    await person.put("/api/v1/admin/connectors/crm", json=sql_connector(), headers=admin)
    assert (await person.delete("/api/v1/admin/connectors/crm", headers=auditor)).status_code == 403
    assert (await person.delete("/api/v1/admin/connectors/crm", headers=officer)).status_code == 204
    assert (await person.delete("/api/v1/admin/connectors/crm", headers=officer)).status_code == 404
    await verified(person, mailbox, background)
    [request] = (await person.get("/api/v1/admin/requests", headers=officer)).json()
    detail = (await person.get(f"/api/v1/admin/requests/{request['id']}", headers=officer)).json()
    assert [step["system"] for step in detail["steps"]] == ["privacy-toolkit"]


async def test_a_disabled_connector_gets_no_steps_until_enabled_again(
    person: Client, officer: dict[str, str], crm: str, mailbox: Mailbox, background: Any
) -> None:
    disabled = {**sql_connector(), "enabled": False}
    assert (await person.put("/api/v1/admin/connectors/crm", json=disabled, headers=officer)).status_code == 200
    await verified(person, mailbox, background)
    await background()
    [request] = (await person.get("/api/v1/admin/requests", headers=officer)).json()
    detail = (await person.get(f"/api/v1/admin/requests/{request['id']}", headers=officer)).json()
    assert [step["system"] for step in detail["steps"]] == ["privacy-toolkit"]
    assert await crm_rows(crm, "SELECT count(*) FROM crm_tickets") == [(3,)], "nothing read or erased there"


async def request_steps(person: Client, officer: dict[str, str]) -> dict[str, dict[str, Any]]:
    [request] = (await person.get("/api/v1/admin/requests", headers=officer)).json()
    detail = (await person.get(f"/api/v1/admin/requests/{request['id']}", headers=officer)).json()
    return {step["system"]: step for step in detail["steps"]}


async def test_a_system_that_cannot_be_reached_fails_its_step_with_a_reason_staff_can_read(
    person: Client,
    admin: dict[str, str],
    officer: dict[str, str],
    mailbox: Mailbox,
    background: Any,
    dsar_settings: Any,
) -> None:
    missing = dsar_settings.external_sqlite_dir / "gone.sqlite3"
    await register_system(person, admin, "crm", "sql", f"sqlite:///{missing}")
    await person.put("/api/v1/admin/connectors/crm", json=sql_connector(), headers=officer)
    await verified(person, mailbox, background)
    await background()
    crm_step = (await request_steps(person, officer))["crm"]
    assert (crm_step["status"], crm_step["attempts"]) == ("pending", 1), "tried again later"
    assert crm_step["last_error"] == "the system 'crm' could not be reached or did not answer as expected"
    assert not missing.exists(), "the other system's file is never created"


class Redirecting(BaseHTTPRequestHandler):
    """A system that answers with a redirect elsewhere; the toolkit must not follow it."""

    calls = 0

    def do_POST(self) -> None:
        Redirecting.calls += 1
        self.send_response(307)
        self.send_header("location", f"http://127.0.0.1:{self.server.server_address[1]}/elsewhere")
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


async def test_redirects_are_not_followed(
    person: Client, admin: dict[str, str], officer: dict[str, str], mailbox: Mailbox, background: Any
) -> None:
    Redirecting.calls = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirecting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        await add_helpdesk(person, admin, f"http://127.0.0.1:{server.server_address[1]}/privacy")
        await verified(person, mailbox, background)
        await background()
    finally:
        server.shutdown()
    step = (await request_steps(person, officer))["helpdesk"]
    assert (step["status"], step["last_error"]) == (
        "pending",
        "the system 'helpdesk' could not be reached or did not answer as expected",
    )
    assert Redirecting.calls == 1, "the redirect was not followed"
