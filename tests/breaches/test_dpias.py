"""DPIAs (Art. 35-36): screening with the WP29 criteria, the assessment in versions, signed off
after the DPO's advice, the register's status and gaps following it, the review reminded once,
prior consultation flagged, the PDF, and auditors who only read."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from breaches.dpia_models import Dpia
from privacy.actors import Role
from tests.conftest import add_user
from tests.dsar.conftest import pdf_text
from tests.mail_fixtures import Mailbox

Client = AsyncTestClient[Litestar]
ACTIVITY = "web-analytics"


def risk(residual: str = "limited") -> dict[str, str]:
    return {
        "description": "Visitors' browsing tracked across sites",
        "likelihood": "significant",
        "severity": "significant",
        "measures": "Self-hosted analytics, IP addresses truncated, no cross-site identifiers",
        "residual_likelihood": residual,
        "residual_severity": "limited",
    }


def assessment(**fields: Any) -> dict[str, Any]:
    return {
        "description": "Audience measurement of the website with a self-hosted tool.",
        "necessity": "Only aggregated page views are kept; no profile of any visitor is built.",
        "risks": [risk()],
        **fields,
    }


async def gaps_of(web: Client, headers: dict[str, str], key: str = ACTIVITY) -> list[str]:
    activities = (await web.get("/api/v1/admin/activities", headers=headers)).json()
    return [gap["message"] for activity in activities if activity["key"] == key for gap in activity["gaps"]]


async def dpia_status(web: Client, headers: dict[str, str], key: str = ACTIVITY) -> str:
    listed = (await web.get("/api/v1/admin/dpias", headers=headers)).json()
    return str(next(item["status"] for item in listed if item["activity"] == key))


async def test_two_criteria_suggest_a_dpia_and_a_decision_against_them_is_reasoned(
    web: Client, officer: dict[str, str]
) -> None:
    url = f"/api/v1/admin/dpias/{ACTIVITY}/screening"
    one = await web.post(url, json={"criteria": ["systematic_monitoring"]}, headers=officer)
    assert one.status_code == 201, one.text
    assert (one.json()["suggested_required"], one.json()["required"]) == (False, False)
    assert await dpia_status(web, officer) == "not_required"

    two = {"criteria": ["systematic_monitoring", "large_scale"]}
    unreasoned = await web.post(url, json={**two, "required": False}, headers=officer)
    assert unreasoned.status_code in (400, 422) and "reason" in unreasoned.text
    required = await web.post(url, json=two, headers=officer)
    assert (required.json()["suggested_required"], required.json()["required"]) == (True, True)
    assert required.json()["decided_by"]
    assert await dpia_status(web, officer) == "required"
    assert "Art. 35: a DPIA is required but has not started" in await gaps_of(web, officer)


async def test_an_assessment_is_signed_off_after_the_dpos_advice_and_kept_in_versions(
    web: Client, officer: dict[str, str], auditor: dict[str, str]
) -> None:
    url = f"/api/v1/admin/dpias/{ACTIVITY}"
    saved = await web.put(url, json=assessment(), headers=officer)
    assert saved.status_code == 200, saved.text
    assert (saved.json()["version"], saved.json()["status"]) == (1, "draft")
    assert await dpia_status(web, officer) == "in_progress"
    early = await web.post(f"{url}/sign-off", json={"signed_by": "Managing director"}, headers=officer)
    assert early.status_code == 422
    assert {error["path"] for error in early.json()["errors"]} == {"dpo_opinion", "review_on"}

    review_on = (date.today() + timedelta(days=365)).isoformat()
    advised = assessment(dpo_opinion="Proportionate with the truncation in place.", review_on=review_on)
    await web.put(url, json=advised, headers=officer)
    signed = await web.post(f"{url}/sign-off", json={"signed_by": "Managing director"}, headers=officer)
    assert signed.status_code == 200, signed.text
    assert (signed.json()["status"], signed.json()["prior_consultation"]) == ("signed_off", False)
    activities = (await web.get("/api/v1/admin/activities", headers=auditor)).json()
    [dpia] = [activity["dpia"] for activity in activities if activity["key"] == ACTIVITY]
    assert dpia["status"] == "completed" and dpia["review_on"] == review_on
    assert "DPIA version 2, signed off" in dpia["reference"] and "Managing director" in dpia["reference"]
    assert not [gap for gap in await gaps_of(web, officer) if "DPIA" in gap or "35" in gap]

    changed = await web.put(url, json={**advised, "risks": [risk("maximum")]}, headers=officer)
    assert (changed.json()["version"], changed.json()["status"]) == (3, "draft")
    assert changed.json()["prior_consultation"] is True, "Art. 36: a high risk remains"
    assert await dpia_status(web, officer) == "in_progress", "changed: no longer the signed-off assessment"
    versions = (await web.get(f"{url}/versions", headers=auditor)).json()
    assert [(v["version"], v["status"]) for v in versions] == [
        (1, "draft"),
        (2, "draft"),
        (2, "signed_off"),
        (3, "draft"),
    ]
    pdf = await web.get(f"{url}/pdf", headers=auditor)
    text = " ".join(pdf_text(pdf.content).split())
    assert "Visitors' browsing tracked across sites" in text and "consulted before the processing starts" in text
    for answer in (
        await web.put(url, json=advised, headers=auditor),
        await web.post(f"{url}/sign-off", json={"signed_by": "x"}, headers=auditor),
        await web.post(f"{url}/screening", json={"criteria": []}, headers=auditor),
    ):
        assert answer.status_code == 403


async def test_a_review_coming_due_is_reminded_once_and_shown_as_a_gap(
    web: Client,
    officer: dict[str, str],
    mailbox: Mailbox,
    background: Any,
    breach_sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_user(breach_sessions, "dpo@example.org", Role.PRIVACY_OFFICER)
    url = f"/api/v1/admin/dpias/{ACTIVITY}"
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    await web.put(url, json=assessment(dpo_opinion="Fine.", review_on=yesterday), headers=officer)
    assert (await web.post(f"{url}/sign-off", json={"signed_by": "CEO"}, headers=officer)).status_code == 200
    await background()
    await background()
    [reminder] = mailbox.to("dpo@example.org")
    assert "DPIA of web-analytics: its review is due" in reminder["Subject"]
    assert "Art. 35(11): the DPIA's review is overdue" in await gaps_of(web, officer)
    listed = (await web.get("/api/v1/admin/dpias", headers=officer)).json()
    assert next(item for item in listed if item["activity"] == ACTIVITY)["review_overdue"] is True
    async with breach_sessions() as session, session.begin():
        await session.execute(update(Dpia).values(review_on=date.today() + timedelta(days=30)))
    await background()
    assert len(mailbox.to("dpo@example.org")) == 1
