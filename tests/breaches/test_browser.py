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
    page.get_by_label("Contact details").check()
    page.get_by_label("Approximate number of people affected (optional)").fill("40")
    page.get_by_role("button", name="Record the breach").click()

    expect(page.get_by_role("heading", name=re.compile(r"Breach B-"))).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="The breach is recorded")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text=re.compile(r"is due in 6[67] hours"))).to_be_visible()
    expect(page.get_by_role("definition").filter(has_text="Contact details")).to_be_visible()
    assert_accessible(page)
    pdf = page.request.get(
        page.get_by_role("link", name=re.compile("The notification document")).get_attribute("href") or ""
    )
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    page.get_by_label("Sent (date and time, UTC)").fill(datetime.now(UTC).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Record the notification").click()
    expect(page.get_by_role("status").filter(has_text="has been notified")).to_be_visible()
    expect(page.get_by_role("cell", name="Initial notification")).to_be_visible()
    authority = page.get_by_role("group", name=re.compile("Notifying the lead supervisory authority"))
    expect(authority.get_by_label("Decision")).to_have_value("true")  # the notification made is the decision
    people = page.get_by_role("group", name=re.compile("Telling the people affected"))
    people.get_by_label("Decision").select_option("true")
    page.get_by_label("What they can do to protect themselves (in the letter)").fill("Beware of fake invoices.")
    page.get_by_role("button", name="Record what is known now").click()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    page.get_by_label(re.compile("One person a line")).fill("ada@example.org,en\ngrete@example.de,de")
    assert_accessible(page)
    page.get_by_role("button", name="Write to them (each once)").click()
    expect(page.get_by_text(re.compile("Letters queued: 2"))).to_be_visible()


def test_an_officer_screens_an_activity_and_signs_off_its_dpia(
    page: Page, settings: Settings, live_server: LiveServer
) -> None:
    sign_in_to_demo(page, settings, email="dpo@example.org", role="privacy_officer")
    page.goto("/console/dpias")
    assert_accessible(page)
    page.get_by_role("link", name="Website analytics").click()
    page.get_by_label("Systematic monitoring").check()
    page.get_by_label("Data processed on a large scale").check()
    page.get_by_role("button", name="Record the screening").click()
    expect(page.get_by_role("status").filter(has_text="The screening is recorded")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="In the register: required")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Last screened .* by dpo@example.org: 2 criteria"))).to_be_visible()
    page.get_by_label("The processing and its purposes, described").fill("Page views measured with a self-hosted tool.")
    page.get_by_label("Necessity and proportionality").fill("Only aggregated figures are kept.")
    page.locator("#risk0-likelihood").select_option("significant")
    page.locator("#risk0-severity").select_option("significant")
    page.locator("#risk0-measures").fill("IP addresses truncated; no cross-site identifiers.")
    page.get_by_role("button", name="Save a new version").click()
    expect(page.get_by_role("alert")).to_contain_text("Risks, item 1, residual likelihood")  # none chosen for them
    page.locator("#risk0-residual_likelihood").select_option("limited")
    page.locator("#risk0-residual_severity").select_option("limited")
    page.get_by_label("The data protection officer's advice").fill("Proceed, with the human review documented.")
    page.get_by_label("Review by").fill("2027-12-01")
    page.get_by_role("button", name="Save a new version").click()
    expect(page.get_by_role("status").filter(has_text="version 1 is not signed off yet")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Who accepts the remaining risk for the organisation").fill("Managing director")
    page.get_by_role("button", name="Sign off version 1").click()
    expect(page.get_by_role("status").filter(has_text="In the register: completed")).to_contain_text(
        re.compile("signed off [0-9-]+ by Managing director")
    )
