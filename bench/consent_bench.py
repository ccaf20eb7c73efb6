"""Consent benchmarks: decision throughput against a bare Litestar endpoint, the server requests of
returning visitors driving the real banner in Chromium, records/s with a row count check, and the
banner's weight.

Run: .venv/bin/python bench/consent_bench.py [--rounds 3]   (needs Debian's `wrk` and `chromium`)
Uses a fresh SQLite data folder, or PostgreSQL when PRIVACY_DATABASE_URL is set (a scratch database).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import yaml
from playwright.sync_api import Browser, sync_playwright
from run import SECRET, free_port, privacy, spread, start, stop

ROOT = Path(__file__).parents[1]
RECORD = '{"site": "www", "policy_version": "2026-11", "action": "accept_all"}'
CHOICE = {"site": "www", "policy_version": "2026-11", "action": "custom", "choices": {"analytics": True}}
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-sync"]
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<script src="{api}/consent.js" data-site="www" async></script></head>
<body><h1>Shop</h1>
<script type="text/plain" data-category="analytics">window.analyticsRan = true;</script></body></html>"""
Results = dict[str, list[float]]


def wrk(url: str, *extra: str) -> dict[str, float]:
    output = subprocess.run(
        ["wrk", "-t2", "-c64", "-d5s", "--latency", *extra, url], capture_output=True, text=True, check=True
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    requests = re.search(r"(\d+) requests in", output)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    assert requests and rps and p99, output
    value, unit = float(p99.group(1)), p99.group(2)
    return {
        "rps": float(rps.group(1)),
        "requests": int(requests.group(1)),
        "errors": int(errors.group(1)) if errors else 0,
        "p99": value / 1000 if unit == "us" else value * 1000 if unit == "s" else value,
    }


def bare_server(port: int, workers: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bare_app:app",
            "--workers",
            str(workers),
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        cwd=Path(__file__).parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("bare server did not start")


def record_count(env: dict[str, str]) -> int:
    code = (
        "import asyncio\nfrom sqlalchemy import func, select\nfrom privacy.settings import Settings\n"
        "from privacy.db import database_config\nfrom consent.models import ConsentRecord\n"
        "async def main():\n    c = database_config(Settings())\n"
        "    async with c.create_session_maker()() as s:\n"
        "        print(await s.scalar(select(func.count()).select_from(ConsentRecord)))\n"
        "    await c.get_engine().dispose()\nasyncio.run(main())\n"
    )
    return int(
        subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout.strip()
    )


def site_yaml(path: Path, origin: str) -> Path:
    """The demo's consent set-up with the benchmark's shop as one of the `www` site's origins."""
    demo = yaml.safe_load((ROOT / "privacy" / "demo.yaml").read_text())
    demo["consent"]["sites"][0]["origins"].append(origin)
    path.write_text(yaml.safe_dump(demo))
    return path


class Shop(BaseHTTPRequestHandler):
    """The website the banner is embedded in, on its own origin; `api` is the service of the round."""

    api = ""

    def do_GET(self) -> None:
        body = PAGE.replace("{api}", self.api).encode()
        self.send_response(200)
        self.send_header("content-type", "text/html; charset=utf-8")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(ConnectionError):  # a navigation may drop the connection first
            self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def served(api: str) -> Counter[str]:
    """The requests the service has answered, by path and status, from its own metrics (the decision
    path, left out of the generic ones, has its own counter)."""
    counts: Counter[str] = Counter()
    for line in httpx.get(f"{api}/metrics").text.splitlines():
        answered = re.match(r'privacy_requests_total\{.*path="([^"]*)",status_code="(\d+)"\} (\S+)', line)
        if answered:
            counts[f"{answered[1]} {answered[2]}"] += int(float(answered[3]))
        elif line.startswith("privacy_consent_decisions_total{"):
            counts["/api/v1/consent/decision"] += int(float(line.split()[-1]))
    return counts


def returning_visits(browser: Browser, shop: str, receipt: str, *, visits: int, views: int) -> None:
    """`visits` visits of `views` page views each, by visitors holding `receipt`; each visit starts
    with an empty browser cache (the worst case for the cached script and site document)."""
    for _ in range(visits):
        context = browser.new_context()
        context.add_cookies([{"name": "privacy_consent_www", "value": receipt, "url": shop}])
        page = context.new_page()
        for _ in range(views):
            page.goto(shop)
            page.wait_for_function("window.analyticsRan === true")
        assert page.locator("[role=dialog]").count() == 0, "a returning visitor was asked again"
        context.close()


def measure_returning(api: str, browser: Browser, shop: str, results: Results, *, visits: int, views: int) -> None:
    answer = httpx.post(f"{api}/api/v1/consent/records", json=CHOICE)
    answer.raise_for_status()
    before = served(api)
    returning_visits(browser, shop, answer.json()["receipt"], visits=visits, views=views)
    counts = served(api) - before
    per_thousand = 1000 / (visits * views)
    cached = {"/consent.js 200", "/consent.js 304", "/consent.css 200", "/consent.css 304"}
    results["returning total"].append(sum(counts.values()) * per_thousand)
    results["returning decisions"].append(counts["/api/v1/consent/decision"] * per_thousand)
    results["returning site 200"].append(counts["/api/v1/consent/site 200"] * per_thousand)
    results["returning site 304"].append(counts["/api/v1/consent/site 304"] * per_thousand)
    results["returning assets"].append(sum(counts[key] for key in cached) * per_thousand)
    known = cached | {"/api/v1/consent/decision", "/api/v1/consent/site 200", "/api/v1/consent/site 304"}
    results["returning other"].append(sum(n for key, n in counts.items() if key not in known) * per_thousand)
    site = f"{api}/api/v1/consent/site?site=www"
    revalidated = wrk(site, "-H", f"If-None-Match: {httpx.get(site).headers['etag']}")
    assert revalidated["errors"] == 0
    results["site 304 rps"].append(revalidated["rps"])


def measure_decisions(api: str, bare_port: int, results: Results) -> None:
    decision_url = f"{api}/api/v1/consent/decision?site=www"
    httpx.get(decision_url).raise_for_status()
    for _ in range(3):  # A B A B A B
        ours = wrk(decision_url)
        reference = wrk(f"http://127.0.0.1:{bare_port}/")
        assert ours["errors"] == 0 and reference["errors"] == 0
        results["ratio"].append(ours["rps"] / reference["rps"])
        results["decision rps"].append(ours["rps"])
        results["bare rps"].append(reference["rps"])
        results["decision p99"].append(ours["p99"])
        results["bare p99"].append(reference["p99"])


def one_round(env: dict[str, str], options: argparse.Namespace, browser: Browser, lua: Path, results: Results) -> None:
    port, bare_port = free_port(), free_port()
    api = f"http://127.0.0.1:{port}"
    Shop.api = api
    service, _ = start(env, port, options.workers)
    bare = bare_server(bare_port, options.workers)
    try:
        measure_decisions(api, bare_port, results)
        measure_returning(api, browser, options.shop, results, visits=options.visits, views=options.views)
        before = record_count(env)
        recorded = wrk(f"{api}/api/v1/consent/records", "-s", str(lua))
    finally:
        stop(service)
        stop(bare)
    acknowledged = recorded["requests"] - recorded["errors"]
    results["record rps"].append(acknowledged / 5)
    # Requests still in flight when wrk stops are stored but not counted: only a shortfall is a loss.
    results["lost"].append(max(0, acknowledged - (record_count(env) - before)))


def report(results: Results, options: argparse.Namespace) -> None:
    database = "PostgreSQL" if os.environ.get("PRIVACY_DATABASE_URL") else "SQLite"
    js = gzip.compress((ROOT / "consent/static/consent.js").read_bytes(), 9)
    css = gzip.compress((ROOT / "consent/static/consent.css").read_bytes(), 9)
    setting = f"{database}, {options.workers} worker(s), 64 connections, {options.rounds} rounds"
    print(f"\nconsent, {setting}; min / median / max\n")
    rows = [
        ("decision requests/s", spread(results["decision rps"], "/s", 0)),
        ("bare Litestar constant requests/s", spread(results["bare rps"], "/s", 0)),
        ("decision / bare (goal >= 60%)", spread([r * 100 for r in results["ratio"]], "%", 0)),
        ("decision p99", spread(results["decision p99"], "ms")),
        ("bare Litestar constant p99", spread(results["bare p99"], "ms")),
        ("acknowledged records/s", spread(results["record rps"], "/s", 0)),
        ("acknowledged but not stored (goal 0)", spread(results["lost"], "", 0)),
        (f"returning visitors: {options.visits} visits x {options.views} views", "per 1,000 page views"),
        ("  server requests, all", spread(results["returning total"], "", 1)),
        ("  decision calls (goal 0)", spread(results["returning decisions"], "", 1)),
        ("  site document, 200", spread(results["returning site 200"], "", 1)),
        ("  site document, 304", spread(results["returning site 304"], "", 1)),
        ("  consent.js / consent.css", spread(results["returning assets"], "", 1)),
        ("  anything else (goal 0)", spread(results["returning other"], "", 1)),
        ("site document revalidations (304)/s", spread(results["site 304 rps"], "/s", 0)),
        ("consent.js + consent.css gzipped (goal < 8 KB)", f"{len(js) + len(css)} B"),
        ("median decision / bare", f"{statistics.median(results['ratio']) * 100:.0f} %"),
    ]
    for label, figure in rows:
        print(f"{label:<48} {figure:>30}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1, help="service workers (the reference gets as many)")
    parser.add_argument("--visits", type=int, default=100, help="returning visits per round, each a fresh browser")
    parser.add_argument("--views", type=int, default=10, help="page views per returning visit")
    options = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="privacy-consent-bench-"))
    env = {
        **os.environ,
        "PRIVACY_DATA_DIR": str(workdir / "data"),
        "PRIVACY_SECRET_KEY": SECRET,
        "PRIVACY_LOG_LEVEL": "WARNING",
        # wrk is one client sending as fast as it can: the per-network limit would answer 429s.
        "PRIVACY_CONSENT_RECORDS_PER_MINUTE": "100000000",
    }
    lua = workdir / "record.lua"
    lua.write_text(f'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [[{RECORD}]]\n')
    shop = ThreadingHTTPServer(("127.0.0.1", 0), Shop)
    threading.Thread(target=shop.serve_forever, daemon=True).start()
    options.shop = f"http://127.0.0.1:{shop.server_address[1]}"
    results: Results = defaultdict(list)
    try:
        privacy(env, "db", "upgrade")
        privacy(env, "demo")
        privacy(env, "apply", str(site_yaml(workdir / "site.yaml", options.shop)))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for _ in range(options.rounds):
                one_round(env, options, browser, lua, results)
            browser.close()
        report(results, options)
    finally:
        shop.shutdown()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
