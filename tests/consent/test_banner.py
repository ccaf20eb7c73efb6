"""The banner in headless Chromium, on a website served from another origin on loopback."""

from __future__ import annotations

import json
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
from joserfc import jws, jwt
from joserfc.jwk import OKPKey
from playwright.sync_api import BrowserContext, Page, Route, expect

from consent.receipts import sign_receipt
from privacy.keys import Keyring, load_master_secret
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
    register_site(settings, tmp_path, live_server.url, origin)
    yield origin
    server.shutdown()


def register_site(settings: Settings, tmp_path: Path, api: str, origin: str) -> None:
    """The demo's consent set-up with `origin` as the `www` site's own, once the service uses it."""
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
    wait_until_served(api, origin)


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


LAST_CONSENT_MODE = """(() => {
  const updates = window.dataLayer.filter((entry) => entry[0] === "consent" && entry[1] === "update");
  return updates[updates.length - 1][2];
})()"""


def test_in_france_exempt_measurement_runs_at_once_and_is_shown_as_needing_no_consent(
    new_context: Any, website: str, live_server: LiveServer
) -> None:
    context = new_context()
    context.route(
        f"{live_server.url}{CONSENT_API}**",
        lambda route: route.continue_(headers={**route.request.headers, "cf-ipcountry": "FR"}),
    )
    page = context.new_page()
    page.goto(website)
    dialog = page.get_by_role("dialog", name="Your privacy choices")
    expect(dialog).to_be_visible()  # advertising still needs consent
    page.wait_for_function("window.analyticsRan === 1")
    assert ran(page, "adsRan") is None
    assert page.evaluate(LAST_CONSENT_MODE)["analytics_storage"] == "granted"

    dialog.get_by_role("button", name="Customise").click()
    preferences = page.get_by_role("dialog", name="Customise")
    expect(preferences.get_by_label("Analytics")).to_be_checked()
    expect(preferences.get_by_label("Analytics")).to_be_disabled()
    expect(preferences.get_by_text("No consent needed here")).to_be_visible()
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    preferences.get_by_role("button", name="Save choices").click()
    page.wait_for_function("document.cookie.includes('privacy_consent_www=')")
    assert page.evaluate("window.privacyConsent.get()") == {
        "necessary": True,
        "functional": False,
        "analytics": True,
        "advertising": False,
    }

    called: list[str] = []
    page.on("request", lambda request: called.append(urlparse(request.url).path))
    page.reload()
    page.wait_for_function("window.analyticsRan === 1")
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert ran(page, "adsRan") is None
    assert f"{CONSENT_API}decision" in called  # the receipt leaves it off: where it runs, the service says


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


# Returning visitors: a standing receipt is applied by the banner without a decision.

CHOSEN_ANALYTICS = {"site": "www", "policy_version": "2026-11", "action": "custom", "choices": {"analytics": True}}
ACCEPTED_ALL = {"site": "www", "policy_version": "2026-11", "action": "accept_all"}
CONSENT_API = "/api/v1/consent/"


def receipt_for(api: str, choice: dict[str, Any]) -> str:
    answer = httpx.post(f"{api}/api/v1/consent/records", json=choice)
    assert answer.status_code == 201, answer.text
    receipt: str = answer.json()["receipt"]
    return receipt


def holding(context: BrowserContext, website: str, receipt: str) -> tuple[Page, list[str]]:
    """A page of a visitor whose browser keeps `receipt`, and the consent API paths it calls."""
    context.add_cookies([{"name": "privacy_consent_www", "value": receipt, "url": website}])
    page = context.new_page()
    called: list[str] = []
    page.on("request", lambda request: called.append(urlparse(request.url).path))
    return page, called


