"""Retention sweeps on a table of 1,000,000 rows with half past the cutoff, each against the
database doing the same work natively on an identical table in the same round: the delete sweep
against one `DELETE ... WHERE ts < cutoff`, the anonymising sweep (keyed hash and IP truncation)
against one `UPDATE` applying the same transforms in SQL. Meanwhile a reader looks rows up by key
on the table being worked on (the store as its application sees it). On PostgreSQL also: dropping
a month partition of the toolkit's consent records against deleting the same rows from a copy.

Run: PRIVACY_DATABASE_URL=postgresql+asyncpg://... .venv/bin/python bench/retention_bench.py [--rows N --rounds N]
(a scratch database: the bench creates its tables there, and pgcrypto; without the variable, a SQLite file)
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import itertools
import os
import random
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from run import SECRET, spread
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from consent import partitions
from privacy import systems
from privacy.actors import Actor
from privacy.db import database_config, upgrade_database
from privacy.keys import Keyring, load_master_secret
from privacy.network import truncate_ip
from privacy.schemas import SystemIn
from privacy.settings import Settings
from retention import service, sweeps
from retention.models import RetentionRule
from retention.schemas import RuleIn

NOW = datetime(2026, 11, 22, tzinfo=UTC)
CUTOFF = (NOW - timedelta(days=180)).replace(tzinfo=None)
TABLES = ("bench_delete_baseline", "bench_delete", "bench_anonymise_baseline", "bench_anonymise")
TRANSFORMS = [{"column": "email", "transform": "keyed_hash"}, {"column": "ip", "transform": "truncate_ip"}]
# The same transforms as one statement of the database's own (PostgreSQL: pgcrypto; SQLite:
# functions registered by the bench, as SQLite has no HMAC of its own).
POSTGRESQL_UPDATE = (
    "UPDATE bench_anonymise_baseline SET "
    "email = 'h:' || substr(encode(hmac(convert_to(email, 'UTF8'), :key, 'sha256'), 'hex'), 1, 40), "
    "ip = split_part(ip, '.', 1) || '.' || split_part(ip, '.', 2) || '.0.0' WHERE ts < :cutoff"
)
SQLITE_UPDATE = "UPDATE bench_anonymise_baseline SET email = bench_hash(email), ip = bench_ip(ip) WHERE ts < :cutoff"


async def make_tables(url: str, rows: int) -> None:
    """Identical tables of `rows` rows spread evenly over 360 days, keys growing with time as an
    application inserts them: the older half is past the 180-day cutoff."""
    engine = create_async_engine(url, poolclass=NullPool)
    span_minutes = 360 * 24 * 60
    async with engine.begin() as connection:
        if url.startswith("postgresql"):
            await connection.execute(text("CREATE EXTENSION IF NOT EXISTS pgcrypto"))
        else:  # as an application keeps it, so that its readers never wait for a writer
            await connection.execute(text("PRAGMA journal_mode=WAL"))
        for name in TABLES:
            await connection.execute(text(f"DROP TABLE IF EXISTS {name}"))
            await connection.execute(
                text(f"CREATE TABLE {name} (id BIGINT PRIMARY KEY, email VARCHAR(200), ip VARCHAR(64), ts TIMESTAMP)")
            )
            if url.startswith("postgresql"):
                fill = (
                    f"INSERT INTO {name} SELECT i, 'person' || i || '@example.org', '81.2.' || (i % 250) || '.7', "
                    "TIMESTAMP '2026-11-22' - make_interval(mins => "
                    f"(({rows} - i)::bigint * {span_minutes} / {rows})::int) "
                    f"FROM generate_series(1, {rows}) AS i"
                )
            else:
                fill = (
                    f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows}) "
                    f"INSERT INTO {name} SELECT i, 'person' || i || '@example.org', '81.2.' || (i % 250) || '.7', "
                    f"datetime('2026-11-22', '-' || (({rows} - i) * {span_minutes} / {rows}) || ' minutes') FROM n"
                )
            await connection.execute(text(fill))
            await connection.execute(text(f"CREATE INDEX {name}_ts ON {name} (ts)"))
            if url.startswith("postgresql"):
                await connection.execute(text(f"ANALYZE {name}"))
    await engine.dispose()


class Reader:
    """Looks rows up by key, one every few milliseconds, from a thread and a connection of its own,
    while the work on its table runs: the latency the store's application sees meanwhile."""

    def __init__(self, url: str, table: str, rows: int) -> None:
        self.url, self.table, self.rows = url, table, rows
        self.latencies: list[float] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self.read()))

    async def read(self) -> None:
        engine = create_async_engine(self.url, poolclass=NullPool)
        looked_up = text(f"SELECT email, ip FROM {self.table} WHERE id = :id")
        async with engine.connect() as connection:
            while not self.stop.is_set():
                started = time.perf_counter()
                (await connection.execute(looked_up, {"id": random.randint(1, self.rows)})).all()
                await connection.commit()  # no snapshot held between reads
                self.latencies.append(time.perf_counter() - started)
                await asyncio.sleep(0.005)
        await engine.dispose()

    async def during(self, work: Awaitable[Any]) -> Any:
        self.thread.start()
        await asyncio.sleep(0.2)  # the reader connected and reading before the work starts
        try:
            return await work
        finally:
            self.stop.set()
            self.thread.join()

    def p99(self) -> float:
        return statistics.quantiles(self.latencies, n=100)[98] if len(self.latencies) > 1 else 0.0


