"""The console's breach register in headless Chromium: record a breach, see its clock and the
notification document, record the notification (axe clean throughout)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from privacy.settings import Settings
from tests.browser_fixtures import LiveServer, sign_in_to_demo

pytestmark = pytest.mark.browser


def assert_accessible(page: Page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_an_officer_records_a_breach_and_its_notification(
    page: Page, settings: Settings, live_server: LiveServer
) -> None:
    sign_in_to_demo(page, settings, email="dpo@example.org", role="privacy_officer")
    page.goto("/console/breaches")
    expect(page.get_by_role("heading", name="Breaches", exact=True)).to_be_visible()
    assert_accessible(page)
    aware = (datetime.now(UTC) - timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label(re.compile("When the organisation became aware")).fill(aware)
    page.get_by_label("What happened, in a line").fill("Misdirected email with an invoice list")
    page.get_by_label(re.compile("^Confidentiality")).check()
    page.get_by_label("Billing and accounting").check()
    page.get_by_label("Approximate number of people affected (optional)").fill("40")
    page.get_by_role("button", name="Record the breach").click()

    expect(page.get_by_role("heading", name=re.compile(r"Breach B-"))).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"is due in 6[67] hours"))
    assert_accessible(page)
    pdf = page.request.get(
        page.get_by_role("link", name=re.compile("The notification document")).get_attribute("href") or ""
    )
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    page.get_by_label("Sent (date and time, UTC)").fill(datetime.now(UTC).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Record the notification").click()
    expect(page.get_by_role("status")).to_contain_text("has been notified")
    expect(page.get_by_role("cell", name="initial")).to_be_visible()
    page.get_by_label(re.compile("Likely to result in a high risk to them")).check()
    page.get_by_label("What they can do to protect themselves (in the letter)").fill("Beware of fake invoices.")
    page.get_by_role("button", name="Record what is known now").click()
    page.get_by_label(re.compile("One person a line")).fill("ada@example.org,en\ngrete@example.de,de")
    assert_accessible(page)
    page.get_by_role("button", name="Write to them (each once)").click()
    expect(page.get_by_text(re.compile("Letters queued: 2"))).to_be_visible()
