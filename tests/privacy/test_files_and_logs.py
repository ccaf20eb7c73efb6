"""What the toolkit leaves on disk and in its log: a data folder only its user can read, the first
admin's password on the terminal of the command that made it, and no URL or document text from
the libraries it calls."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import jinja2
import pytest
from sqlalchemy import text

from privacy.app import create_app
from privacy.db import database_config
from privacy.keys import load_master_secret
from privacy.pdf import render_pdf
from privacy.settings import Settings
from tests.conftest import client_of, login

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=[0o022, 0o000], ids=["umask-022", "umask-000"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    previous = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(previous)


def embedded(data_dir: Path) -> Settings:
    return Settings(_env_file=None, data_dir=data_dir, database_url=None, secret_key=None)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def write_something(settings: Settings) -> dict[str, int]:
    """Open the embedded database, write, and read the modes while its WAL files exist."""
    engine = database_config(settings).get_engine()
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE probe (x INTEGER)"))
            await connection.execute(text("INSERT INTO probe VALUES (1)"))
        async with engine.connect() as connection:
            await connection.execute(text("SELECT x FROM probe"))
            files = sorted(settings.data_dir.iterdir())
            return {path.name: mode_of(path) for path in files}
    finally:
        await engine.dispose()


@pytest.mark.parametrize("first", ["keys", "database"])
def test_data_folder_and_its_files_are_for_the_service_user_only(umask: int, first: str, tmp_path: Path) -> None:
    settings = embedded(tmp_path / "var" / "privacy")
    if first == "keys":
        load_master_secret(settings)
        modes = asyncio.run(write_something(settings))
    else:
        modes = asyncio.run(write_something(settings))
        load_master_secret(settings)
        modes["secret.key"] = mode_of(settings.data_dir / "secret.key")
    assert mode_of(settings.data_dir) == 0o700
    assert {"privacy.sqlite3", "privacy.sqlite3-wal", "privacy.sqlite3-shm", "secret.key"} <= set(modes)
    assert {name: mode for name, mode in modes.items() if mode != 0o600} == {}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_privacy(data_dir: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "privacy", *arguments],
        env=embedded_environment(data_dir),
        cwd=data_dir.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def embedded_environment(data_dir: Path) -> dict[str, str]:
    """The command as an operator first runs it: the embedded default, no secret set."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("PRIVACY_")}
    return {
        **environment,
        "PYTHONPATH": str(ROOT),
        "PRIVACY_DATA_DIR": str(data_dir),
        "PRIVACY_BACKGROUND_WORK": "false",
    }


def serve_output(data_dir: Path, *, port: int | None = None, fetch: str | None = None) -> str:
    """Start `privacy serve`, wait until it answers, stop it; everything it wrote (its log), then
    what it answered at `fetch` if asked."""
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "privacy", "serve", "--port", str(port)],
        env=embedded_environment(data_dir),
        cwd=data_dir.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("privacy serve did not become ready")
        fetched = httpx.get(f"http://127.0.0.1:{port}{fetch}", timeout=10).text if fetch else ""
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    return output + fetched


def test_without_a_public_url_the_service_links_to_the_port_it_serves(tmp_path: Path) -> None:
    port = free_port()
    assert run_privacy(tmp_path / "data", "demo").returncode == 0
    feed = serve_output(tmp_path / "data", port=port, fetch="/subprocessors.atom")
    assert f"http://127.0.0.1:{port}/privacy/subprocessors" in feed
    assert "127.0.0.1:8000" not in feed


async def test_first_admin_password_goes_to_the_terminal_of_demo_never_to_the_service_log(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    log = serve_output(data_dir)
    assert "password" not in log.lower(), log
    assert "privacy users create" in log and "--role admin" in log and "privacy demo" in log, log

    demo = run_privacy(data_dir, "demo")
    assert demo.returncode == 0, demo.stderr
    email = re.search(r"email:\s+(\S+)", demo.stdout)
    password = re.search(r"password:\s+(\S+)", demo.stdout)
    assert email and password, demo.stdout
    assert "/console" in demo.stdout

    again = run_privacy(data_dir, "demo")
    assert again.returncode == 0, again.stderr
    assert "password" not in again.stdout.lower(), "the login is shown once"
    log = serve_output(data_dir)
    assert "password" not in log.lower() and password.group(1) not in log, log
    assert "privacy users create" not in log, "no hint once a user exists"

    app = create_app(embedded(data_dir).model_copy(update={"background_work": False}))
    async with client_of(app) as client:
        assert await login(client, email.group(1), password.group(1)) == 303


QUIET = ("httpx", "httpcore", "weasyprint", "fontTools")


class Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def test_http_client_and_pdf_rendering_log_no_urls_or_text_at_info(settings: Settings) -> None:
    app = create_app(settings)  # configures the service's logging, as each worker of `privacy serve` does
    assert logging.getLogger().getEffectiveLevel() == logging.INFO, "the service logs at INFO"
    recorder = Recorder()
    logging.getLogger().addHandler(recorder)  # after the app's set-up, which replaces the root's handlers
    try:
        async with client_of(app) as client:  # an httpx client, as connectors and retention stores use
            assert (await client.get("/health/live?email=ada@example.org")).status_code == 200
        environment = jinja2.Environment(
            loader=jinja2.DictLoader({"letter.html": "<p>Ada Lovelace, ada@example.org, asked for her data</p>"}),
            autoescape=True,
        )
        assert render_pdf(environment, "letter.html", {}).startswith(b"%PDF")
    finally:
        logging.getLogger().removeHandler(recorder)
    noisy = [f"{r.name}: {r.getMessage()}" for r in recorder.records if r.name.split(".")[0] in QUIET]
    assert noisy == []
    assert not [r for r in recorder.records if "ada@example.org" in r.getMessage()]