async def baseline_delete(url: str) -> tuple[float, int]:
    engine = create_async_engine(url, poolclass=NullPool)
    async with engine.connect() as connection:
        started = time.perf_counter()
        deleted = await connection.execute(text("DELETE FROM bench_delete_baseline WHERE ts < :c"), {"c": CUTOFF})
        await connection.commit()
        elapsed = time.perf_counter() - started
    await engine.dispose()
    return elapsed, deleted.rowcount


async def baseline_update(url: str, hash_key: bytes) -> tuple[float, int]:
    engine = create_async_engine(url, poolclass=NullPool)
    async with engine.connect() as connection:
        if url.startswith("postgresql"):
            statement, parameters = POSTGRESQL_UPDATE, {"key": hash_key, "cutoff": CUTOFF}
        else:
            await register_sqlite_functions(connection, hash_key)
            statement, parameters = SQLITE_UPDATE, {"cutoff": CUTOFF}
        started = time.perf_counter()
        updated = await connection.execute(text(statement), parameters)
        await connection.commit()
        elapsed = time.perf_counter() - started
    await engine.dispose()
    return elapsed, updated.rowcount


async def register_sqlite_functions(connection: AsyncConnection, hash_key: bytes) -> None:
    def keyed_hash(value: str | None) -> str | None:
        return None if value is None else "h:" + hmac.new(hash_key, value.encode(), hashlib.sha256).hexdigest()[:40]

    driver = (await connection.get_raw_connection()).driver_connection
    await driver.create_function("bench_hash", 1, keyed_hash, deterministic=True)
    await driver.create_function("bench_ip", 1, truncate_ip, deterministic=True)


async def timed_sweep(settings: Settings, url: str, rule: dict[str, object]) -> tuple[float, float, int]:
    """(seconds, longest batch in seconds, rows changed). The first interval timed also holds the
    sweep's count of the rows due."""
    config = database_config(settings, session_info={"keyring": Keyring(load_master_secret(settings))})
    marks: list[float] = []
    async with config.create_session_maker()() as session:
        store_system = SystemIn(key="bench-store", name="Bench store", kind="sql", url=url)
        await systems.save_system(session, system=store_system, actor=Actor.system("bench"), settings=settings, now=NOW)
        await service.save_rule(session, rule=RuleIn.model_validate(rule), actor=Actor.system("bench"), now=NOW)
        # As if its dry run had been approved (retention.review): the benchmark times the sweep alone.
        await session.execute(
            update(RetentionRule).where(RetentionRule.key == rule["key"]).values(awaiting_review=False)
        )
        await session.commit()
        started = time.perf_counter()
        marks.append(started)
        run = await sweeps.sweep(
            session,
            rule_key=str(rule["key"]),
            settings=settings,
            now=NOW,
            progress=lambda done, total: marks.append(time.perf_counter()),
        )
        elapsed = time.perf_counter() - started
    await config.get_engine().dispose()
    longest = max((b - a for a, b in itertools.pairwise(marks)), default=0.0)
    return elapsed, longest, run.counts["deleted"] + run.counts["anonymised"]


def rule(key: str, table: str, **fields: object) -> dict[str, object]:
    store = {"kind": "sql", "system": "bench-store", "table": table, "timestamp_column": "ts", "key_column": "id"}
    return {"key": key, "period": "P180D", "store": store, **fields}


