"""Art. 19: the recipients of the person's data, from the register, are listed on a rectification,
erasure or restriction; staff say each was told or why not; the person can see who they are."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.dsar.conftest import sql_connector, verified
from tests.mail_fixtures import Mailbox

Client = AsyncTestClient[Litestar]


async def test_the_recipients_of_the_linked_activities_are_listed_and_each_answered_once(
    person: Client, admin: dict[str, str], officer: dict[str, str], crm: str, mailbox: Mailbox, background: Any
) -> None:
    await person.put("/api/v1/admin/connectors/crm", json=sql_connector(), headers=admin)  # support and billing
    granted = await verified(person, mailbox, background, type="erasure")
    [summary] = (await person.get("/api/v1/admin/requests", headers=officer)).json()
    url = f"/api/v1/admin/requests/{summary['id']}"
    listed = {(r["name"], r["kind"]): r for r in (await person.get(url, headers=officer)).json()["recipients"]}
    assert set(listed) == {
        ("Payment service providers", "recipient"),
        ("Tax advisers", "recipient"),
        ("Tax authorities", "recipient"),
        ("Support desk software provider", "recipient"),
        ("Stripe Payments Europe, Ltd.", "sub-processor"),
        ("Zendesk, Inc.", "sub-processor"),
    }, "the recipients of billing and support, and their sub-processors; not marketing's"
    stripe = listed[("Stripe Payments Europe, Ltd.", "sub-processor")]["id"]
    authorities = listed[("Tax authorities", "recipient")]["id"]
    told = await person.post(f"{url}/recipients/{stripe}", json={"informed": True}, headers=officer)
    assert told.status_code == 200, told.text
    assert (
        await person.post(f"{url}/recipients/{stripe}", json={"informed": True}, headers=officer)
    ).status_code == 409
    no_reason = await person.post(f"{url}/recipients/{authorities}", json={"informed": False}, headers=officer)
    assert no_reason.status_code in (400, 422)
    not_told = await person.post(
        f"{url}/recipients/{authorities}", json={"informed": False, "reason": "impossible"}, headers=officer
    )
    marked = {r["name"]: (r["status"], r["reason"]) for r in not_told.json()["recipients"]}
    assert marked["Stripe Payments Europe, Ltd."] == ("informed", None)
    assert marked["Tax authorities"] == ("not_informed", "impossible")

    status = await person.get(
        f"/api/v1/requests/{granted['reference']}", headers={"authorization": f"Bearer {granted['token']}"}
    )
    assert "Zendesk, Inc." in status.json()["recipients"]


async def test_an_access_request_has_no_one_to_tell(
    person: Client, officer: dict[str, str], mailbox: Mailbox, background: Any
) -> None:
    await verified(person, mailbox, background)
    [summary] = (await person.get("/api/v1/admin/requests", headers=officer)).json()
    assert (await person.get(f"/api/v1/admin/requests/{summary['id']}", headers=officer)).json()["recipients"] == []
