"""Objection (Art. 21): direct marketing stops at once in a real SQL database and a real HTTP system
on loopback and the person stays on the suppression list; other activities are decided by staff."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from dsar.models import Suppression
from tests.conftest import register_system
from tests.dsar.conftest import (
    ADA,
    SECRET,
    OtherSystem,
    crm_rows,
    download,
    other_system,
    pdf_text,
    sql_connector,
    verified,
)
from tests.mail_fixtures import Mailbox, body_of

Client = AsyncTestClient[Litestar]


@pytest.fixture
def mailer() -> Iterator[OtherSystem]:
    """A newsletter tool that stops mailing a person when asked."""
    with other_system(lambda call: {"status": "unsubscribed"}) as system:
        yield system


async def add_flag_column(url: str) -> None:
    engine = create_async_engine(url, poolclass=NullPool)
    async with engine.begin() as connection:
        await connection.execute(text("ALTER TABLE crm_customers ADD COLUMN no_marketing BOOLEAN"))
    await engine.dispose()


async def marketing_systems(person: Client, admin: dict[str, str], crm: str, mailer: OtherSystem) -> None:
    """The CRM holds the customers mailed product news; the mailer sends the newsletter."""
    await add_flag_column(crm)
    connector = sql_connector()
    connector["activities"] = ["customer-support", "marketing-customers", "security-logging"]
    connector["tables"][0]["suppressed_column"] = "no_marketing"
    assert (await person.put("/api/v1/admin/connectors/crm", json=connector, headers=admin)).status_code == 200
    await register_system(person, admin, "mailer", "http", mailer.url, SECRET)
    newsletter = {
        "key": "mailer",
        "name": "Newsletter",
        "kind": "http",
        "system": "mailer",
        "activities": ["marketing-prospects"],
    }
    assert (await person.put("/api/v1/admin/connectors/mailer", json=newsletter, headers=admin)).status_code == 200


async def suppressed(sessions: async_sessionmaker[AsyncSession]) -> set[str]:
    async with sessions() as session:
        return set(await session.scalars(select(Suppression.activity)))


async def only_request(person: Client, officer: dict[str, str]) -> dict[str, Any]:
    [summary] = (await person.get("/api/v1/admin/requests", headers=officer)).json()
    detail: dict[str, Any] = (await person.get(f"/api/v1/admin/requests/{summary['id']}", headers=officer)).json()
    return detail


async def test_the_objectable_activities_are_those_on_legitimate_interests_and_direct_marketing(person: Client) -> None:
    listed = (await person.get("/api/v1/requests/objectable")).json()
    assert {(a["key"], a["direct_marketing"]) for a in listed} == {
        ("security-logging", False),
        ("customer-support", False),  # legitimate interests for prospects' questions
        ("web-analytics", False),  # legitimate interests for exempt measurement in France
        ("advertising", True),
        ("marketing-customers", True),
        ("marketing-prospects", True),
    }
    refused = await person.post(
        "/api/v1/requests", json={"type": "objection", "email": ADA, "objection": {"activities": ["billing"]}}
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"path": "objection.activities[0]", "message": "not an activity one can object to"}
    ]


async def test_direct_marketing_stops_at_once_in_every_linked_system_and_for_good(
    person: Client,
    admin: dict[str, str],
    officer: dict[str, str],
    crm: str,
    mailer: OtherSystem,
    mailbox: Mailbox,
    background: Any,
    dsar_sessions: async_sessionmaker[AsyncSession],
) -> None:
    await marketing_systems(person, admin, crm, mailer)
    await verified(person, mailbox, background, type="objection", objection={"direct_marketing": True})
    await background()
    await background()  # a second pass repeats nothing

    assert await crm_rows(crm, "SELECT email, no_marketing FROM crm_customers ORDER BY id") == [
        ("Ada@Example.org", True),
        ("bob@example.org", None),
    ]
    [call] = mailer.received
    assert (call["action"], call["email"], call["activities"]) == ("suppress", ADA, ["direct-marketing"])
    marketing = {"direct-marketing", "marketing-customers", "marketing-prospects", "advertising"}
    assert await suppressed(dsar_sessions) == marketing
    detail = await only_request(person, officer)
    assert (detail["status"], detail["outcome"]) == ("completed", "objection upheld")
    assert not [step for step in detail["steps"] if step["action"] == "object"], "nothing for staff to decide"
    [answer] = [message for message in mailbox.to(ADA) if "our answer" in message["Subject"]]
    assert "Direct marketing: stopped for good" in body_of(answer)
    assert "complaint" not in body_of(answer)


async def test_staff_decide_per_activity_and_a_stop_reaches_the_systems_of_that_activity(
    person: Client,
    admin: dict[str, str],
    officer: dict[str, str],
    crm: str,
    mailer: OtherSystem,
    mailbox: Mailbox,
    background: Any,
    dsar_sessions: async_sessionmaker[AsyncSession],
) -> None:
    await marketing_systems(person, admin, crm, mailer)
    scope = {"activities": ["security-logging"]}
    await verified(person, mailbox, background, type="objection", objection=scope, details="I never log in")
    await background()
    detail = await only_request(person, officer)
    [decision] = detail["steps"]
    assert (decision["activity"], decision["status"]) == ("security-logging", "awaiting_decision")
    url = f"/api/v1/admin/requests/{detail['id']}/steps/{decision['id']}"
    assert (await person.post(url, json={"outcome": "compelling_grounds"}, headers=officer)).status_code == 422
    assert (await person.post(url, json={"outcome": "stopped"}, headers=officer)).status_code == 200
    assert (await person.post(url, json={"outcome": "stopped"}, headers=officer)).status_code == 409
    await background()

    assert await suppressed(dsar_sessions) == {"security-logging"}, "not marketing: only what was decided"
    assert await crm_rows(crm, "SELECT no_marketing FROM crm_customers ORDER BY id") == [(True,), (None,)]
    assert mailer.received == [], "the newsletter is not linked to security logging"
    detail = await only_request(person, officer)
    assert (detail["status"], detail["outcome"]) == ("completed", "objection upheld")


async def test_compelling_grounds_are_stated_to_the_person_with_the_right_to_complain(
    person: Client, officer: dict[str, str], mailbox: Mailbox, background: Any
) -> None:
    scope = {"activities": ["security-logging"]}
    await verified(person, mailbox, background, type="objection", objection=scope)
    await background()
    detail = await only_request(person, officer)
    [decision] = detail["steps"]
    grounds = "Security logs protect every customer's site; they are kept one year and seen by two people."
    decided = await person.post(
        f"/api/v1/admin/requests/{detail['id']}/steps/{decision['id']}",
        json={"outcome": "compelling_grounds", "reason": grounds},
        headers=officer,
    )
    assert decided.status_code == 200, decided.text
    await background()
    detail = await only_request(person, officer)
    assert (detail["status"], detail["outcome"]) == ("completed", "objection not upheld")
    [answer] = [message for message in mailbox.to(ADA) if "our answer" in message["Subject"]]
    text_ = body_of(answer)
    assert f"Security and abuse prevention: continues, on compelling legitimate grounds: {grounds}" in text_
    assert "Where the answer goes against your request, you have the right to lodge a complaint" in text_


async def test_an_objection_is_decided_even_when_its_activity_left_the_register(
    person: Client, officer: dict[str, str], mailbox: Mailbox, background: Any
) -> None:
    await verified(person, mailbox, background, type="objection", objection={"activities": ["security-logging"]})
    assert (await person.delete("/api/v1/admin/activities/security-logging", headers=officer)).status_code == 204
    detail = await only_request(person, officer)
    [decision] = detail["steps"]
    url = f"/api/v1/admin/requests/{detail['id']}/steps/{decision['id']}"
    assert (await person.post(url, json={"outcome": "stopped"}, headers=officer)).status_code == 200
    await background()
    assert (await only_request(person, officer))["status"] == "completed"


async def test_an_erasure_certificate_says_the_objection_is_kept_so_it_keeps_holding(
    person: Client, mailbox: Mailbox, background: Any
) -> None:
    await verified(person, mailbox, background, type="objection", objection={"direct_marketing": True})
    await background()
    erasure = await verified(person, mailbox, background, type="erasure")
    await background()
    await background()
    certificate = pdf_text((await download(person, erasure)).content)
    assert "a keyed hash of your email address and what you objected to" in " ".join(certificate.split())