async def watched(url: str, table: str, rows: int, work: Callable[[], Awaitable[Any]]) -> tuple[Any, float]:
    """The work's answer and the reader's p99 on `table` meanwhile."""
    reader = Reader(url, table, rows)
    answer = await reader.during(work())
    return answer, reader.p99()


async def differing_rows(url: str) -> int:
    """Rows the anonymising sweep left other than the native UPDATE did: none, or the bench stops."""
    engine = create_async_engine(url, poolclass=NullPool)
    async with engine.connect() as connection:
        differing = await connection.scalar(
            text(
                "SELECT count(*) FROM bench_anonymise AS s JOIN bench_anonymise_baseline AS b ON s.id = b.id "
                "WHERE s.email <> b.email OR s.ip <> b.ip"
            )
        )
    await engine.dispose()
    return int(differing or 0)


async def one_round(settings: Settings, url: str, rows: int, hash_key: bytes) -> dict[str, float]:
    await make_tables(url, rows)
    (base_seconds, base_rows), base_p99 = await watched(
        url, "bench_delete_baseline", rows, lambda: baseline_delete(url)
    )
    (delete_seconds, delete_longest, deleted), delete_p99 = await watched(
        url, "bench_delete", rows, lambda: timed_sweep(settings, url, rule("bench-delete", "bench_delete"))
    )
    (update_seconds, updated), update_p99 = await watched(
        url, "bench_anonymise_baseline", rows, lambda: baseline_update(url, hash_key)
    )
    anonymising = rule("bench-anonymise", "bench_anonymise", action="anonymise", transforms=TRANSFORMS)
    (anon_seconds, anon_longest, anonymised), anon_p99 = await watched(
        url, "bench_anonymise", rows, lambda: timed_sweep(settings, url, anonymising)
    )
    assert deleted == base_rows == updated == anonymised, (deleted, base_rows, updated, anonymised)
    assert await differing_rows(url) == 0, "the sweep and the native UPDATE disagree"
    return {
        "rows": base_rows,
        "baseline_delete": base_rows / base_seconds,
        "delete": deleted / delete_seconds,
        "delete_ratio": (deleted / delete_seconds) / (base_rows / base_seconds) * 100,
        "delete_longest": delete_longest,
        "baseline_update": updated / update_seconds,
        "anonymise": anonymised / anon_seconds,
        "anonymise_ratio": (anonymised / anon_seconds) / (updated / update_seconds) * 100,
        "anonymise_longest": anon_longest,
        "baseline_delete_p99": base_p99 * 1000,
        "delete_p99": delete_p99 * 1000,
        "baseline_update_p99": update_p99 * 1000,
        "anonymise_p99": anon_p99 * 1000,
    }


async def partition_round(settings: Settings, rows: int) -> dict[str, float]:
    """Consent records spread over 12 months in the partitioned table (the toolkit's own, on the
    scratch database) and in a plain copy with an index on `recorded_at`: the oldest month dropped
    as the sweep drops it (count, then DROP) against a DELETE of the same rows from the copy."""
    engine = create_async_engine(settings.effective_database_url, poolclass=NullPool)
    oldest = partitions.month_of(NOW - timedelta(days=365))
    async with engine.begin() as connection:
        await connection.execute(text("TRUNCATE consent_records"))
        await partitions.make_months(connection, [partitions.month_of(NOW - timedelta(days=30 * m)) for m in range(13)])
        await connection.execute(
            text(
                "INSERT INTO consent_records (consent_id, recorded_at, site, policy_version, text_hash, country, "
                "regime, jurisdiction_source, gpc, action, granted, denied, ui, ip_truncated, valid_until) "
                "SELECT gen_random_uuid(), CAST(:start AS timestamptz) + make_interval(secs => i * 31536000.0/:rows), "
                "'www', '1', "
                "repeat('0', 64), 'DE', 'opt_in', 'cdn', false, 'accept_all', '[\"necessary\"]', '[]', 'banner', "
                "'81.2.0.0', CAST(:start AS timestamptz) FROM generate_series(1, :rows) AS i"
            ),
            {"start": oldest.start, "rows": rows},
        )
        await connection.execute(text("DROP TABLE IF EXISTS bench_consent_plain"))
        await connection.execute(text("CREATE TABLE bench_consent_plain AS SELECT * FROM consent_records"))
        await connection.execute(text("CREATE INDEX bench_consent_plain_at ON bench_consent_plain (recorded_at)"))
    async with engine.begin() as connection:
        started = time.perf_counter()
        deleted = (
            await connection.execute(
                text("DELETE FROM bench_consent_plain WHERE recorded_at >= :start AND recorded_at < :end"),
                {"start": oldest.start, "end": oldest.end},
            )
        ).rowcount
        delete_seconds = time.perf_counter() - started
    async with engine.begin() as connection:
        started = time.perf_counter()
        dropped = await partitions.count_rows(connection, oldest)
        await partitions.drop_month(connection, oldest)
        drop_seconds = time.perf_counter() - started
    await engine.dispose()
    assert dropped == deleted, (dropped, deleted)
    return {"month_rows": dropped, "delete_month": delete_seconds, "drop_month": drop_seconds}


