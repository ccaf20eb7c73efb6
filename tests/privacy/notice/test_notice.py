"""The privacy notice: generated from the records, published as versions, in HTML and PDF, and a
material change making the consent banner ask again."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from datetime import date
from importlib import resources
from typing import Any

import pytest
import yaml
from babel.dates import format_date
from litestar import Litestar
from litestar.testing import AsyncTestClient
from pypdf import PdfReader

from privacy.settings import Settings
from tests.conftest import app_with_demo, client_of

Client = AsyncTestClient[Litestar]
DEMO = yaml.safe_load(resources.files("privacy").joinpath("demo.yaml").read_text())
CONTROLLER_ACTIVITIES = [a for a in DEMO["activities"] if a.get("role", "controller") != "processor"]
IN_USE = [s for s in DEMO["subprocessors"] if s.get("active_since")]  # a proposed one is not in the notice
BASES = {
    "consent": "Your consent (Art. 6(1)(a) GDPR)",
    "contract": "Performing our contract with you (Art. 6(1)(b) GDPR)",
    "legal_obligation": "A legal obligation (Art. 6(1)(c) GDPR)",
    "legitimate_interests": "Our legitimate interests (Art. 6(1)(f) GDPR)",
}


@pytest.fixture
async def web(settings: Settings) -> AsyncIterator[Client]:
    async with client_of(await app_with_demo(settings)) as client:
        yield client


def words(text: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", text).replace("&#39;", "'").split())


async def publish(web: Client, headers: dict[str, str], summary: str, *, material: bool = False) -> dict[str, object]:
    answer = await web.post(
        "/api/v1/admin/notice/versions", json={"summary": summary, "material": material}, headers=headers
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


async def test_the_notice_states_what_the_records_hold(web: Client, officer: dict[str, str]) -> None:
    assert (await web.get("/privacy")).status_code == 404, "nothing is shown before the first publication"
    await publish(web, officer, "First version")
    page = await web.get("/privacy")
    assert page.status_code == 200
    text = words(page.text)
    assert f"Last updated: {format_date(date.today(), format='long', locale='en')} (version 1)" in text
    organisation = DEMO["organisation"]
    for fact in (organisation["legal_name"], organisation["address"], organisation["dpo"]["email"]):
        assert fact in text
    assert f"Our lead supervisory authority is {organisation['lead_supervisory_authority']}" in text
    for activity in CONTROLLER_ACTIVITIES:
        start = text.index(activity["name"])
        row = text[start : start + 900]  # the purpose's row: its data, then each basis with what it covers
        for use in activity.get("lawful_bases") or [{"basis": activity["lawful_basis"]}]:
            assert BASES[use["basis"]] in row, activity["name"]
            assert use.get("covers", {}).get("note", "") in row, activity["name"]
    for category in ("Billing and payment details", "Usage and activity data (logs, events)"):
        assert category in text
    for subprocessor in DEMO["subprocessors"]:
        assert (subprocessor["name"] in text) == (subprocessor in IN_USE), subprocessor["key"]
    assert "United States Stripe Payments Europe, Ltd. EU-US Data Privacy Framework" in text
    assert "Zendesk, Inc. Standard Contractual Clauses (Commission Decision (EU) 2021/914)" in text
    assert "For audience measurement exempt from consent, in France: Our legitimate interests" in text
    assert "Backups" in text and "Germany, encrypted" in text and "Finland, encrypted" in text
    assert "Data we erase leaves the backups within 12 months" in text, "the off-site archive's monthly copies"
    legal_claims = next(a["name"] for a in DEMO["activities"] if a["key"] == "legal-claims")
    assert f"{legal_claims}: 1 year after our reply" in text
    assert "Records of cookie choices: 3 years after collection" in text
    assert "Emails we sent you: 90 days after collection" in text
    for rule in DEMO["retention"]["rules"]:  # never a rule's key, nor an ISO 8601 duration
        assert rule["key"] not in text and rule["period"] not in text
    cookies = [cookie for service in DEMO["consent"]["services"] for cookie in service.get("cookies", [])]
    assert cookies and all(c["name"] in text for c in cookies if not c.get("pattern"))
    assert "names starting with _pk_id." in text and "^_pk_id" not in text, "a pattern in words"
    advertising = next(s for s in DEMO["consent"]["services"] if any(c.get("party") == "third" for c in s["cookies"]))
    assert f"13 months {advertising['vendor']}" in text, "a third party's cookie is set by the vendor"
    assert "/privacy/requests" in page.text and "within one month" in text and "two further months" in text


async def test_publishing_keeps_versions_and_a_material_change_asks_for_consent_again(
    web: Client, officer: dict[str, str], auditor: dict[str, str]
) -> None:
    await publish(web, officer, "First version")
    unchanged = await web.post("/api/v1/admin/notice/versions", json={"summary": "Again"}, headers=officer)
    assert unchanged.status_code == 409
    forbidden = await web.post("/api/v1/admin/notice/versions", json={"summary": "x"}, headers=auditor)
    assert forbidden.status_code == 403
    decision = (await web.get("/api/v1/consent/decision", params={"site": "www"})).json()
    assert decision["policy_version"] != "notice-2"

    billing = next(a for a in DEMO["activities"] if a["key"] == "billing")
    changed = {**billing, "name": "Invoicing and payments"}
    assert (await web.put("/api/v1/admin/activities/billing", json=changed, headers=officer)).status_code == 200
    preview = (await web.get("/api/v1/admin/notice/preview", headers=auditor)).json()
    assert preview["changed_since_latest"] is True
    second = await publish(web, officer, "Billing renamed", material=True)
    assert second["version"] == 2 and second["material"] is True

    latest = words((await web.get("/privacy")).text)
    assert "Invoicing and payments" in latest and "(version 2)" in latest
    history = latest[latest.index("Revision history") :]
    assert history.index("Billing renamed") < history.index("First version"), "the revision history, newest first"
    first = words((await web.get("/privacy", params={"version": 1})).text)
    assert "Billing and accounting" in first and "Invoicing and payments" not in first
    assert (await web.get("/privacy", params={"version": 9})).status_code == 404
    versions = (await web.get("/api/v1/admin/notice/versions", headers=auditor)).json()
    assert [v["version"] for v in versions] == [2, 1] and versions[0]["content_hash"] != versions[1]["content_hash"]
    await web.get("/api/v1/consent/decision", params={"site": "www"})  # the set-up cache refreshes on its own
    consent_setup = (await web.get("/api/v1/admin/consent/setup", headers=auditor)).json()
    assert consent_setup["policy_version"] == "notice-2", "the banner asks again under the new policy version"


async def test_the_pdf_says_what_the_page_says_in_english_and_german(web: Client, officer: dict[str, str]) -> None:
    await publish(web, officer, "First version")
    english = await web.get("/privacy.pdf")
    assert english.status_code == 200 and english.headers["content-type"] == "application/pdf"
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(english.content)).pages).split())
    assert text.startswith("Privacy notice Last updated")
    for activity in CONTROLLER_ACTIVITIES:
        assert activity["name"] in text, activity["name"]
    for subprocessor in IN_USE:
        assert subprocessor["name"] in text
    german = await web.get("/privacy.pdf", params={"lang": "de"})
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(german.content)).pages).split())
    assert text.startswith("Datenschutzerklärung Zuletzt aktualisiert")
    assert "Erfüllung unseres Vertrags mit Ihnen (Art. 6 Abs. 1 lit. b DSGVO)" in text
    assert "Ihr Beschwerderecht" in text


async def test_a_french_organisations_notice_tells_of_directives_after_death(
    settings: Settings, officer: dict[str, str]
) -> None:
    """Art. 85 loi Informatique et Libertés: the right exists in France, so the notice says so there
    (and the privacy centre takes such directives); elsewhere it says nothing of it."""

    def in_france(demo: Any) -> Any:
        return demo.model_copy(update={"organisation": demo.organisation.model_copy(update={"country": "FR"})})

    async with client_of(await app_with_demo(settings, in_france)) as french:
        await publish(french, officer, "First version")
        assert "directives on what becomes of your data after your death" in words((await french.get("/privacy")).text)
        assert 'value="directive"' in (await french.get("/privacy/requests")).text
    async with client_of(await app_with_demo(settings)) as german:
        await publish(german, officer, "First version")
        assert "after your death" not in words((await german.get("/privacy")).text)
