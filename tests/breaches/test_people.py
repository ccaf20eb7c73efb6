"""Telling the people affected (Art. 34): only where the risk to them is high, unless an exception
of Art. 34(3) is recorded; each person once, in their language, through the real SMTP server."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.breaches.test_api import recorded
from tests.conftest import register_system
from tests.dsar.conftest import CRM, CRM_TABLES, run_sql, sql_connector
from tests.mail_fixtures import Mailbox, body_of

Client = AsyncTestClient[Litestar]
ADVICE = {"advice": "Change your password and beware of emails asking for it."}


async def test_people_are_told_once_each_in_their_language_and_the_deliveries_counted(
    web: Client, officer: dict[str, str], mailbox: Mailbox, background: Any
) -> None:
    created = await recorded(web, officer, high_risk=True, **ADVICE)
    url = f"/api/v1/admin/breaches/{created['id']}/people"
    people = [{"email": "ada@example.org", "language": "en"}, {"email": "grete@example.de", "language": "de"}]
    first = await web.post(url, json={"people": people}, headers=officer)
    assert first.status_code == 200, first.text
    assert first.json() == {"queued": 2, "already": 0}
    again = await web.post(url, json={"people": [*people, {"email": "Ada@Example.org"}]}, headers=officer)
    assert again.json() == {"queued": 0, "already": 3}, "nobody is written to twice"
    await background()

    [english] = mailbox.to("ada@example.org")
    assert "an incident concerning your personal data" in english["Subject"]
    assert "Change your password" in body_of(english) and "dpo@nordlicht-hosting.example" in body_of(english)
    [german] = mailbox.to("grete@example.de")
    assert "Was geschehen ist" in body_of(german) and "Datenschutz-Aufsichtsbehörde" in body_of(german)
    shown = (await web.get(f"/api/v1/admin/breaches/{created['id']}", headers=officer)).json()
    assert shown["people_told"] == {"queued": 2, "sent": 2, "failed": 0}


async def test_people_are_told_only_of_a_high_risk_and_an_exception_is_documented(
    web: Client, officer: dict[str, str]
) -> None:
    low = await recorded(web, officer)
    refused = await web.post(
        f"/api/v1/admin/breaches/{low['id']}/people", json={"people": [{"email": "ada@example.org"}]}, headers=officer
    )
    assert refused.status_code == 409 and "high" in refused.json()["detail"]
    unexplained = await web.post(
        "/api/v1/admin/breaches",
        json={**_body(low), "high_risk": True, "no_communication": "unintelligible"},
        headers=officer,
    )
    assert unexplained.status_code in (400, 422) and "Art. 34(3)" in unexplained.text
    reason = "The stolen disk was encrypted (AES-256) and the key is held apart."
    excepted = await recorded(
        web, officer, high_risk=True, no_communication="unintelligible", no_communication_reason=reason
    )
    told = await web.post(
        f"/api/v1/admin/breaches/{excepted['id']}/people",
        json={"people": [{"email": "ada@example.org"}]},
        headers=officer,
    )
    assert told.status_code == 409


def _body(created: dict[str, Any]) -> dict[str, Any]:
    fields = ("aware_at", "summary", "nature", "activities", "data_categories")
    return {key: created[key] for key in fields}


async def test_everyone_a_linked_system_holds_is_found_through_its_connector_and_told_once(
    web: Client,
    officer: dict[str, str],
    admin: dict[str, str],
    other_database: str,
    mailbox: Mailbox,
    background: Any,
) -> None:
    await run_sql(other_database, *[f"DROP TABLE IF EXISTS {name}" for name in CRM], *CRM_TABLES.strip().split(";\n"))
    await run_sql(other_database, "INSERT INTO crm_tickets VALUES (4, 'written on a napkin', 'Call me')")
    await register_system(web, admin, "crm", "sql", other_database)
    assert (await web.put("/api/v1/admin/connectors/crm", json=sql_connector(), headers=admin)).status_code == 200
    manual = {"key": "paper", "name": "Paper files", "kind": "manual", "activities": ["customer-support"]}
    paper = await web.put(
        "/api/v1/admin/connectors/paper", json={**manual, "owner_email": "files@example.org"}, headers=admin
    )
    assert paper.status_code == 200, paper.text
    created = await recorded(web, officer, high_risk=True, activities=["customer-support"], **ADVICE)
    url = f"/api/v1/admin/breaches/{created['id']}/people/gather"

    first = await web.post(url, headers=officer)
    assert first.status_code == 200, first.text
    assert first.json() == {"queued": 2, "already": 0, "found": {"CRM": 3}, "unusable": 1, "by_hand": ["Paper files"]}
    again = await web.post(url, headers=officer)
    assert (again.json()["queued"], again.json()["already"]) == (0, 2), "nobody is written to twice"
    await background()
    assert len(mailbox.to("ada@example.org")) == len(mailbox.to("bob@example.org")) == 1
    assert "Change your password" in body_of(mailbox.to("bob@example.org")[0])
    await run_sql(other_database, *[f"DROP TABLE IF EXISTS {name}" for name in CRM])
