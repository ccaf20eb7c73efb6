"""Rectification (Art. 16): staff decide per system, the toolkit corrects a real SQL database's
mapped columns and asks a real HTTP system on loopback, and the person is told what changed where."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import register_system
from tests.dsar.conftest import ADA, SECRET, OtherSystem, crm_rows, other_system, sql_connector, verified
from tests.mail_fixtures import Mailbox, body_of

Client = AsyncTestClient[Litestar]


@pytest.fixture
def shop() -> Iterator[OtherSystem]:
    """A web shop that corrects what it is sent and says so."""
    with other_system(lambda call: {"corrected": sorted(call.get("fields", {}))}) as system:
        yield system


def rectifiable_crm() -> dict[str, Any]:
    connector = sql_connector()
    connector["tables"][0]["rectifiable"] = ["name", "phone"]
    return connector


async def open_request(person: Client, officer: dict[str, str]) -> dict[str, Any]:
    [summary] = (await person.get("/api/v1/admin/requests", headers=officer)).json()
    detail: dict[str, Any] = (await person.get(f"/api/v1/admin/requests/{summary['id']}", headers=officer)).json()
    return detail


def step_of(detail: dict[str, Any], system: str) -> dict[str, Any]:
    [step] = [step for step in detail["steps"] if step["system"] == system]
    return step


async def decide(person: Client, who: dict[str, str], detail: dict[str, Any], system: str, body: Any) -> Any:
    step = step_of(detail, system)
    return await person.post(f"/api/v1/admin/requests/{detail['id']}/steps/{step['id']}", json=body, headers=who)


async def test_staff_decide_per_system_and_the_toolkit_corrects_exactly_the_mapped_columns(
    person: Client,
    admin: dict[str, str],
    officer: dict[str, str],
    auditor: dict[str, str],
    crm: str,
    shop: OtherSystem,
    mailbox: Mailbox,
    background: Any,
) -> None:
    await person.put("/api/v1/admin/connectors/crm", json=rectifiable_crm(), headers=admin)
    await register_system(person, admin, "shop", "http", shop.url, SECRET)
    shop_connector = {"key": "shop", "name": "Web shop", "kind": "http", "system": "shop"}
    await person.put("/api/v1/admin/connectors/shop", json=shop_connector, headers=admin)
    asked = [{"field": "name", "value": "Ada King"}, {"field": "delivery address", "value": "12 St James's Square"}]
    granted = await verified(person, mailbox, background, type="rectification", corrections=asked)
    await background()

    detail = await open_request(person, officer)
    assert detail["corrections"] == asked
    assert {step["system"]: step["status"] for step in detail["steps"]} == {
        "crm": "awaiting_decision",
        "shop": "awaiting_decision",
    }
    assert shop.received == [], "nothing is written before staff decide"

    refused = await decide(person, officer, detail, "crm", {"fields": {"amount": "0"}})
    assert refused.status_code == 422 and refused.json()["errors"][0]["path"] == "fields.amount"
    assert (await decide(person, officer, detail, "crm", {})).status_code == 422
    assert (await decide(person, auditor, detail, "crm", {"fields": {"name": "x"}})).status_code == 403
    decided = await decide(person, officer, detail, "crm", {"fields": {"name": "Ada King"}})
    assert decided.status_code == 200, decided.text
    assert (await decide(person, officer, detail, "crm", {"fields": {"name": "Ada"}})).status_code == 409
    await decide(person, officer, detail, "shop", {"fields": {"delivery_address": "12 St James's Square"}})
    await background()
    await background()  # a second pass repeats nothing

    assert await crm_rows(crm, "SELECT email, name, phone FROM crm_customers ORDER BY id") == [
        ("Ada@Example.org", "Ada King", "+44 20 1234"),
        ("bob@example.org", "Bob", None),
    ]
    [call] = shop.received
    assert (call["action"], call["email"], call["fields"]) == (
        "rectify",
        ADA,
        {"delivery_address": "12 St James's Square"},
    )
    detail = await open_request(person, officer)
    assert (detail["status"], detail["outcome"]) == ("completed", "rectified")
    [answer] = [message for message in mailbox.to(ADA) if "our answer" in message["Subject"]]
    text = body_of(answer)
    assert "CRM: corrected name in 1 row(s) of crm_customers" in text
    assert "Web shop: corrected delivery_address" in text
    assert "complaint" not in text, "nothing was refused"
    status = await person.get(
        f"/api/v1/requests/{granted['reference']}", headers={"authorization": f"Bearer {granted['token']}"}
    )
    [completed] = [message for message in status.json()["messages"] if message["kind"] == "completed"]
    assert "CRM: corrected name" in completed["text"]


async def test_a_system_whose_data_stays_is_explained_with_the_right_to_complain(
    person: Client, admin: dict[str, str], officer: dict[str, str], mailbox: Mailbox, background: Any
) -> None:
    archive = {"key": "archive", "name": "Paper archive", "kind": "manual", "owner_email": "archivist@example.org"}
    billing = {"key": "billing", "name": "Billing", "kind": "manual", "owner_email": "billing@example.org"}
    for connector in (archive, billing):
        await person.put(f"/api/v1/admin/connectors/{connector['key']}", json=connector, headers=admin)
    await verified(person, mailbox, background, type="rectification", details="My surname is King since 1835")
    await background()
    detail = await open_request(person, officer)
    reason = "The invoice shows the name as it was on the day it was issued."
    assert (await decide(person, officer, detail, "billing", {"refused": reason})).status_code == 200
    assert (await decide(person, officer, detail, "archive", {"fields": {"surname": "King"}})).status_code == 200
    await background()

    detail = await open_request(person, officer)
    assert (detail["status"], detail["outcome"]) == ("completed", "rectified")
    [answer] = [message for message in mailbox.to(ADA) if "our answer" in message["Subject"]]
    text = body_of(answer)
    assert f"Billing: not corrected. {reason}" in text
    assert "Paper archive: corrected surname" in text
    assert "right to lodge a complaint" in text


async def test_corrections_go_only_with_a_rectification(person: Client) -> None:
    answer = await person.post(
        "/api/v1/requests",
        json={"type": "access", "email": ADA, "corrections": [{"field": "name", "value": "Ada King"}]},
    )
    assert answer.status_code in (400, 422) and "corrections go with a rectification request" in answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("spelling", ["email", "EMAIL"])
async def test_the_identity_column_cannot_be_made_rectifiable(
    person: Client, admin: dict[str, str], crm: str, spelling: str
) -> None:
    connector = sql_connector()
    connector["tables"][0]["rectifiable"] = [spelling]
    refused = await person.put("/api/v1/admin/connectors/crm", json=connector, headers=admin)
    assert refused.status_code in (400, 422) and "identity column" in refused.text


async def test_only_an_administrator_lets_the_toolkit_write_more_columns(
    person: Client, admin: dict[str, str], officer: dict[str, str], crm: str
) -> None:
    assert (await person.put("/api/v1/admin/connectors/crm", json=sql_connector(), headers=officer)).status_code == 200
    widened = await person.put("/api/v1/admin/connectors/crm", json=rectifiable_crm(), headers=officer)
    assert widened.status_code == 403
    assert (await person.put("/api/v1/admin/connectors/crm", json=rectifiable_crm(), headers=admin)).status_code == 200
    narrowed = rectifiable_crm()
    narrowed["tables"][0]["rectifiable"] = ["name"]
    assert (await person.put("/api/v1/admin/connectors/crm", json=narrowed, headers=officer)).status_code == 200


async def test_a_decision_is_taken_once_even_when_sent_twice_at_once(
    person: Client, admin: dict[str, str], officer: dict[str, str], crm: str, mailbox: Mailbox, background: Any
) -> None:
    await person.put("/api/v1/admin/connectors/crm", json=rectifiable_crm(), headers=admin)
    await verified(person, mailbox, background, type="rectification", details="My name is Ada King")
    await background()
    detail = await open_request(person, officer)
    both = await decide(
        person, officer, detail, "crm", {"fields": {"name": "Ada King"}, "refused": "Not so, as we know."}
    )
    assert both.status_code == 422 and both.json()["errors"][0]["path"] == "refused"
    refusal = {"refused": "The name matches the contract the person signed."}
    answers = await asyncio.gather(*[decide(person, officer, detail, "crm", refusal) for _ in range(4)])
    assert sorted(answer.status_code for answer in answers) == [200, 409, 409, 409]
    await background()
    assert len([m for m in mailbox.to(ADA) if "our answer" in m["Subject"]]) == 1
