"""The privacy centre and the request inbox in headless Chromium, with mail to a real SMTP server."""

from __future__ import annotations

import calendar
import io
import re
import zipfile
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

import holidays
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


def latest_code(mailbox: Mailbox, address: str, count: int) -> str:
    messages = mailbox.wait_for(address, count)
    assert len(messages) >= count, "the code arrived by email"
    found = re.search(r"(\d{6})", body_of(messages[-1]))
    assert found
    return found.group(1)


def test_person_asks_for_their_data_proves_the_email_and_downloads_it(
    page: Page, settings: Settings, live_server: LiveServer, live_mailbox: Mailbox
) -> None:
    sign_in_to_demo(page, settings, email="staff@example.org", role="admin")  # loads the demo organisation
    person = page.context.browser.new_context(base_url=live_server.url, accept_downloads=True).new_page()  # type: ignore[union-attr]
    hosts: set[str] = set()
    person.on("request", lambda request: hosts.add(urlparse(request.url).netloc))

    person.goto("/privacy/requests?lang=de")
    expect(person.get_by_role("heading", name="Ihre personenbezogenen Daten")).to_be_visible()
    person.get_by_role("link", name="English").click()
    expect(person.get_by_role("heading", name="Your personal data")).to_be_visible()
    assert_accessible(person)

    person.get_by_label("A copy of my data (access)").check()
    person.get_by_label("Your email address").fill("ada@example.org")
    person.get_by_role("button", name="Send request").click()
    expect(person.get_by_role("heading", name="Enter your code")).to_be_visible()
    assert_accessible(person)
    person.get_by_label("Code").fill(
        "000000" if latest_code(live_mailbox, "ada@example.org", 1) != "000000" else "111111"
    )
    person.get_by_role("button", name="Confirm").click()
    expect(person.get_by_role("alert")).to_contain_text("wrong code")
    person.get_by_label("Code").fill(latest_code(live_mailbox, "ada@example.org", 1))
    person.get_by_role("button", name="Confirm").click()

    expect(person.get_by_role("heading", name=re.compile(r"Request R-"))).to_be_visible()
    download_link = person.get_by_role("link", name="Download the answer")
    for _ in range(50):  # background work answers within a few passes
        if download_link.count():
            break
        person.wait_for_timeout(200)
        person.reload()
    expect(download_link).to_be_visible()
    assert_accessible(person)
    with person.expect_download() as download_info:
        download_link.click()
    archive = zipfile.ZipFile(io.BytesIO(download_info.value.path().read_bytes()))
    assert "report.pdf" in archive.namelist()
    assert hosts == {urlparse(live_server.url).netloc}, "the privacy centre contacts no third party"


def three_months_on(received: date) -> date:
    """The extended deadline worked out by hand for the demo organisation (Germany): the same date
    three months later, or that month's last day, moved past weekends and German public holidays."""
    month_index = received.month - 1 + 3
    year, month = received.year + month_index // 12, month_index % 12 + 1
    due = date(year, month, min(received.day, calendar.monthrange(year, month)[1]))
    while due.weekday() >= 5 or due in holidays.country_holidays("DE", years=due.year):
        due += timedelta(days=1)
    return due


def test_officer_records_a_letter_and_extends_it(page: Page, settings: Settings, live_server: LiveServer) -> None:
    # Received yesterday, whenever the test runs: the first deadline is weeks away, so it may be extended.
    received = (datetime.now(UTC) - timedelta(days=1)).date()
    sign_in_to_demo(page, settings, email="officer@example.org", role="privacy_officer")
    page.get_by_role("link", name="Requests", exact=True).click()
    expect(page.get_by_role("heading", name="Requests", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Type").last.select_option("rectification")  # worked by staff: stays open
    page.get_by_label("The person's email").fill("grace@example.org")
    page.get_by_label("Received (date and time, UTC)").fill(f"{received.isoformat()}T10:15")
    page.get_by_label("Channel").select_option("letter")
    page.get_by_label("How the person's identity was verified").fill("Signed letter matched the contract on file")
    page.get_by_role("button", name="Record request").click()

    expect(page.get_by_role("heading", name=re.compile(r"Request R-"))).to_be_visible()
    expect(page.get_by_text("Signed letter matched the contract on file")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Why (sent to the person)").fill("The data sits in archived systems that must be restored.")
    page.get_by_role("button", name="Extend and tell the person").click()
    expect(page.get_by_text(re.compile(f"extended to {three_months_on(received).isoformat()}"))).to_be_visible()
    expect(page.get_by_role("button", name="Extend and tell the person")).to_have_count(0)


RIGHTS: list[tuple[str, Any]] = [
    (
        "Correct my data (rectification)",
        lambda p: correct_and_restrict_meanwhile(p),
    ),
    (
        "Restrict the use of my data (restriction)",
        lambda p: p.get_by_label("If you ask for a restriction: why").select_option("legal_claims"),
    ),
    ("Object to the use of my data (objection)", lambda p: p.get_by_label("Security and abuse prevention").check()),
    ("Withdraw a consent I gave (withdrawal)", lambda p: None),
    ("Leave, change or revoke directives for my data after my death", lambda p: leave_directives(p)),
    ("Tell you of the death of someone whose data you hold", lambda p: tell_of_a_death(p)),
]


def correct_and_restrict_meanwhile(page: Page) -> None:
    page.get_by_label(re.compile("To correct your data")).fill("surname = King")
    page.get_by_label(re.compile("restrict the use of my data until you decide")).check()


def leave_directives(page: Page) -> None:
    page.get_by_label("The person who carries them out").fill("George Byron")
    page.get_by_label(re.compile("^Their email address")).fill("byron@example.org")
    page.get_by_label("What should happen to your data").select_option("erasure")


def tell_of_a_death(page: Page) -> None:
    page.get_by_label("The email address of the person who died").fill("grace@example.org")
    page.get_by_label("Date of death").fill("2026-11-27")
    page.get_by_label("You are", exact=True).select_option("heir")
    page.get_by_label(re.compile("^The evidence you hold")).fill("Death certificate no. 2026-1127")


def test_each_right_is_asked_for_on_the_privacy_centre_form(
    page: Page, settings: Settings, live_server: LiveServer
) -> None:
    sign_in_to_demo(page, settings, email="staff@example.org", role="admin")  # loads the demo organisation
    person = page.context.browser.new_context(base_url=live_server.url).new_page()  # type: ignore[union-attr]
    person.goto("/privacy/requests")
    for phone in (False, True):  # each choice's box on the line of its own label, on a desktop and a phone
        person.set_viewport_size({"width": 390 if phone else 1280, "height": 900})
        for radio in person.get_by_role("radio").all():
            box, label = (
                radio.bounding_box(),
                person.locator(f"label[for='{radio.get_attribute('id')}']").bounding_box(),
            )
            assert box and label
            assert label["x"] >= box["x"] + box["width"], "the label follows its box"
            assert label["y"] <= box["y"] + box["height"] / 2 <= label["y"] + label["height"], "on its line"
    for kind, fill in RIGHTS:
        person.goto("/privacy/requests")
        person.get_by_label(kind).check()
        person.get_by_label("Your email address").fill("ada@example.org")
        fill(person)
        assert_accessible(person)
        person.get_by_role("button", name="Send request").click()
        expect(person.get_by_role("heading", name="Enter your code")).to_be_visible()
