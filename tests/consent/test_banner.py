"""The banner in headless Chromium, on a website served from another origin on loopback."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
import yaml
from axe_playwright_python.sync_playwright import Axe
from joserfc import jwt
from joserfc.jwk import OKPKey
from playwright.sync_api import BrowserContext, Page, Route, expect

from privacy.settings import Settings
from tests.browser_fixtures import LiveServer
from tests.conftest import environment_for, privacy_command

pytestmark = pytest.mark.browser
GPC_INIT = "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true, configurable: true});"
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Example shop</title>
<script src="{api}/consent.js" data-site="www" {identity} async></script></head>
<body><main><h1>Example shop</h1><p><a href="#" data-privacy-choices>Privacy choices</a></p>
<script type="text/plain" data-category="analytics">
document.cookie = "_pk_id.1=visitor; path=/"; window.analyticsRan = (window.analyticsRan || 0) + 1;
</script>
<script type="text/plain" data-category="advertising" src="/ads.js"></script>
</main></body></html>"""


SHOP_KEY = OKPKey.generate_key("Ed25519")


def signed_in_as(user: str) -> str:
    """What the shop's application renders into the tag for a signed-in user: a fresh assertion."""
    now = int(time.time())
    token = jwt.encode(
        {"alg": "Ed25519"}, {"sub": user, "aud": "www", "iat": now, "exp": now + 300}, SHOP_KEY, algorithms=["Ed25519"]
    )
    return f'data-identity="{token}"'


class Website(BaseHTTPRequestHandler):
    api = ""

    def do_GET(self) -> None:
        if self.path.startswith("/ads.js"):
            body, kind = b"window.adsRan = true;", "text/javascript"
        else:
            identity = signed_in_as("customer-7") if self.path.startswith("/account") else ""
            page = PAGE.replace("{api}", self.api).replace("{identity}", identity)
            body, kind = page.encode(), "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def start_website(api: str) -> tuple[ThreadingHTTPServer, str]:
    handler = type("SiteHandler", (Website,), {"api": api})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def website(settings: Settings, live_server: LiveServer, tmp_path: Path) -> Iterator[str]:
    """A shop on its own origin, registered as the `www` site of the demo's consent set-up."""
    server, origin = start_website(live_server.url)
    demo = yaml.safe_load((Path(__file__).parents[2] / "privacy" / "demo.yaml").read_text())
    demo["consent"]["sites"][0]["origins"] = [origin]
    demo["consent"]["sites"][0]["identity_keys"] = [SHOP_KEY.as_dict(private=False)]
    (tmp_path / "site.yaml").write_text(yaml.safe_dump(demo))
    subprocess.run(
        privacy_command("apply", str(tmp_path / "site.yaml")),
        env=environment_for(settings),
        check=True,
        capture_output=True,
    )
    wait_until_served(live_server.url, origin)
    yield origin
    server.shutdown()


def wait_until_served(api: str, origin: str) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        answer = httpx.get(f"{api}/api/v1/consent/decision", params={"site": "www"}, headers={"origin": origin})
        if answer.status_code == 200:
            return
        time.sleep(0.1)
    raise AssertionError("the service did not pick up the new consent set-up")


def ran(page: Page, flag: str) -> Any:
    return page.evaluate(f"window.{flag}")


def cookie_names(context: BrowserContext) -> set[str]:
    return {cookie["name"] for cookie in context.cookies()}


def test_opt_in_accept_withdraw_and_stay_off(page: Page, website: str, live_server: LiveServer) -> None:
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlparse(request.url).netloc))
    page.goto(website)
    dialog = page.get_by_role("dialog", name="Your privacy choices")
    expect(dialog).to_be_visible()
    assert ran(page, "analyticsRan") is None and ran(page, "adsRan") is None
    assert Axe().run(page).violations_count == 0

    dialog.get_by_role("button", name="Accept all").click()
    expect(dialog).to_have_count(0)
    page.wait_for_function("window.analyticsRan === 1 && window.adsRan === true")
    page.wait_for_function("document.cookie.includes('privacy_consent_www=')")
    assert "_pk_id.1" in cookie_names(page.context)

    page.reload()
    page.wait_for_function("window.analyticsRan === 1")
    expect(page.get_by_role("dialog")).to_have_count(0)

    page.get_by_role("link", name="Privacy choices").click()
    preferences = page.get_by_role("dialog", name="Customise")
    expect(preferences).to_be_visible()
    assert Axe().run(page).violations_count == 0
    preferences.get_by_label("Analytics").uncheck()
    preferences.get_by_label("Advertising").uncheck()
    preferences.get_by_role("button", name="Save choices").click()
    page.wait_for_function("!document.cookie.includes('_pk_id.1')")

    page.reload()
    page.wait_for_function("document.readyState === 'complete'")
    page.wait_for_timeout(500)
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert ran(page, "analyticsRan") is None and ran(page, "adsRan") is None
    assert hosts <= {urlparse(website).netloc, urlparse(live_server.url).netloc}


def test_gpc_in_california_shows_no_banner_and_keeps_advertising_off(new_context: Any, website: str) -> None:
    context = new_context(extra_http_headers={"Sec-GPC": "1"})
    context.add_init_script(GPC_INIT)

    def from_california(route: Route) -> None:
        route.continue_(headers={**route.request.headers, "cf-ipcountry": "US", "cf-region-code": "CA", "sec-gpc": "1"})

    context.route("**/api/v1/consent/**", from_california)
    page = context.new_page()
    page.goto(website)
    page.wait_for_function("window.analyticsRan === 1")
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert ran(page, "adsRan") is None
    assert page.evaluate("window.privacyConsent.get()")["advertising"] is False


def test_signed_in_choice_follows_the_person_to_a_new_device(new_context: Any, website: str) -> None:
    laptop = new_context().new_page()
    laptop.goto(f"{website}/account")
    laptop.get_by_role("dialog").get_by_role("button", name="Accept all").click()
    laptop.wait_for_function("document.cookie.includes('privacy_consent_www=')")

    phone = new_context().new_page()  # no cookies of the laptop's
    phone.goto(f"{website}/account")
    phone.wait_for_function("window.analyticsRan === 1 && window.adsRan === true")
    expect(phone.get_by_role("dialog")).to_have_count(0)


def test_unreachable_service_runs_nothing_optional_and_breaks_nothing(page: Page, website: str) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.route("**/api/v1/consent/**", lambda route: route.abort())
    page.goto(website)
    page.wait_for_timeout(500)
    assert ran(page, "analyticsRan") is None and ran(page, "adsRan") is None
    expect(page.get_by_role("heading", name="Example shop")).to_be_visible()
    assert errors == []


def test_cookie_policy_page_is_accessible(page: Page, website: str, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/privacy/cookies?site=www")
    expect(page.get_by_role("heading", name="Cookie policy")).to_be_visible()
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
