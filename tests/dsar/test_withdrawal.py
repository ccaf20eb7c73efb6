"""Consents the organisation collects itself (Art. 7): recorded with their proof, in the access
package, and withdrawn by the person as easily as given, reaching a real HTTP system on loopback."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dsar.models import RecordedConsent, Suppression
from tests.conftest import register_system
from tests.dsar.conftest import ADA, SECRET, OtherSystem, download, verified
from tests.dsar.test_objection import mailer  # noqa: F401 (the newsletter tool, as a fixture)
from tests.mail_fixtures import Mailbox, body_of

Client = AsyncTestClient[Litestar]

SIGN_UP = {
    "email": ADA,
    "activity": "marketing-prospects",
    "wording": "Yes, send me the monthly newsletter. I can unsubscribe at any time.",
    "source": "Footer sign-up form on example.org",
}


async def test_a_consent_given_on_a_form_is_proven_in_the_package_and_withdrawn_everywhere(
    person: Client,
    admin: dict[str, str],
    officer: dict[str, str],
    mailer: OtherSystem,  # noqa: F811
    mailbox: Mailbox,
    background: Any,
    dsar_sessions: async_sessionmaker[AsyncSession],
) -> None:
    given_at = (datetime.now(UTC) - timedelta(days=30)).isoformat()
    recorded = await person.post("/api/v1/admin/consents", json={**SIGN_UP, "given_at": given_at}, headers=officer)
    assert recorded.status_code == 201, recorded.text
    not_consent = await person.post(
        "/api/v1/admin/consents", json={**SIGN_UP, "activity": "billing", "given_at": given_at}, headers=officer
    )
    assert not_consent.status_code == 422 and not_consent.json()["errors"][0]["path"] == "activity"

    access = await verified(person, mailbox, background)
    await background()
    await background()
    data = json.loads(zipfile.ZipFile(io.BytesIO((await download(person, access)).content)).read("data.json"))
    [proof] = data["privacy-toolkit"]["consent"]["consents_given"]
    assert (proof["wording"], proof["withdrawn_at"]) == (SIGN_UP["wording"], None)
    await register_system(person, admin, "mailer", "http", mailer.url, SECRET)
    newsletter = {"key": "mailer", "name": "Newsletter", "kind": "http", "system": "mailer"}
    newsletter["activities"] = ["marketing-prospects"]  # type: ignore[assignment]
    assert (await person.put("/api/v1/admin/connectors/mailer", json=newsletter, headers=admin)).status_code == 200

    await verified(person, mailbox, background, type="withdrawal")
    await background()
    await background()
    [call] = mailer.received
    assert (call["action"], call["email"], call["activities"]) == ("suppress", ADA, ["marketing-prospects"])
    async with dsar_sessions() as session:
        consent = await session.scalar(select(RecordedConsent))
        assert consent is not None and consent.withdrawn_at is not None, "the proof stays, marked withdrawn"
        assert set(await session.scalars(select(Suppression.activity))) == {"marketing-prospects"}
    [answer] = [message for message in mailbox.to(ADA) if "our answer" in message["Subject"]][-1:]
    assert "Newsletter for prospects: your consent is withdrawn" in body_of(answer)


async def test_the_consents_to_withdraw_go_only_with_a_withdrawal(person: Client) -> None:
    stray = await person.post("/api/v1/requests", json={"type": "access", "email": ADA, "withdraw": ["newsletter"]})
    assert stray.status_code in (400, 422) and "withdrawal" in stray.text
