"""A live server for the browser tests, and Playwright pointed at Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from privacy.settings import Settings
from tests.mail_fixtures import Mailbox, free_port

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class LiveServer:
    url: str


@pytest.fixture(scope="session")
def live_server(migrated_settings: Settings, live_mailbox: Mailbox) -> Iterator[LiveServer]:
    from tests.conftest import environment_for, privacy_command

    port = free_port()
    # The banner tests send Cloudflare's headers for California; the set-up is re-read within 0.2 s.
    env = {
        **environment_for(migrated_settings),
        "PRIVACY_GEO_HEADERS": "cloudflare",
        "PRIVACY_CONSENT_REFRESH_SECONDS": "0.2",
        "PRIVACY_SMTP_HOST": live_mailbox.host,
        "PRIVACY_SMTP_PORT": str(live_mailbox.port),
        "PRIVACY_SMTP_STARTTLS": "false",
        "PRIVACY_BACKGROUND_INTERVAL_SECONDS": "0.2",
        "PRIVACY_POST_MORTEM_DIRECTIVES": "true",  # the privacy centre shows every form it has
        "PRIVACY_REQUEST_POSTS_PER_MINUTE": "30",  # the form tests send one request of each type
    }
    process = subprocess.Popen(
        privacy_command("serve", "--port", str(port)),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(url, process)
        yield LiveServer(url)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_until_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            if httpx.get(f"{url}/health/ready", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError("the server did not become ready within 30 s")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is required in CI but missing at {CHROMIUM}")
        pytest.skip(f"Chromium not installed at {CHROMIUM} (install Debian's chromium to run browser tests)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any], live_server: LiveServer) -> dict[str, Any]:
    return {**browser_context_args, "base_url": live_server.url, "accept_downloads": True}


BROWSER_PASSWORD = "a long browser password"


def sign_in_to_demo(page: Page, settings: Settings, *, email: str, role: str) -> Page:
    """Load the demo organisation, add a user with `role`, and sign in as them."""
    from tests.conftest import environment_for, privacy_command

    for arguments in (["demo"], ["users", "create", email, "--role", role, "--password-stdin"]):
        subprocess.run(
            privacy_command(*arguments),
            env=environment_for(settings),
            input=BROWSER_PASSWORD + "\n",
            text=True,
            check=True,
            capture_output=True,
        )
    page.goto("/console/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(BROWSER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Register of processing activities")).to_be_visible()
    return page
