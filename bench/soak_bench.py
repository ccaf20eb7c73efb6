"""Scale-out soak: two `privacy serve` instances and two `privacy worker` processes on one PostgreSQL
for `--seconds`, under consent load, staff-recorded requests whose steps reach another system over
HTTP, and a retention sweep, all at once. Then it checks that every acknowledged consent record is
stored, every request step ran exactly once (the other system, served here on loopback, records
each call it receives), and no sweep batch was applied twice (a trigger in the swept table keeps a
ledger of every DELETE statement: its key range and rows), and prints the figures while it ran.

Run: PRIVACY_DATABASE_URL=postgresql+asyncpg://privacy:privacy@127.0.0.1:5432/privacy_soak \
  .venv/bin/python bench/soak_bench.py [--seconds 60 --rounds 1]
A scratch database: the bench fills it, and drops and creates `<database>_store` beside it (the
swept table's database; the role needs CREATEDB). Needs Debian's `wrk`. Exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from pathlib import Path

import yaml
from run import SECRET, free_port, privacy, spread, start, stop
from soak_checks import Problems, check_consent, check_requests, check_sweep, count, drained
from soak_load import SYSTEM, SYSTEM_SECRET, Intake, LoopbackSystem, Sampler, Wrk, wrk_result, wrk_start
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).parents[1]
RECORD = '{"site": "www", "policy_version": "2026-11", "action": "accept_all"}'
STORE = "soak-store"  # the database of the swept table
RECORD_CONNECTIONS = 32  # per instance: 64 in all, as in the consent benchmark
DUE_MINUTES = (288_000, 230_400)  # due rows 200 to 360 days old; the others 0 to 160 days (period P180D)
LEDGER = (
    "CREATE TABLE soak_ledger (id BIGSERIAL PRIMARY KEY, tbl TEXT, pid INT, xid BIGINT, lo BIGINT, hi BIGINT, "
    "rows BIGINT, newest TIMESTAMP, at TIMESTAMPTZ)",
    "CREATE FUNCTION soak_ledger_entry() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO soak_ledger (tbl, pid, xid, lo, hi, rows, newest, at) SELECT TG_TABLE_NAME, pg_backend_pid(), "
    "txid_current(), min(id), max(id), count(*), max(ts), clock_timestamp() FROM gone; RETURN NULL; END $$",
)


# The swept store and the configuration.


def store_url_of(toolkit_url: str) -> str:
    url = make_url(toolkit_url)
    return url.set(database=f"{url.database}_store").render_as_string(hide_password=False)


async def make_store_database(toolkit_url: str, store_url: str) -> None:
    name = make_url(store_url).database
    engine = create_async_engine(toolkit_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    engine = create_async_engine(store_url, poolclass=NullPool)
    async with engine.begin() as connection:
        for statement in LEDGER:
            await connection.execute(text(statement))
    await engine.dispose()


async def fill_table(store_url: str, table: str, rows: int) -> int:
    """`rows` rows, keys growing with time; the older half 200 to 360 days old (due under P180D),
    the rest under 160 days old, so no row crosses the cutoff while the soak runs. Every DELETE on
    the table leaves a line in the ledger. Answers the rows due."""
    half = rows // 2
    old, span = DUE_MINUTES
    engine = create_async_engine(store_url, poolclass=NullPool)
    async with engine.begin() as connection:
        await connection.execute(
            text(f"CREATE TABLE {table} (id BIGINT PRIMARY KEY, email VARCHAR(200), ts TIMESTAMP)")
        )
        await connection.execute(
            text(
                f"INSERT INTO {table} SELECT i, 'person' || i || '@example.org', (now() AT TIME ZONE 'utc') "
                f"- make_interval(mins => CASE WHEN i <= {half} "
                f"THEN {old} + (({half} - i)::bigint * {span} / {half})::int "
                f"ELSE (({rows} - i)::bigint * {span} / {half})::int END) FROM generate_series(1, {rows}) AS i"
            )
        )
        await connection.execute(text(f"CREATE INDEX {table}_ts ON {table} (ts)"))
        await connection.execute(
            text(
                f"CREATE TRIGGER {table}_ledger AFTER DELETE ON {table} REFERENCING OLD TABLE AS gone "
                "FOR EACH STATEMENT EXECUTE FUNCTION soak_ledger_entry()"
            )
        )
        await connection.execute(text(f"ANALYZE {table}"))
    await engine.dispose()
    return half


def config_file(path: Path, *, system_url: str, store_url: str, rule_key: str, table: str) -> Path:
    """The loopback system and its connector, the store's system and the rule sweeping the table;
    the demo's backup schedules kept as they are."""
    backups = yaml.safe_load((ROOT / "privacy" / "demo.yaml").read_text())["retention"]["backups"]
    store = {"kind": "sql", "system": STORE, "table": table, "timestamp_column": "ts", "key_column": "id"}
    document = {
        "systems": [
            {"key": SYSTEM, "name": "Soak loopback system", "kind": "http", "url": system_url, "secret": SYSTEM_SECRET},
            {"key": STORE, "name": "Soak store", "kind": "sql", "url": store_url},
        ],
        "connectors": [{"key": SYSTEM, "name": "Soak loopback system", "kind": "http", "system": SYSTEM}],
        "retention": {"rules": [{"key": rule_key, "period": "P180D", "store": store}], "backups": backups},
    }
    path.write_text(yaml.safe_dump(document))
    return path


