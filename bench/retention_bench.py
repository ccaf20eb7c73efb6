"""Retention sweeps on a table of 1,000,000 rows with half past the cutoff: delete and anonymise
sweeps (rows/s, longest batch) against one `DELETE ... WHERE ts < cutoff` on an identical table in
the same run.

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

from privacy.actors import Actor
from privacy.db import database_config, upgrade_database
from privacy.keys import Keyring, load_master_secret
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
        await service.save_rule(
            session,
            rule=RuleIn.model_validate({**rule, "store": {**rule["store"], "database_url": url}}),  # type: ignore[dict-item]
            actor=Actor.system("bench"),
            now=NOW,
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


def store(table: str) -> dict[str, str]:
    return {"kind": "sql", "table": table, "timestamp_column": "ts", "key_column": "id"}


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=None, help="PRIVACY_RETENTION_BATCH_SIZE (default 5,000)")
    arguments = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="privacy-retention-bench-"))
    try:
        settings = Settings(_env_file=None, data_dir=workdir / "data", secret_key=SECRET)  # type: ignore[call-arg]
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
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
