"""The public sub-processor page and the subscription link in headless Chromium, with mail to a
real SMTP server; the console's overview."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from privacy.settings import Settings
from tests.browser_fixtures import LiveServer, sign_in_to_demo
from tests.mail_fixtures import Mailbox, body_of

pytestmark = pytest.mark.browser


def assert_accessible(page: Page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_visitor_reads_the_list_subscribes_and_confirms_from_the_email(
    page: Page, settings: Settings, live_server: LiveServer, live_mailbox: Mailbox
) -> None:
    sign_in_to_demo(page, settings, email="subs@example.org", role="auditor")  # loads the demo organisation
    page.get_by_role("link", name="Sub-processors").click()
    expect(page.get_by_role("heading", name="Sub-processors")).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile("Stripe Payments Europe"))).to_be_visible()
    assert_accessible(page)

    visitor = page.context.browser.new_context(base_url=live_server.url).new_page()  # type: ignore[union-attr]
    visitor.goto("/privacy/subprocessors")
    expect(visitor.get_by_role("row", name=re.compile("Hetzner Online GmbH"))).to_contain_text("Germany, Finland")
    expect(visitor.get_by_role("row", name=re.compile("Zendesk"))).to_contain_text("Standard Contractual Clauses")
    assert_accessible(visitor)
    visitor.get_by_label("Email").fill("reader@customer.example")
    visitor.get_by_role("button", name="Subscribe").click()
    expect(visitor.get_by_role("status")).to_contain_text("confirm")

    [message] = live_mailbox.wait_for("reader@customer.example")
    link = re.search(r"http://\S+/privacy/subprocessors/subscription\?token=\S+", body_of(message))
    assert link, "the confirmation carries its link"
    visitor.goto(link.group(0).replace(settings.public_url, live_server.url))
    assert_accessible(visitor)
    visitor.get_by_role("button", name="Confirm my subscription").click()
    expect(visitor.get_by_role("status")).to_contain_text("confirmed")
    visitor.goto(link.group(0).replace(settings.public_url, live_server.url))
    visitor.get_by_role("button", name="Unsubscribe").click()
    expect(visitor.get_by_role("status")).to_contain_text("unsubscribed")
    visitor.goto(link.group(0).replace(settings.public_url, live_server.url))
    visitor.get_by_role("button", name="Confirm my subscription").click()
    expect(visitor.get_by_role("alert")).to_contain_text("not (or no longer) valid")
    assert_accessible(visitor)


def test_officer_announces_a_retirement_from_the_console(
    page: Page, settings: Settings, live_server: LiveServer
) -> None:
    sign_in_to_demo(page, settings, email="officer-subs@example.org", role="privacy_officer")
    page.goto("/console/subprocessors")
    assert_accessible(page)
    row = page.get_by_role("row", name=re.compile("Zendesk"))
    earliest = (date.today() + timedelta(days=30)).isoformat()
    expect(row.get_by_label("Effective on")).to_have_attribute("min", earliest)  # the notice period, at the least
    row.get_by_label("Summary for subscribers").fill("Support moves in-house")
    row.get_by_role("button", name="Announce retirement Zendesk, Inc.").click()
    expect(page.get_by_role("row", name=re.compile("Zendesk"))).to_contain_text(f"retire on {earliest}")
    page.goto("/privacy/subprocessors")
    expect(page.get_by_role("region", name="Announced changes")).to_contain_text("Leaving: Zendesk, Inc.")

    page.goto("/console/subprocessors")
    page.get_by_role("row", name=re.compile("Matomo")).get_by_role(
        "button", name=re.compile("^Announce InnoCraft")
    ).click()
    expect(page.get_by_role("row", name=re.compile("Matomo"))).to_contain_text(f"activate on {earliest}")
    customer = page.context.browser.new_context(base_url=live_server.url).new_page()  # type: ignore[union-attr]
    customer.goto("/privacy/subprocessors")
    objection = customer.get_by_role("form", name="Object to InnoCraft Ltd (Matomo Cloud)")
    assert_accessible(customer)
    objection.get_by_label("Your organisation").fill("Customer AG")
    objection.get_by_label("Your email").fill("legal@customer.example")
    objection.get_by_label("Why you object").fill("No analytics vendors outside our list")
    objection.get_by_role("button", name="Send objection to InnoCraft Ltd (Matomo Cloud)").click()
    expect(customer.get_by_role("status")).to_contain_text("Your objection is recorded")
    page.reload()
    expect(page.get_by_role("table", name="Objections")).to_contain_text("No analytics vendors outside our list")