# The processes.


def start_workers(env: dict[str, str], logs: Path) -> list[subprocess.Popen[bytes]]:
    workers = []
    for number in (1, 2):
        with (logs / f"worker-{number}.log").open("ab") as log:
            command = [sys.executable, "-m", "privacy", "worker"]
            workers.append(subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT))
    return workers


def worker_log(logs: Path) -> list[str]:
    """What the workers logged (at WARNING and above) this round; the files are then emptied."""
    lines = []
    for path in sorted(logs.glob("worker-*.log")):
        lines += path.read_text(errors="replace").splitlines()
        path.unlink()
    return lines


def stop_all(processes: Sequence[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            stop(process)


# A round.


@dataclass(frozen=True)
class Soak:
    """What every round shares."""

    env: dict[str, str]
    toolkit_url: str
    store_url: str
    system_url: str
    token: str
    tag: str
    workdir: Path
    options: argparse.Namespace


@dataclass(frozen=True)
class Load:
    began: datetime
    records: list[Wrk]
    sampler: Sampler
    intake: Intake
    drain: float


def soak_load(soak: Soak, apis: list[str], rule_key: str, tag: str) -> Load:
    """wrk posting records on both instances, a sampler timing decisions, staff recording requests,
    and the two workers (which take up the sweep at once): all for `--seconds`; then the workers
    drain what is left."""
    seconds, lua = soak.options.seconds, str(soak.workdir / "record.lua")
    intake, sampler = Intake(apis, soak.token, soak.options.request_every, tag), Sampler(apis)
    threads = [threading.Thread(target=intake.run), threading.Thread(target=sampler.run)]
    began = datetime.now(UTC)
    workers = start_workers(soak.env, soak.workdir)
    try:
        records = [wrk_start(f"{api}/api/v1/consent/records", RECORD_CONNECTIONS, seconds, "-s", lua) for api in apis]
        for thread in threads:
            thread.start()
        results = [wrk_result(process) for process in records]
        intake.stopping.set()
        sampler.stopping.set()
        for thread in threads:
            thread.join()
        drain = asyncio.run(drained(soak.toolkit_url, list(intake.ids), rule_key, soak.options.drain_timeout))
    finally:
        stop_all(workers)
    return Load(began, results, sampler, intake, drain)


@dataclass(frozen=True)
class Round:
    figures: dict[str, float]
    problems: Problems
    log: list[str]  # the workers' warnings and errors


def one_round(soak: Soak, number: int) -> Round:
    table, rule_key, tag = f"soak_events_{number}", f"soak-{soak.tag}-{number}", f"{soak.tag}-{number}"
    due = asyncio.run(fill_table(soak.store_url, table, soak.options.rows))
    path = soak.workdir / f"soak-{number}.yaml"
    config_file(path, system_url=soak.system_url, store_url=soak.store_url, rule_key=rule_key, table=table)
    privacy(soak.env, "apply", str(path))
    privacy(soak.env, "retention", "approve", rule_key, "--by", "soak benchmark", "--yes")  # after its dry run
    LoopbackSystem.taken()
    ports = [free_port(), free_port()]
    services = [start(soak.env, port) for port in ports]
    apis = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        before = asyncio.run(count(soak.toolkit_url, "SELECT count(*) FROM consent_records"))
        load = soak_load(soak, apis, rule_key, tag)
    finally:
        stop_all([process for process, _ in services])
    stored = asyncio.run(count(soak.toolkit_url, "SELECT count(*) FROM consent_records")) - before
    figures, problems = check_consent(load.records, load.sampler, stored, soak.options.seconds)
    for more_figures, more_problems in (
        check_requests(load.intake, soak.toolkit_url, LoopbackSystem.taken()),
        check_sweep(soak.toolkit_url, soak.store_url, rule_key, table, soak.options.rows, due, load.began),
    ):
        figures |= more_figures
        problems |= more_problems
    figures["drain s"] = load.drain
    return Round(figures, problems, worker_log(soak.workdir))


# The report.

FIGURES = [
    ("acknowledged consent records/s (both instances)", "records/s", "/s", 0),
    ("  record p99 (worse instance)", "record p99", "ms", 1),
    ("decision p50 (sampled, both instances)", "decision p50", "ms", 1),
    ("decision p99 (sampled, both instances)", "decision p99", "ms", 1),
    ("  decisions sampled", "decisions", "", 0),
    ("requests recorded by staff", "requests", "", 0),
    ("  their steps (toolkit + other system)", "steps", "", 0),
    ("  steps that needed a second try", "retried steps", "", 0),
    ("  receipt to answer, median", "answered p50", "s", 1),
    ("  receipt to answer, longest", "answered max", "s", 1),
    ("sweep rows/s (delete, first batch to last)", "sweep rows/s", "/s", 0),
    ("  first batch done, s after the soak began", "sweep start", "s", 1),
    ("  last batch done, s after the soak began", "sweep end", "s", 1),
    ("  batches (DELETE statements)", "sweep batches", "", 0),
    ("drain after the soak (requests answered, sweep done)", "drain s", "s", 1),
]


def report(results: list[Round], options: argparse.Namespace) -> bool:
    """Prints the figures and the checks; answers whether every check passed."""
    print(
        f"\nscale-out soak: 2 x privacy serve (1 worker each) + 2 x privacy worker on PostgreSQL, "
        f"{options.seconds} s, {options.rows:,} rows in the swept table ({options.rows // 2:,} due), "
        f"{len(results)} round(s); min / median / max\n"
    )
    for label, name, unit, digits in FIGURES:
        print(f"{label:<56} {spread([result.figures[name] for result in results], unit, digits):>30}")
    print()
    passed = True
    for check in results[0].problems:
        evidence = [line for result in results for line in result.problems[check]]
        passed = passed and not evidence
        print(f"{'FAILED' if evidence else 'ok':<8} {check}")
        for line in evidence[:20]:
            print(f"           {line}")
        if len(evidence) > 20:
            print(f"           ... and {len(evidence) - 20} more")
    print_log(results)
    return passed


def print_log(results: list[Round]) -> None:
    """The workers' warnings and errors, each distinct line once with how often it came."""
    for number, result in enumerate(results, 1):
        lines = Counter(result.log)
        if lines:
            print(f"\nround {number}: the workers logged {len(result.log)} warnings or errors")
        for line, times in lines.most_common(10):
            print(f"  {times} x {line[:160]}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--rows", type=int, default=2_000_000, help="rows in the swept table, half of them due")
    parser.add_argument("--request-every", type=float, default=1.0, help="seconds between staff-recorded requests")
    parser.add_argument("--drain-timeout", type=float, default=180.0, help="seconds the workers get after the soak")
    options = parser.parse_args()
    toolkit_url = os.environ.get("PRIVACY_DATABASE_URL", "")
    if not toolkit_url.startswith("postgresql"):
        sys.exit("the soak runs on PostgreSQL: set PRIVACY_DATABASE_URL to a scratch database")
    workdir = Path(tempfile.mkdtemp(prefix="privacy-soak-bench-"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), LoopbackSystem)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        soak = prepare(options, toolkit_url, workdir, f"http://127.0.0.1:{server.server_address[1]}/privacy")
        passed = report([one_round(soak, number) for number in range(1, options.rounds + 1)], options)
    finally:
        server.shutdown()
        shutil.rmtree(workdir, ignore_errors=True)
    sys.exit(0 if passed else 1)


def prepare(options: argparse.Namespace, toolkit_url: str, workdir: Path, system_url: str) -> Soak:
    env = {
        **os.environ,
        "PRIVACY_DATA_DIR": str(workdir / "data"),
        "PRIVACY_SECRET_KEY": SECRET,
        "PRIVACY_LOG_LEVEL": "WARNING",
        "PRIVACY_BACKGROUND_WORK": "false",  # in the serve instances: the two workers do it
        "PRIVACY_BACKGROUND_INTERVAL_SECONDS": "1",
        "PRIVACY_CONSENT_RECORDS_PER_MINUTE": "100000000",  # wrk is one client sending as fast as it can
        "PRIVACY_OUTBOUND_ALLOW": "127.0.0.0/8",  # the loopback system and the store's PostgreSQL
    }
    (workdir / "record.lua").write_text(
        f'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [[{RECORD}]]\n'
    )
    store_url = store_url_of(toolkit_url)
    asyncio.run(make_store_database(toolkit_url, store_url))
    privacy(env, "db", "upgrade")
    privacy(env, "demo")
    token = privacy(env, "tokens", "create", "--role", "privacy_officer", "--name", "soak").strip().splitlines()[-1]
    tag = datetime.now(UTC).strftime("%m%d%H%M%S")  # rule keys of their own on a database soaked before
    return Soak(env, toolkit_url, store_url, system_url, token, tag, workdir, options)


if __name__ == "__main__":
    main()
