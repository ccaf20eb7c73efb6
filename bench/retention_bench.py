"""Retention sweeps on a table of 1,000,000 rows with half past the cutoff: delete and anonymise
sweeps (rows/s, longest batch) against one `DELETE ... WHERE ts < cutoff` on an identical table in
the same run. On PostgreSQL also: dropping a month partition of the toolkit's consent records
against deleting the same rows from an unpartitioned copy.

Run: PRIVACY_DATABASE_URL=postgresql+asyncpg://... .venv/bin/python bench/retention_bench.py [--rows N --rounds N]
(a scratch database: the bench creates its tables there; without the variable, a SQLite file)
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from run import SECRET, spread
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from consent import partitions
from privacy import systems
from privacy.actors import Actor
from privacy.db import database_config, upgrade_database
from privacy.keys import Keyring, load_master_secret
from privacy.schemas import SystemIn
from privacy.settings import Settings
from retention import service, sweeps
from retention.schemas import RuleIn

NOW = datetime(2026, 11, 22, tzinfo=UTC)
TABLES = ("bench_baseline", "bench_delete", "bench_anonymise")


async def make_tables(url: str, rows: int) -> None:
    """Identical tables of `rows` rows spread evenly over 360 days, keys growing with time as an
    application inserts them: the older half is past the 180-day cutoff."""
    engine = create_async_engine(url, poolclass=NullPool)
    span_minutes = 360 * 24 * 60  # rows spread over 360 days: half before the 180-day cutoff
    async with engine.begin() as connection:
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
    await engine.dispose()


async def baseline_delete(url: str) -> tuple[float, int]:
    engine = create_async_engine(url, poolclass=NullPool)
    cutoff = (NOW - timedelta(days=180)).replace(tzinfo=None)
    async with engine.begin() as connection:
        started = time.perf_counter()
        deleted = (await connection.execute(text("DELETE FROM bench_baseline WHERE ts < :c"), {"c": cutoff})).rowcount
        elapsed = time.perf_counter() - started
    await engine.dispose()
    return elapsed, deleted


async def timed_sweep(settings: Settings, url: str, rule: dict[str, object]) -> tuple[float, float, int]:
    """(seconds, longest batch in seconds, rows changed)."""
    config = database_config(settings, session_info={"keyring": Keyring(load_master_secret(settings))})
    marks: list[float] = []
    async with config.create_session_maker()() as session:
        store_system = SystemIn(key="bench-store", name="Bench store", kind="sql", url=url)
        await systems.save_system(session, system=store_system, actor=Actor.system("bench"), settings=settings, now=NOW)
        await service.save_rule(session, rule=RuleIn.model_validate(rule), actor=Actor.system("bench"), now=NOW)
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


def store(table: str) -> dict[str, str]:
    return {"kind": "sql", "system": "bench-store", "table": table, "timestamp_column": "ts", "key_column": "id"}


async def one_round(settings: Settings, url: str, rows: int) -> dict[str, float]:
    await make_tables(url, rows)
    base_seconds, base_rows = await baseline_delete(url)
    delete_seconds, delete_longest, deleted = await timed_sweep(
        settings, url, {"key": "bench-delete", "period": "P180D", "store": store("bench_delete")}
    )
    anon_seconds, anon_longest, anonymised = await timed_sweep(
        settings,
        url,
        {
            "key": "bench-anonymise",
            "period": "P180D",
            "action": "anonymise",
            "transforms": [
                {"column": "email", "transform": "keyed_hash"},
                {"column": "ip", "transform": "truncate_ip"},
            ],
            "store": store("bench_anonymise"),
        },
    )
    assert deleted == base_rows == anonymised, (deleted, base_rows, anonymised)
    return {
        "rows": base_rows,
        "baseline": base_rows / base_seconds,
        "delete": deleted / delete_seconds,
        "delete_longest": delete_longest,
        "anonymise": anonymised / anon_seconds,
        "anonymise_longest": anon_longest,
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=1)
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
        results = [asyncio.run(one_round(settings, url, arguments.rows)) for _ in range(arguments.rounds)]
        database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        print(
            f"\nretention, store on {database}, {arguments.rows:,} rows ({int(results[0]['rows']):,} past the cutoff), "
            f"{arguments.rounds} rounds; min / median / max\n"
        )
        for label, name, unit in [
            ("baseline DELETE ... WHERE ts < cutoff", "baseline", "rows/s"),
            (f"delete sweep (batches of {settings.retention_batch_size:,})", "delete", "rows/s"),
            ("anonymise sweep (keyed hash + IP truncation)", "anonymise", "rows/s"),
        ]:
            print(f"{label:<50} {spread([r[name] for r in results], unit, 0):>32}")
        for name in ("delete", "anonymise"):
            ratios = [r[name] / r["baseline"] * 100 for r in results]
            print(f"{name + ' / baseline (goal >= 50%)':<50} {spread(ratios, '%', 0):>32}")
            longest = [r[f"{name}_longest"] for r in results]
            print(f"{'  longest single ' + name + ' batch (goal < 1 s)':<50} {spread(longest, 's'):>32}")
        median_ratio = statistics.median(r["delete"] / r["baseline"] for r in results) * 100
        print(f"{'median delete ratio':<50} {median_ratio:>30.0f} %")
        if database == "PostgreSQL":
            toolkit = settings.model_copy(update={"database_url": url})
            upgrade_database(toolkit)
            months = [asyncio.run(partition_round(toolkit, arguments.rows)) for _ in range(arguments.rounds)]
            month_rows = int(months[0]["month_rows"])
            print(f"\nconsent records: {arguments.rows:,} over 12 months, one month = {month_rows:,} rows")
            for label, name in [
                ("DELETE of the month (unpartitioned copy)", "delete_month"),
                ("count + DROP of its partition", "drop_month"),
            ]:
                print(f"{label:<50} {spread([m[name] for m in months], 's', 3):>32}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
