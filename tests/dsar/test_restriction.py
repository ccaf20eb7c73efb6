"""Restriction (Art. 18): a real SQL database and a real HTTP system on loopback mark the person's
data restricted; lifting is announced to the person first and follows after the notice period."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from babel.dates import format_date
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from dsar.models import Restriction
from tests.conftest import register_system
from tests.dsar.conftest import ADA, SECRET, OtherSystem, crm_rows, other_system, sql_connector, verified
from tests.mail_fixtures import Mailbox, body_of

Client = AsyncTestClient[Litestar]


@pytest.fixture
def shop() -> Iterator[OtherSystem]:
    with other_system(lambda call: {}) as system:
        yield system


async def restricting_systems(person: Client, admin: dict[str, str], crm: str, shop: OtherSystem) -> None:
    engine = create_async_engine(crm, poolclass=NullPool)
    async with engine.begin() as connection:
        await connection.execute(text("ALTER TABLE crm_customers ADD COLUMN restricted BOOLEAN"))
    await engine.dispose()
    connector = sql_connector()
    connector["tables"][0]["restricted_column"] = "restricted"
    assert (await person.put("/api/v1/admin/connectors/crm", json=connector, headers=admin)).status_code == 200
    await register_system(person, admin, "shop", "http", shop.url, SECRET)
    web_shop = {"key": "shop", "name": "Web shop", "kind": "http", "system": "shop"}
    assert (await person.put("/api/v1/admin/connectors/shop", json=web_shop, headers=admin)).status_code == 200


async def test_a_restriction_is_marked_in_every_system_and_lifted_only_after_telling_the_person(
    person: Client,
    admin: dict[str, str],
    officer: dict[str, str],
    auditor: dict[str, str],
    crm: str,
    shop: OtherSystem,
    mailbox: Mailbox,
    background: Any,
    dsar_sessions: async_sessionmaker[AsyncSession],
) -> None:
    await restricting_systems(person, admin, crm, shop)
    ground = {"restriction_ground": "accuracy_contested"}
    await verified(person, mailbox, background, type="restriction", **ground)
    await background()
    await background()

    assert await crm_rows(crm, "SELECT restricted FROM crm_customers ORDER BY id") == [(True,), (None,)]
    assert [(call["action"], call["email"]) for call in shop.received] == [("restrict", ADA)]
    [summary] = (await person.get("/api/v1/admin/requests", headers=officer)).json()
    assert summary["status"] == "completed"
    [answer] = [message for message in mailbox.to(ADA) if "our answer" in message["Subject"]]
    assert "CRM: restricted" in body_of(answer) and "Web shop: restricted" in body_of(answer)
    assert "before we lift the restriction" in body_of(answer)
    [placed] = (await person.get("/api/v1/admin/restrictions", headers=auditor)).json()
    assert (placed["ground"], placed["systems"], placed["lift_at"]) == ("accuracy_contested", ["crm", "shop"], None)

    url = f"/api/v1/admin/restrictions/{placed['id']}/lift"
    reason = "We checked the address with the person's bank: it is accurate."
    assert (await person.post(url, json={"reason": reason}, headers=auditor)).status_code == 403
    announced = await person.post(url, json={"reason": reason}, headers=officer)
    assert announced.status_code == 200, announced.text
    lift_at = datetime.fromisoformat(announced.json()["lift_at"])
    assert timedelta(days=13) < lift_at - datetime.now(UTC) <= timedelta(days=14)
    assert (await person.post(url, json={"reason": reason}, headers=officer)).status_code == 409
    await background()
    [notice] = [message for message in mailbox.to(ADA) if "lift the restriction" in message["Subject"]]
    assert reason in body_of(notice) and format_date(lift_at.date(), format="long", locale="en") in body_of(notice)
    assert await crm_rows(crm, "SELECT restricted FROM crm_customers ORDER BY id") == [(True,), (None,)]

    async with dsar_sessions() as session, session.begin():  # the notice period has run
        await session.execute(update(Restriction).values(lift_at=datetime.now(UTC) - timedelta(minutes=1)))
    await background()
    await background()
    assert await crm_rows(crm, "SELECT restricted FROM crm_customers ORDER BY id") == [(False,), (None,)]
    assert [call["action"] for call in shop.received] == ["restrict", "unrestrict"]
    [lifted] = (await person.get("/api/v1/admin/restrictions", headers=auditor)).json()
    assert lifted["lifted_at"] is not None


async def test_a_restriction_gives_its_ground_and_only_a_restriction_does(person: Client) -> None:
    without = await person.post("/api/v1/requests", json={"type": "restriction", "email": ADA})
    stray = await person.post(
        "/api/v1/requests", json={"type": "access", "email": ADA, "restriction_ground": "legal_claims"}
    )
    for answer in (without, stray):
        assert answer.status_code in (400, 422) and "restriction_ground" in answer.text


async def test_a_system_that_cannot_restrict_says_why_and_is_tried_again_once_mapped(
    person: Client,
    admin: dict[str, str],
    officer: dict[str, str],
    crm: str,
    mailbox: Mailbox,
    background: Any,
    dsar_sessions: async_sessionmaker[AsyncSession],
) -> None:
    from dsar.models import RequestStep

    assert (await person.put("/api/v1/admin/connectors/crm", json=sql_connector(), headers=admin)).status_code == 200
    await verified(person, mailbox, background, type="restriction", restriction_ground="legal_claims")
    for _ in range(5):  # every try, the back-off passed
        async with dsar_sessions() as session, session.begin():
            await session.execute(update(RequestStep).values(lease_until=None))
        await background()
    [summary] = (await person.get("/api/v1/admin/requests", headers=officer)).json()
    url = f"/api/v1/admin/requests/{summary['id']}"
    [step] = [s for s in (await person.get(url, headers=officer)).json()["steps"] if s["system"] == "crm"]
    assert (step["status"], step["last_error"]) == (
        "failed",
        "the connector 'crm' maps no restricted_column to mark the person in",
    )

    engine = create_async_engine(crm, poolclass=NullPool)
    async with engine.begin() as connection:
        await connection.execute(text("ALTER TABLE crm_customers ADD COLUMN restricted BOOLEAN"))
    await engine.dispose()
    mapped = sql_connector()
    mapped["tables"][0]["restricted_column"] = "restricted"
    assert (await person.put("/api/v1/admin/connectors/crm", json=mapped, headers=officer)).status_code == 403
    assert (await person.put("/api/v1/admin/connectors/crm", json=mapped, headers=admin)).status_code == 200
    retried = await person.post(f"{url}/steps/{step['id']}/retry", headers=officer)
    assert retried.status_code == 200, retried.text
    assert (await person.post(f"{url}/steps/{step['id']}/retry", headers=officer)).status_code == 409
    await background()
    assert await crm_rows(crm, "SELECT restricted FROM crm_customers ORDER BY id") == [(True,), (None,)]
    assert (await person.get(url, headers=officer)).json()["status"] == "completed"


async def test_a_rectification_restricts_the_data_while_it_is_assessed_and_the_answer_ends_it(
    person: Client,
    admin: dict[str, str],
    officer: dict[str, str],
    crm: str,
    shop: OtherSystem,
    mailbox: Mailbox,
    background: Any,
) -> None:
    """Art. 18(1)(a): while staff check a contested accuracy, the data is restricted if the person
    asks; the answer tells them it ends, and the systems are released."""
    await restricting_systems(person, admin, crm, shop)
    connector = sql_connector()
    connector["tables"][0].update(restricted_column="restricted", rectifiable=["name"])
    assert (await person.put("/api/v1/admin/connectors/crm", json=connector, headers=admin)).status_code == 200
    corrections = [{"field": "name", "value": "Augusta Ada King"}]
    asked = {"type": "rectification", "corrections": corrections, "restrict_meanwhile": True}
    await verified(person, mailbox, background, **asked)
    await background()
    await background()
    assert await crm_rows(crm, "SELECT restricted FROM crm_customers ORDER BY id") == [(True,), (None,)]
    [summary] = (await person.get("/api/v1/admin/requests", headers=officer)).json()
    detail = (await person.get(f"/api/v1/admin/requests/{summary['id']}", headers=officer)).json()
    assert (detail["status"], detail["restriction_ground"]) == ("in_progress", "accuracy_contested")

    for step in [step for step in detail["steps"] if step["action"] == "rectify"]:
        fields = {"name": "Augusta Ada King"} if step["system"] == "crm" else {}
        decision = {"fields": fields} if fields else {"refused": "The web shop holds no name for this person."}
        url = f"/api/v1/admin/requests/{detail['id']}/steps/{step['id']}"
        decided = await person.post(url, json=decision, headers=officer)
        assert decided.status_code in (200, 201, 204), decided.text
    for _ in range(3):
        await background()
    [answer] = [message for message in mailbox.to(ADA) if "our answer" in message["Subject"]]
    assert "restriction on your data while we assessed your request ends" in body_of(answer)
    rows = await crm_rows(crm, "SELECT name, restricted FROM crm_customers ORDER BY id")
    assert rows == [("Augusta Ada King", False), ("Bob", None)], "corrected, then released"
    assert [call["action"] for call in shop.received][-1] == "unrestrict"


async def test_only_a_rectification_or_an_objection_restricts_meanwhile(person: Client) -> None:
    stray = await person.post("/api/v1/requests", json={"type": "access", "email": ADA, "restrict_meanwhile": True})
    assert stray.status_code in (400, 422) and "while it is assessed" in stray.text
