"""The privacy notice PDF and the auditor's bundle for an organisation with 200 activities, 60
sub-processors, 10,000 requests and 1,000,000 consent records: wall time and peak memory.

Run: .venv/bin/python bench/bundle_bench.py [--rounds 3]   (PRIVACY_DATABASE_URL=... for PostgreSQL:
use a scratch database; without it, a SQLite file in a temporary folder)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from run import SECRET, privacy, register_file, spread
from sqlalchemy import insert, text

from dsar.models import DataRequest
from privacy.db import database_config
from privacy.keys import Keyring, load_master_secret
from privacy.settings import Settings

SUBPROCESSORS = 60
REQUESTS = 10_000
CONSENT_RECORDS = 1_000_000
NOTICE_PDF = """
import time
from litestar.testing import TestClient
from privacy.app import create_app
from privacy.settings import Settings
with TestClient(create_app(Settings())) as client:
    started = time.perf_counter()
    answer = client.get("/privacy.pdf")
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF")
    print(f"seconds={time.perf_counter() - started:.3f} bytes={len(answer.content)}")
"""


def organisation_file(path: Path) -> None:
    register_file(path)
    document = yaml.safe_load(path.read_text())
    document["subprocessors"] = [
        {
            "key": f"vendor-{index:02d}",
            "name": f"Vendor {index:02d} GmbH",
            "service": f"Service {index}",
            "purpose": "Runs part of the service",
            "data_categories": ["identification", "contact"],
            "processing_locations": ["DE", "US"] if index % 3 == 0 else ["DE"],
            "corporate_location": "DE",
            "transfer_mechanism": "sccs_2021_914" if index % 3 == 0 else "not_needed",
            "activities": ["activity-000"],
            "active_since": "2024-01-01",
        }
        for index in range(SUBPROCESSORS)
    ]
    path.write_text(yaml.safe_dump(document))


async def fill(settings: Settings) -> None:
    """Requests and consent records straight into the tables: the bundle reads them, never decrypts."""
    config = database_config(settings, session_info={"keyring": Keyring(load_master_secret(settings))})
    start = datetime(2025, 1, 1, tzinfo=UTC)
    requests = [
        {
            "id": uuid.uuid4(),
            "reference": f"R-{index:06d}",
            "type": ("access", "erasure", "portability")[index % 3],
            "status": "answered",
            "channel": "web",
            "language": "en",
            "email_hash": f"{index:064d}",
            "email_encrypted": "bench",
            "received_at": start + timedelta(minutes=50 * index),
            "due_at": (start + timedelta(minutes=50 * index, days=31)).date(),
            "replied_at": start + timedelta(minutes=50 * index, days=10),
            "outcome": "answered",
        }
        for index in range(REQUESTS)
    ]
    async with config.create_session_maker()() as session:
        await session.execute(insert(DataRequest), requests)
        postgres = session.bind.dialect.name == "postgresql"
        series = (
            "generate_series(1, :n) AS g(i)"
            if postgres
            else "(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :n) SELECT i FROM s)"
        )
        moment = (
            "CAST(:start AS timestamptz) + make_interval(secs => i * 31.0)"
            if postgres
            else "strftime('%Y-%m-%d %H:%M:%f', '2025-01-01', '+' || (i * 31) || ' seconds')"
        )
        uid = "gen_random_uuid()" if postgres else "randomblob(16)"
        await session.execute(
            text(
                "INSERT INTO consent_records (consent_id, recorded_at, site, policy_version, text_hash, country, "
                "regime, jurisdiction_source, gpc, action, granted, denied, ui, ip_truncated, valid_until) "
                f"SELECT {uid}, {moment}, 'www', '1', '0', 'DE', 'opt_in', 'cdn', false, "
                f"CASE WHEN i % 3 = 0 THEN 'reject_all' ELSE 'accept_all' END, '[\"necessary\"]', '[]', 'banner', "
                f"'81.2.0.0', {moment} FROM {series}"
            ),
            {"n": CONSENT_RECORDS, "start": start},
        )
        await session.commit()
    await config.get_engine().dispose()


def timed(env: dict[str, str], *command: str) -> tuple[float, float, str]:
    """A command under /usr/bin/time: (wall seconds, peak resident MiB, its standard output)."""
    result = subprocess.run(["/usr/bin/time", "-v", *command], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-2000:])
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", result.stderr)
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    assert wall and peak, result.stderr
    seconds = int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
    return seconds, int(peak.group(1)) / 1024, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    workdir = Path(tempfile.mkdtemp(prefix="privacy-bundle-bench-"))
    try:
        env = {
            **os.environ,
            "PRIVACY_DATA_DIR": str(workdir / "data"),
            "PRIVACY_SECRET_KEY": SECRET,
            "PRIVACY_BACKGROUND_WORK": "false",
        }
        settings = Settings(_env_file=None, data_dir=workdir / "data", secret_key=SECRET)  # type: ignore[call-arg]
        if os.environ.get("PRIVACY_DATABASE_URL"):
            settings = settings.model_copy(update={"database_url": os.environ["PRIVACY_DATABASE_URL"]})
        privacy(env, "db", "upgrade")
        organisation_file(workdir / "organisation.yaml")
        privacy(env, "apply", str(workdir / "organisation.yaml"))
        asyncio.run(fill(settings))
        privacy(env, "notice", "publish", "--summary", "Bench")
        results: dict[str, list[float]] = {name: [] for name in ("pdf", "pdf_peak", "bundle", "bundle_peak", "verify")}
        size = 0
        for _ in range(rounds):
            _, peak, output = timed(env, sys.executable, "-c", NOTICE_PDF)
            results["pdf"].append(float(re.search(r"seconds=([\d.]+)", output).group(1)))  # type: ignore[union-attr]
            results["pdf_peak"].append(peak)
            bundle = workdir / "bundle.zip"
            seconds, peak, _ = timed(env, sys.executable, "-m", "privacy", "export", "audit-bundle", str(bundle))
            results["bundle"].append(seconds)
            results["bundle_peak"].append(peak)
            size = bundle.stat().st_size
            results["verify"].append(timed(env, sys.executable, "-m", "privacy", "verify-bundle", str(bundle))[0])
        database = "PostgreSQL" if settings.database_url else "SQLite"
        print(
            f"\n{database}: 200 activities, {SUBPROCESSORS} sub-processors, {REQUESTS:,} requests, "
            f"{CONSENT_RECORDS:,} consent records; {rounds} rounds, min / median / max\n"
        )
        print(f"{'notice PDF (GET /privacy.pdf)':<48} {spread(results['pdf'], 's'):>30}")
        print(f"{'  peak memory of that process':<48} {spread(results['pdf_peak'], 'MiB', 0):>30}")
        print(f"{'audit bundle (privacy export audit-bundle)':<48} {spread(results['bundle'], 's'):>30}")
        print(f"{'  peak memory (goal < 300 MB)':<48} {spread(results['bundle_peak'], 'MiB', 0):>30}")
        print(f"{'privacy verify-bundle':<48} {spread(results['verify'], 's'):>30}")
        print(f"{'bundle size':<48} {size / 1024 / 1024:>26.1f} MiB")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