def print_sweeps(results: list[dict[str, float]], database: str, rows: int, first_batch: int) -> None:
    print(
        f"\nretention, store on {database}, {rows:,} rows ({int(results[0]['rows']):,} past the cutoff), "
        f"{len(results)} rounds; min / median / max\n"
    )
    lines = [
        ("baseline DELETE ... WHERE ts < cutoff", "baseline_delete", "rows/s", 0),
        (f"delete sweep (first batch {first_batch:,} rows, then 0.25 s)", "delete", "rows/s", 0),
        ("delete sweep / baseline (PostgreSQL goal >= 50%)", "delete_ratio", "%", 0),
        ("  longest delete batch (goal < 1 s)", "delete_longest", "s", 2),
        ("baseline UPDATE (keyed hash + IP truncation)", "baseline_update", "rows/s", 0),
        ("anonymise sweep", "anonymise", "rows/s", 0),
        ("anonymise sweep / baseline (PostgreSQL goal >= 50%)", "anonymise_ratio", "%", 0),
        ("  longest anonymise batch (goal < 1 s)", "anonymise_longest", "s", 2),
        ("reader p99 during baseline DELETE", "baseline_delete_p99", "ms", 1),
        ("reader p99 during delete sweep", "delete_p99", "ms", 1),
        ("reader p99 during baseline UPDATE", "baseline_update_p99", "ms", 1),
        ("reader p99 during anonymise sweep", "anonymise_p99", "ms", 1),
    ]
    for label, name, unit, digits in lines:
        print(f"{label:<50} {spread([r[name] for r in results], unit, digits):>32}")


def print_partitions(settings: Settings, url: str, rows: int, rounds: int) -> None:
    toolkit = settings.model_copy(update={"database_url": url})
    upgrade_database(toolkit)
    months = [asyncio.run(partition_round(toolkit, rows)) for _ in range(rounds)]
    print(f"\nconsent records: {rows:,} over 12 months, one month = {int(months[0]['month_rows']):,} rows")
    for label, name in [
        ("DELETE of the month (unpartitioned copy)", "delete_month"),
        ("count + DROP of its partition", "drop_month"),
    ]:
        print(f"{label:<50} {spread([m[name] for m in months], 's', 3):>32}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=None, help="PRIVACY_RETENTION_BATCH_SIZE (default 5,000)")
    arguments = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="privacy-retention-bench-"))
    try:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            # The toolkit's own database is the data folder's, whatever PRIVACY_DATABASE_URL says: that
            # variable names the store swept, which the toolkit refuses as a system if it is its own.
            database_url=None,
            data_dir=workdir / "data",
            secret_key=SECRET,
            outbound_allow="127.0.0.0/8,::1/128",  # the store's PostgreSQL on loopback
            external_sqlite_dir=workdir,
        )
        if arguments.batch_size:
            settings = settings.model_copy(update={"retention_batch_size": arguments.batch_size})
        url = os.environ.get("PRIVACY_DATABASE_URL") or f"sqlite+aiosqlite:///{workdir / 'store.sqlite3'}"
        upgrade_database(settings)
        hash_key = Keyring(load_master_secret(settings)).subkey("retention-keyed-hash")
        results = [asyncio.run(one_round(settings, url, arguments.rows, hash_key)) for _ in range(arguments.rounds)]
        database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        print_sweeps(results, database, arguments.rows, settings.retention_batch_size)
        if database == "PostgreSQL":
            print_partitions(settings, url, arguments.rows, arguments.rounds)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
