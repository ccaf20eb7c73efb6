"""Consent benchmarks: decision throughput against a bare Litestar endpoint, records/s with a row
count check, and the banner's weight.

Run: .venv/bin/python bench/consent_bench.py [--rounds 3]   (needs Debian's `wrk`)
Uses a fresh SQLite data folder, or PostgreSQL when PRIVACY_DATABASE_URL is set (a scratch database).
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from run import SECRET, free_port, privacy, spread, start, stop

ROOT = Path(__file__).parents[1]
RECORD = '{"site": "www", "policy_version": "2026-11", "action": "accept_all"}'


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1, help="service workers (the reference gets as many)")
    arguments = parser.parse_args()
    rounds, workers = arguments.rounds, arguments.workers
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
    try:
        privacy(env, "db", "upgrade")
        privacy(env, "demo")
        ratios, decision_rps, bare_rps, decision_p99, bare_p99, record_rps, lost = [], [], [], [], [], [], []
        for _ in range(rounds):
            port, bare_port = free_port(), free_port()
            service, _ = start(env, port, workers)
            bare = bare_server(bare_port, workers)
            decision_url = f"http://127.0.0.1:{port}/api/v1/consent/decision?site=www"
            httpx.get(decision_url).raise_for_status()
            for _ in range(3):  # A B A B A B
                ours = wrk(decision_url)
                reference = wrk(f"http://127.0.0.1:{bare_port}/")
                assert ours["errors"] == 0 and reference["errors"] == 0
                ratios.append(ours["rps"] / reference["rps"])
                decision_rps.append(ours["rps"])
                bare_rps.append(reference["rps"])
                decision_p99.append(ours["p99"])
                bare_p99.append(reference["p99"])
            before = record_count(env)
            recorded = wrk(f"http://127.0.0.1:{port}/api/v1/consent/records", "-s", str(lua))
            acknowledged = recorded["requests"] - recorded["errors"]
            record_rps.append(acknowledged / 5)
            stop(service)
            stop(bare)
            # Requests still in flight when wrk stops are stored but not counted: only a shortfall is a loss.
            lost.append(max(0, acknowledged - (record_count(env) - before)))
        database = "PostgreSQL" if os.environ.get("PRIVACY_DATABASE_URL") else "SQLite"
        js = gzip.compress((ROOT / "consent/static/consent.js").read_bytes(), 9)
        css = gzip.compress((ROOT / "consent/static/consent.css").read_bytes(), 9)
        print(f"\nconsent, {database}, {workers} worker(s), 64 connections, {rounds} rounds; min / median / max\n")
        print(f"{'decision requests/s':<44} {spread(decision_rps, '/s', 0):>30}")
        print(f"{'bare Litestar constant requests/s':<44} {spread(bare_rps, '/s', 0):>30}")
        print(f"{'decision / bare (goal >= 60%)':<44} {spread([r * 100 for r in ratios], '%', 0):>30}")
        print(f"{'decision p99':<44} {spread(decision_p99, 'ms'):>30}")
        print(f"{'bare Litestar constant p99':<44} {spread(bare_p99, 'ms'):>30}")
        print(f"{'acknowledged records/s':<44} {spread(record_rps, '/s', 0):>30}")
        print(f"{'acknowledged but not stored (goal 0)':<44} {spread([float(x) for x in lost], '', 0):>30}")
        print(f"{'consent.js + consent.css gzipped (goal < 8 KB)':<44} {len(js) + len(css):>27} B")
        print(f"{'median ratio':<44} {statistics.median(ratios) * 100:>28.0f} %")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
