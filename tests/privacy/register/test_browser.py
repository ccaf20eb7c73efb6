"""The console in headless Chromium: sign in, add an activity, see its gap, fix it, export the PDF."""

from __future__ import annotations

import io
import re
from urllib.parse import urlparse

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from privacy.settings import Settings
from tests.browser_fixtures import LiveServer, sign_in_to_demo

pytestmark = pytest.mark.browser
EMAIL = "officer@example.org"


@pytest.fixture
def signed_in(page: Page, settings: Settings, live_server: LiveServer) -> Page:
    return sign_in_to_demo(page, settings, email=EMAIL, role="admin")


def assert_accessible(page: Page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_login_page_is_accessible(page: Page, live_server: LiveServer) -> None:
    page.goto("/console/login")
    assert_accessible(page)


def test_published_notice_reads_in_both_languages_and_is_accessible(
    page: Page, settings: Settings, live_server: LiveServer
) -> None:
    sign_in_to_demo(page, settings, email="notice@example.org", role="auditor")  # the demo publishes version 1
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlparse(request.url).netloc))
    page.goto("/privacy")
    expect(page.get_by_role("heading", name="Privacy notice", exact=True)).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Providing the hosting service"))).to_contain_text("contract")
    assert_accessible(page)
    page.get_by_role("link", name="Deutsch", exact=True).click()
    expect(page.get_by_role("heading", name="Datenschutzerklärung", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Ihre Rechte")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="français", exact=True).click()
    expect(page.get_by_role("heading", name="Politique de confidentialité", exact=True)).to_be_visible()
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 800})
    page.get_by_role("link", name="Deutsch", exact=True).click()
    wider = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert wider <= 0, "on a phone the notice does not scroll sideways"
    assert hosts == {urlparse(live_server.url).netloc}, "no third-party request"


def test_create_activity_see_gap_fix_it_and_export(signed_in: Page, live_server: LiveServer) -> None:
    page = signed_in
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlparse(request.url).netloc))
    assert_accessible(page)

    page.get_by_role("link", name="New activity").click()
    assert_accessible(page)
    page.get_by_label("Key", exact=True).fill("webinars")
    page.get_by_label("Name", exact=True).fill("Webinar registrations")
    page.get_by_label("Purpose", exact=True).fill("Register people for our webinars and send them the recording")
    page.get_by_label("Lawful basis (Art. 6(1))").select_option("consent")
    page.get_by_label("Categories of data subjects").fill("Webinar participants")
    page.get_by_label("Categories of personal data").fill("identification\ncontact")
    page.get_by_label("Retention (time limits for erasure)").fill("Six months after the webinar")
    page.get_by_label("Security measures").fill("Access limited to the events team")
    page.get_by_label("DPIA status").select_option("not_required")
    page.get_by_role("button", name="Create activity").click()

    expect(page.get_by_role("heading", name="Webinar registrations")).to_be_visible()
    gaps = page.locator("ul.gaps")
    expect(gaps).to_contain_text("consent basis without the consent purpose")
    assert_accessible(page)

    page.get_by_role("link", name="Edit").click()
    first_basis = page.get_by_role("group", name="Lawful basis 1")
    first_basis.get_by_label("Consent purpose (consent basis)").fill("webinar-registration")
    page.get_by_role("button", name="Save a new version").click()
    # Named now, but asked nowhere the toolkit keeps its proof: no banner category, no consent recorded.
    expect(gaps.locator("li")).to_have_count(1)
    expect(gaps).to_contain_text("'webinar-registration' names no consent category of a banner")
    expect(page.get_by_role("table", name="Every version of this activity").locator("tbody tr")).to_have_count(2)

    page.get_by_role("link", name="Back to the register").click()
    row = page.get_by_role("row").filter(has_text="Webinar registrations")
    expect(row).to_contain_text("1 gap")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Art. 30 record (PDF)").click()
    path = download_info.value.path()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages)
    assert "Webinar registrations" in text
    assert "Consent (Art. 6(1)(a)): webinar-registration" in text
    assert hosts == {urlparse(live_server.url).netloc}, "the console contacts no third party"


def test_auditor_sees_the_register_but_no_edit_controls(
    page: Page, settings: Settings, live_server: LiveServer
) -> None:
    sign_in_to_demo(page, settings, email="auditor@example.org", role="auditor")
    expect(page.get_by_role("link", name="Billing and accounting")).to_be_visible()
    expect(page.get_by_role("link", name="New activity")).to_have_count(0)
    page.get_by_role("link", name="Audit trail").click()
    expect(page.get_by_role("status")).to_contain_text("Chain intact")
    assert_accessible(page)
    page.get_by_role("link", name="Consent", exact=True).click()
    expect(page.get_by_role("heading", name="Consent statistics")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Look up a proof").click()
    assert_accessible(page)
    page.get_by_role("link", name="Consent", exact=True).click()
    page.get_by_role("link", name="Set-up").click()
    expect(page.get_by_role("heading", name="Consent set-up")).to_be_visible()
    expect(page.get_by_role("button", name="Save")).to_have_count(0)
    assert_accessible(page)
    page.get_by_role("link", name="Retention", exact=True).click()
    expect(page.get_by_role("heading", name="Retention", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Requests", exact=True).click()
    assert_accessible(page)
    page.get_by_role("link", name="Outbox", exact=True).click()
    assert_accessible(page)
