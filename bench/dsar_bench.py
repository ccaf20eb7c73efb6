"""Request benchmarks: an access package across three SQL connectors of 10,000 rows each for one
person (wall time and peak memory of the worker that builds it), and intake requests/s.

Run: .venv/bin/python bench/dsar_bench.py [--rounds 3]   (PRIVACY_DATABASE_URL=... for PostgreSQL;
the connectors' databases are SQLite files either way)
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import yaml
from consent_bench import wrk
from run import SECRET, free_port, privacy, spread, start, stop

PERSON = "ada@example.org"
ROWS = 10_000
CONNECTORS = ("crm", "billing", "support")
INTAKE = '{"type": "access", "email": "someone@example.org"}'


def make_connector_database(path: Path, name: str) -> None:
    """10,000 rows of the person's and as many of other people's, in one table."""
    with sqlite3.connect(path) as db:
        db.execute(f"CREATE TABLE {name}_events (id INTEGER PRIMARY KEY, email TEXT, kind TEXT, detail TEXT, at TEXT)")
        db.executemany(
            f"INSERT INTO {name}_events (email, kind, detail, at) VALUES (?, ?, ?, ?)",
            [
                (
                    PERSON if i % 2 == 0 else f"other{i}@example.org",
                    f"kind-{i % 7}",
                    f"{name} event {i} " + "x" * 60,
                    "2026-11-01",
                )
                for i in range(ROWS * 2)
            ],
        )
        db.execute(f"CREATE INDEX {name}_email ON {name}_events (email)")


def connectors_file(path: Path, workdir: Path) -> None:
    document = {
        "systems": [
            {
                "key": name,
                "name": name.title(),
                "kind": "sql",
                "url": f"sqlite+aiosqlite:///{workdir / f'{name}.sqlite3'}",
            }
            for name in CONNECTORS
        ],
        "connectors": [
            {
                "key": name,
                "name": name.title(),
                "kind": "sql",
                "system": name,
                "tables": [
                    {
                        "table": f"{name}_events",
                        "identity_column": "email",
                        "columns": ["kind", "detail", "at"],
                        "category": "usage",
                    }
                ],
            }
            for name in CONNECTORS
        ],
    }
    path.write_text(yaml.safe_dump(document))


def record_access_request(env: dict[str, str], url: str, token: str) -> None:
    answer = httpx.post(
        f"{url}/api/v1/admin/requests",
        json={
            "type": "access",
            "email": PERSON,
            "received_at": "2026-11-20T10:00:00+00:00",
            "channel": "email",
            "verification": "benchmark",
        },
        headers={"authorization": f"Bearer {token}"},
    )
    answer.raise_for_status()


def timed_worker(env: dict[str, str]) -> tuple[float, float]:
    """`privacy worker --once` under /usr/bin/time: (wall seconds, peak resident MiB)."""
    result = subprocess.run(
        ["/usr/bin/time", "-v", sys.executable, "-m", "privacy", "worker", "--once"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", result.stderr)
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    assert wall and peak, result.stderr
    seconds = int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
    return seconds, int(peak.group(1)) / 1024


def package_rows(url: str, token: str) -> int:
    inbox = httpx.get(f"{url}/api/v1/admin/requests", headers={"authorization": f"Bearer {token}"}).json()
    assert inbox and inbox[0]["status"] == "completed", inbox
    return len(inbox)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    workdir = Path(tempfile.mkdtemp(prefix="privacy-dsar-bench-"))
    env = {
        **os.environ,
        "PRIVACY_DATA_DIR": str(workdir / "data"),
        "PRIVACY_SECRET_KEY": SECRET,
        "PRIVACY_LOG_LEVEL": "WARNING",
        "PRIVACY_BACKGROUND_WORK": "false",  # the timed worker does the work
        "PRIVACY_REQUEST_POSTS_PER_MINUTE": "1000000",
        "PRIVACY_EXTERNAL_SQLITE_DIR": str(workdir),  # the connectors' databases
    }
    lua = workdir / "intake.lua"
    lua.write_text(f'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [[{INTAKE}]]\n')
    try:
        for name in CONNECTORS:
            make_connector_database(workdir / f"{name}.sqlite3", name)
        privacy(env, "db", "upgrade")
        privacy(env, "demo")
        connectors_file(workdir / "connectors.yaml", workdir)
        privacy(env, "apply", str(workdir / "connectors.yaml"))
        token = (
            privacy(env, "tokens", "create", "--role", "privacy_officer", "--name", "bench").strip().splitlines()[-1]
        )
        walls, peaks, intake_rps, intake_p99 = [], [], [], []
        for _ in range(rounds):
            port = free_port()
            service, _ = start(env, port)
            url = f"http://127.0.0.1:{port}"
            record_access_request(env, url, token)
            wall, peak = timed_worker(env)
            walls.append(wall)
            peaks.append(peak)
            package_rows(url, token)
            result = wrk(f"{url}/api/v1/requests", "-s", str(lua))
            assert result["errors"] == 0, result
            intake_rps.append(result["rps"])
            intake_p99.append(result["p99"])
            stop(service)
            time.sleep(0.5)
        database = "PostgreSQL" if os.environ.get("PRIVACY_DATABASE_URL") else "SQLite"
        print(f"\nrequests, {database}, {rounds} rounds; min / median / max\n")
        print(f"{'access package, 3 connectors x 10,000 rows: wall':<52} {spread(walls, 's'):>26}")
        print(f"{'  peak memory of the worker (goal < 200 MB)':<52} {spread(peaks, 'MiB', 0):>26}")
        print(f"{'intake POST /api/v1/requests at 64 connections':<52} {spread(intake_rps, '/s', 0):>26}")
        print(f"{'  p99':<52} {spread(intake_p99, 'ms'):>26}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
