"""An organisation (the demo) with mail going to a real SMTP server on loopback, and what the
request tests share: a person's verified request, its download, the text of a PDF."""

from __future__ import annotations

import contextlib
import io
import json
import re
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from pypdf import PdfReader
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from privacy.composition import background_jobs
from privacy.settings import Settings
from privacy.signing import signature_is_valid
from privacy.work import run_jobs
from tests.conftest import app_with_demo, client_of, register_system, sessions_of
from tests.mail_fixtures import Mailbox, body_of

Client = AsyncTestClient[Litestar]


@pytest.fixture
def dsar_settings(settings: Settings, mailbox: Mailbox) -> Settings:
    return settings.model_copy(update={"smtp_host": mailbox.host, "smtp_port": mailbox.port, "smtp_starttls": False})


@pytest.fixture
async def dsar_app(dsar_settings: Settings) -> Litestar:
    return await app_with_demo(dsar_settings)


@pytest.fixture
async def person(dsar_app: Litestar) -> AsyncIterator[Client]:
    async with client_of(dsar_app) as client:
        yield client


@pytest.fixture
async def dsar_sessions(dsar_app: Litestar, dsar_settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with sessions_of(dsar_app, dsar_settings) as sessions:
        yield sessions


@pytest.fixture
def background(dsar_sessions: async_sessionmaker[AsyncSession], dsar_settings: Settings) -> Any:
    """One pass of the background work (requests' steps, reminders, mail), as a worker would run it."""

    async def run_once() -> None:
        await run_jobs(dsar_sessions, background_jobs(), settings=dsar_settings)

    return run_once


def code_in(mailbox: Mailbox, address: str, index: int = -1) -> str:
    found = re.search(r"Your code is (\d{6})", body_of(mailbox.to(address)[index]))
    assert found, "the message carries a six-digit code"
    return found.group(1)


ADA = "ada@example.org"


async def submit(person: Client, email: str = ADA, **fields: Any) -> Any:
    return await person.post("/api/v1/requests", json={"type": "access", "email": email, **fields})


async def verified(
    person: Client, mailbox: Mailbox, background: Any, email: str = ADA, **fields: Any
) -> dict[str, Any]:
    reference = (await submit(person, email, **fields)).json()["reference"]
    await background()
    answer = await person.post(f"/api/v1/requests/{reference}/verify", json={"code": code_in(mailbox, email)})
    assert answer.status_code == 200, answer.text
    return answer.json()


async def download(person: Client, granted: dict[str, Any]) -> Any:
    return await person.get(
        f"/api/v1/requests/{granted['reference']}/package", headers={"authorization": f"Bearer {granted['token']}"}
    )


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def a_year_after(day: date) -> date:
    """The same date a year later; 29 February becomes 28 February (that month's last day)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def letter(received_at: datetime, **fields: Any) -> dict[str, Any]:
    return {
        "type": "access",
        "email": ADA,
        "received_at": received_at.isoformat(),
        "channel": "letter",
        "verification": "copy of passport checked by post",
        **fields,
    }


SECRET = "s" * 40
CRM = ("crm_customers", "crm_invoices", "crm_tickets")
CRM_TABLES = """
CREATE TABLE crm_customers (id INTEGER PRIMARY KEY, email VARCHAR(200), name VARCHAR(200), phone VARCHAR(50));
CREATE TABLE crm_invoices (id INTEGER PRIMARY KEY, customer_email VARCHAR(200), number VARCHAR(20), amount INTEGER);
CREATE TABLE crm_tickets (id INTEGER PRIMARY KEY, email VARCHAR(200), subject VARCHAR(200));
INSERT INTO crm_customers VALUES
  (1, 'Ada@Example.org', 'Ada Lovelace', '+44 20 1234'), (2, 'bob@example.org', 'Bob', NULL);
INSERT INTO crm_invoices VALUES (1, 'ada@example.org', 'INV-1', 120), (2, 'bob@example.org', 'INV-2', 80);
INSERT INTO crm_tickets VALUES
  (1, 'ada@example.org', 'Cannot log in'), (2, 'ada@example.org', 'Refund'), (3, 'bob@example.org', 'Hi');
"""


@pytest.fixture
async def crm(other_database: str, person: Client, admin: dict[str, str]) -> AsyncIterator[str]:
    """Another system's database (a SQLite file here, a PostgreSQL database in CI), registered by
    an administrator as the system `crm`. Answers its URL, for the tests to look inside."""
    url = other_database
    await run_sql(url, *[f"DROP TABLE IF EXISTS {name}" for name in CRM], *CRM_TABLES.strip().split(";\n"))
    await register_system(person, admin, "crm", "sql", url)
    yield url
    await run_sql(url, *[f"DROP TABLE IF EXISTS {name}" for name in CRM])


async def run_sql(url: str, *statements: str) -> None:
    engine = create_async_engine(url, poolclass=NullPool)
    async with engine.begin() as connection:
        for statement in statements:
            await connection.execute(text(statement.rstrip(";")))
    await engine.dispose()


def sql_connector(system: str = "crm") -> dict[str, Any]:
    return {
        "key": "crm",
        "name": "CRM",
        "kind": "sql",
        "activities": ["customer-support", "billing"],
        "system": system,
        "tables": [
            {
                "table": "crm_customers",
                "identity_column": "email",
                "columns": ["email", "name", "phone"],
                "category": "contact",
                "provided_by_person": True,
                "erasure": {"action": "anonymise", "anonymise": {"email": None, "name": "erased", "phone": None}},
            },
            {
                "table": "crm_invoices",
                "identity_column": "customer_email",
                "columns": ["number", "amount"],
                "category": "financial",
                "erasure": {"action": "keep", "obligation": "tax law: invoices kept ten years", "until": "2036-12-31"},
            },
            {"table": "crm_tickets", "identity_column": "email", "columns": ["subject"], "category": "communications"},
        ],
    }


async def crm_rows(url: str, query: str) -> list[Any]:
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        rows = list((await connection.execute(text(query))).all())
    await engine.dispose()
    return rows


Answer = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass
class OtherSystem:
    """Another system's HTTP endpoint on loopback: it checks the toolkit's signature, keeps each
    call it receives, and answers 200 with what `answer` makes of the call."""

    url: str
    received: list[dict[str, Any]]


@contextlib.contextmanager
def other_system(answer: Answer) -> Iterator[OtherSystem]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            headers, now = self.headers, datetime.now(UTC)
            signed = headers["x-privacy-timestamp"], headers["x-privacy-signature"]
            if not signature_is_valid(SECRET, timestamp=signed[0], given=signed[1], body=body, now=now):
                self.send_response(401)
                self.end_headers()
                return
            call = json.loads(body)
            received.append(call)
            data = json.dumps(answer(call)).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield OtherSystem(f"http://127.0.0.1:{server.server_address[1]}/privacy", received)
    finally:
        server.shutdown()