def test_returning_visitor_is_not_asked_and_keeps_their_choice(
    new_context: Any, website: str, live_server: LiveServer
) -> None:
    page, called = holding(new_context(), website, receipt_for(live_server.url, CHOSEN_ANALYTICS))
    for _ in range(3):
        page.goto(website)
        page.wait_for_function("window.analyticsRan === 1")
        expect(page.get_by_role("dialog")).to_have_count(0)
        assert ran(page, "adsRan") is None
    assert page.evaluate("window.privacyConsent.get()") == {
        "necessary": True,
        "functional": False,
        "analytics": True,
        "advertising": False,
    }
    assert f"{CONSENT_API}decision" not in called
    assert f"{CONSENT_API}site" in called

    page.get_by_role("link", name="Privacy choices").click()  # the texts are fetched only now
    preferences = page.get_by_role("dialog", name="Customise")
    expect(preferences).to_be_visible()
    expect(preferences.get_by_label("Analytics")).to_be_checked()
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_receipt_for_an_older_policy_version_is_asked_again(
    new_context: Any, website: str, live_server: LiveServer, settings: Settings
) -> None:
    genuine = receipt_for(live_server.url, ACCEPTED_ALL)
    claims = json.loads(jws.extract_compact(genuine.encode()).payload)
    older = sign_receipt(Keyring(load_master_secret(settings)), {**claims, "pv": "2025-06"})
    page, called = holding(new_context(), website, older)
    page.goto(website)
    expect(page.get_by_role("dialog", name="Your privacy choices")).to_be_visible()
    assert f"{CONSENT_API}decision" in called
    assert ran(page, "analyticsRan") is None and ran(page, "adsRan") is None


def test_privacy_signal_still_overrides_a_standing_grant_of_advertising(
    new_context: Any, website: str, live_server: LiveServer
) -> None:
    context = new_context(extra_http_headers={"Sec-GPC": "1"})
    context.add_init_script(GPC_INIT)
    context.route(
        f"{live_server.url}{CONSENT_API}**",
        lambda route: route.continue_(headers={**route.request.headers, "cf-ipcountry": "US", "cf-region-code": "CA"}),
    )
    page, called = holding(context, website, receipt_for(live_server.url, ACCEPTED_ALL))
    page.goto(website)
    page.wait_for_function("window.analyticsRan === 1")
    assert page.evaluate("window.privacyConsent.get()")["advertising"] is False
    assert ran(page, "adsRan") is None
    assert f"{CONSENT_API}decision" in called  # where the signal binds depends on where the visitor is now

    page, called = holding(context, website, receipt_for(live_server.url, CHOSEN_ANALYTICS))
    page.goto(website)
    page.wait_for_function("window.analyticsRan === 1")
    assert f"{CONSENT_API}decision" not in called  # nothing the signal could turn off was granted


# Records what the page's scripts write to document.cookie.
SCRIPT_COOKIE_WRITES = """
const cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
window.cookieWrites = [];
Object.defineProperty(Document.prototype, 'cookie', {
  get() { return cookie.get.call(this); },
  set(value) { window.cookieWrites.push(value); cookie.set.call(this, value); },
  configurable: true,
});
"""


def test_served_from_the_sites_own_origin_the_service_sets_the_cookie(
    new_context: Any, settings: Settings, live_server: LiveServer, tmp_path: Path
) -> None:
    register_site(settings, tmp_path, live_server.url, live_server.url)
    context = new_context()
    context.add_init_script(SCRIPT_COOKIE_WRITES)
    shop = PAGE.replace("{api}", "").replace("{identity}", "").replace("/consent.js", f"{live_server.url}/consent.js")
    context.route(f"{live_server.url}/shop", lambda route: route.fulfill(body=shop, content_type="text/html"))
    page = context.new_page()
    page.goto(f"{live_server.url}/shop")
    page.get_by_role("dialog").get_by_role("button", name="Accept all").click()
    page.wait_for_function("document.cookie.includes('privacy_consent_www=')")
    kept = {cookie["name"]: cookie for cookie in context.cookies()}["privacy_consent_www"]
    assert kept["sameSite"] == "Lax" and kept["httpOnly"] is False and kept["path"] == "/"
    assert kept["expires"] > time.time() + 300 * 86400  # the receipt's lifetime, not a script's 7 days
    kept_by_script = ("privacy_consent_www=ey", "privacy_consent_www_id=")  # a receipt's JSON starts "ey"
    assert not [written for written in page.evaluate("window.cookieWrites") if written.startswith(kept_by_script)]

    called: list[str] = []
    page.on("request", lambda request: called.append(urlparse(request.url).path))
    page.reload()
    page.wait_for_function("window.analyticsRan === 1 && window.privacyConsent.get().advertising === true")
    assert f"{CONSENT_API}decision" not in called
