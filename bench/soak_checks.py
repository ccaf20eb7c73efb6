"""The soak's checks: reading the databases (consent records counted, the drain awaited, then the
requests and their steps, the rule's runs and the swept table's DELETE ledger) and checking consent,
requests, steps and calls, and the sweep. Used by soak_bench.py.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import statistics
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from soak_load import SYSTEM, Call, Intake, Sampler, Wrk
from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

ACTIONS = {"access": "export", "erasure": "erase"}
Problems = dict[str, list[str]]  # check -> evidence (empty: passed)


# Reading the databases.


async def count(url: str, statement: str, **parameters: Any) -> int:
    engine = create_async_engine(url, poolclass=NullPool)
    async with engine.connect() as connection:
        found = await connection.scalar(text(statement), parameters)
    await engine.dispose()
    return int(found or 0)


RUN_STATES = text("SELECT status FROM retention_runs WHERE rule_key = :rule")
OPEN_REQUESTS = text(
    "SELECT count(*) FROM data_requests WHERE CAST(id AS TEXT) IN :ids AND status <> 'completed'"
).bindparams(bindparam("ids", expanding=True))


async def drained(url: str, ids: list[str], rule_key: str, limit: float) -> float:
    """Waits until every request of the round is answered and the round's sweep has finished (or
    `limit` seconds have passed): the seconds it took."""
    began = time.perf_counter()
    engine = create_async_engine(url, poolclass=NullPool)
    async with engine.connect() as connection:
        while time.perf_counter() - began < limit:
            unanswered = await connection.scalar(OPEN_REQUESTS, {"ids": ids})
            runs = (await connection.execute(RUN_STATES, {"rule": rule_key})).scalars().all()
            await connection.commit()
            if unanswered == 0 and runs and "running" not in runs:
                break
            await asyncio.sleep(1)
    await engine.dispose()
    return time.perf_counter() - began


# The checks.


def naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def check_consent(records: list[Wrk], sampler: Sampler, stored: int, seconds: int) -> tuple[dict[str, float], Problems]:
    acknowledged = sum(result.acknowledged for result in records)
    # Requests still in flight when wrk stops are stored but not counted: only a shortfall is a loss.
    lost = max(0, acknowledged - stored)
    errors = [f"records on instance {n}: {r.errors} error answers" for n, r in enumerate(records, 1) if r.errors]
    latencies = sampler.latencies
    figures = {
        "records/s": acknowledged / seconds,
        "record p99": max(result.p99 for result in records),
        "decision p50": statistics.median(latencies) if latencies else float("nan"),
        "decision p99": statistics.quantiles(latencies, n=100)[98] if len(latencies) > 1 else float("nan"),
        "decisions": len(latencies),
        "lost": lost,
    }
    lost_evidence = [f"{acknowledged} acknowledged, {stored} stored: {lost} lost"] if lost else []
    problems = {
        "consent: acknowledged records all stored (lost = 0)": lost_evidence,
        "consent: every answer 2xx (records by wrk, decisions sampled)": errors + sampler.errors,
    }
    return figures, problems


STEPS = text(
    "SELECT id, CAST(request_id AS TEXT), system, action, status, attempts FROM data_request_steps "
    "WHERE CAST(request_id AS TEXT) IN :ids"
).bindparams(bindparam("ids", expanding=True))
REQUESTS = text(
    "SELECT CAST(id AS TEXT), status, EXTRACT(EPOCH FROM replied_at - received_at) FROM data_requests "
    "WHERE CAST(id AS TEXT) IN :ids"
).bindparams(bindparam("ids", expanding=True))


@dataclass(frozen=True)
class Step:
    id: int
    request: str
    system: str
    action: str
    status: str
    attempts: int


async def request_rows(url: str, ids: list[str]) -> tuple[dict[str, tuple[str, float | None]], list[Step]]:
    """The round's requests (status, seconds from receipt to the answer) and their steps."""
    engine = create_async_engine(url, poolclass=NullPool)
    async with engine.connect() as connection:
        requests = {
            row[0]: (row[1], None if row[2] is None else float(row[2]))
            for row in await connection.execute(REQUESTS, {"ids": ids})
        }
        steps = [Step(*row) for row in await connection.execute(STEPS, {"ids": ids})]
    await engine.dispose()
    return requests, steps


def check_steps_done(intake: Intake, requests: dict[str, tuple[str, float | None]], steps: list[Step]) -> list[str]:
    evidence = list(intake.refused)
    evidence += [
        f"request {rid} is {requests[rid][0] if rid in requests else 'missing'}"
        for rid in intake.ids
        if requests.get(rid, ("",))[0] != "completed"
    ]
    evidence += [
        f"step {s.id} ({s.system} {s.action}) is {s.status} after {s.attempts} tries"
        for s in steps
        if s.status != "done"
    ]
    queued = Counter((s.request, s.system, s.action) for s in steps)
    evidence += [
        f"request {rid}: {n} steps {action} on {system}" for (rid, system, action), n in queued.items() if n > 1
    ]
    reaching = {s.request for s in steps if s.system == SYSTEM and s.action == ACTIONS[intake.ids[s.request]]}
    evidence += [
        f"request {rid} has no {ACTIONS[kind]} step on {SYSTEM}"
        for rid, kind in intake.ids.items()
        if rid not in reaching
    ]
    return evidence


def check_calls(steps: list[Step], calls: list[Call]) -> list[str]:
    """One call per step reaching the other system, with the step's action; no other call."""
    ours = {str(s.id): s for s in steps if s.system == SYSTEM}
    received = Counter(call.step for call in calls)
    evidence = [
        f"step {ref} ({step.action}): {received[ref]} calls" for ref, step in ours.items() if received[ref] != 1
    ]
    evidence += [
        f"a call {c.action} for step {c.step}, which is {ours[c.step].action}"
        for c in calls
        if c.step in ours and c.action != ours[c.step].action
    ]
    evidence += [
        f"a call {c.action} naming step {c.step}, not a step of this round" for c in calls if c.step not in ours
    ]
    evidence += [f"a call {c.action} for step {c.step} without a valid signature" for c in calls if not c.signed]
    return evidence


def check_requests(intake: Intake, url: str, calls: list[Call]) -> tuple[dict[str, float], Problems]:
    requests, steps = asyncio.run(request_rows(url, list(intake.ids)))
    answered = [seconds for _, seconds in requests.values() if seconds is not None]
    figures = {
        "requests": len(intake.ids),
        "steps": len(steps),
        "retried steps": sum(1 for s in steps if s.attempts > 1),
        "answered p50": statistics.median(answered) if answered else float("nan"),
        "answered max": max(answered, default=float("nan")),
    }
    problems = {
        "requests: every one recorded, every step done, none queued twice": check_steps_done(intake, requests, steps),
        f"requests: {SYSTEM} received exactly one call per step": check_calls(steps, calls),
    }
    return figures, problems


@dataclass(frozen=True)
class Run:
    status: str
    cutoff: datetime
    started: datetime
    finished: datetime | None
    deleted: int
    errors: list[Any]


@dataclass(frozen=True)
class Entry:
    """One DELETE statement on the swept table, as its trigger saw it."""

    pid: int
    lo: int | None
    hi: int | None
    rows: int
    newest: datetime | None
    at: datetime  # when the statement ended


@dataclass(frozen=True)
class Swept:
    runs: list[Run]
    remaining: int
    remaining_due: int
    ledger: list[Entry]


async def runs_of(url: str, rule_key: str) -> list[Run]:
    engine = create_async_engine(url, poolclass=NullPool)
    async with engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT status, cutoff, started_at, finished_at, counts, errors FROM retention_runs "
                "WHERE rule_key = :rule AND NOT dry_run ORDER BY id"  # the reviewer's dry run changes nothing
            ),
            {"rule": rule_key},
        )
        runs = [
            Run(status, cutoff, started, finished, int(as_json(counts).get("deleted", 0)), as_json(errors))
            for status, cutoff, started, finished, counts, errors in rows
        ]
    await engine.dispose()
    return runs


def as_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


async def swept(toolkit_url: str, store_url: str, rule_key: str, table: str) -> Swept:
    runs = await runs_of(toolkit_url, rule_key)
    cutoff = naive_utc(runs[0].cutoff) if runs else datetime(1970, 1, 1)
    engine = create_async_engine(store_url, poolclass=NullPool)
    async with engine.connect() as connection:
        remaining, remaining_due = (
            await connection.execute(
                text(f"SELECT count(*), count(*) FILTER (WHERE ts < :cutoff) FROM {table}"), {"cutoff": cutoff}
            )
        ).one()
        entries = await connection.execute(
            text(
                "SELECT pid, lo, hi, rows, newest, at FROM soak_ledger WHERE tbl = :table ORDER BY lo NULLS FIRST, id"
            ),
            {"table": table},
        )
        ledger = [Entry(*row) for row in entries]
    await engine.dispose()
    return Swept(runs, int(remaining), int(remaining_due), ledger)


def check_run(state: Swept, rows: int, due: int) -> list[str]:
    """One run for the one time the rule was due, finished, having deleted exactly the rows due."""
    evidence = [] if len(state.runs) == 1 else [f"{len(state.runs)} runs of the rule for one scheduled sweep:"]
    if len(state.runs) != 1:
        evidence += [
            f"  run began {run.started}, ended {run.finished}, cutoff {run.cutoff}, {run.deleted} deleted"
            for run in state.runs
        ]
    evidence += [
        f"a run is {run.status}, errors {run.errors}" for run in state.runs if run.status != "finished" or run.errors
    ]
    deleted = sum(run.deleted for run in state.runs)
    if deleted != due:
        evidence.append(f"the runs count {deleted} rows deleted, {due} were due")
    if state.remaining != rows - due or state.remaining_due:
        evidence.append(f"{state.remaining} rows left ({rows - due} expected), {state.remaining_due} of them due")
    return evidence


def check_ledger(state: Swept, due: int) -> list[str]:
    """Every DELETE took rows (a batch applied again after another took them finds none), the key
    ranges do not overlap, they add up to the rows due, and none reached past the cutoff."""
    evidence = [f"a DELETE by backend {e.pid} took no row" for e in state.ledger if e.rows == 0]
    taken = [e for e in state.ledger if e.rows]
    evidence += [
        f"keys {b.lo}-{b.hi} (backend {b.pid}) overlap {a.lo}-{a.hi} (backend {a.pid})"
        for a, b in itertools.pairwise(taken)
        if b.lo is not None and a.hi is not None and b.lo <= a.hi
    ]
    total = sum(e.rows for e in taken)
    if total != due:
        evidence.append(f"the DELETEs took {total} rows, {due} were due")
    cutoff = naive_utc(state.runs[0].cutoff) if state.runs else None
    evidence += [
        f"keys {e.lo}-{e.hi}: a row of {e.newest} deleted, cutoff {cutoff}"
        for e in taken
        if cutoff and e.newest and e.newest >= cutoff
    ]
    return evidence


def sweep_figures(ledger: list[Entry], began: datetime) -> dict[str, float]:
    """From the ledger: rows/s from the end of the first batch to the end of the last, and when
    these came, in seconds after the soak began."""
    if len(ledger) < 2:
        return {"sweep rows/s": float("nan"), "sweep start": float("nan"), "sweep end": float("nan")}
    ordered = sorted(ledger, key=lambda entry: entry.at)
    first, last = ordered[0].at, ordered[-1].at
    return {
        "sweep rows/s": sum(entry.rows for entry in ordered[1:]) / (last - first).total_seconds(),
        "sweep start": (first - began).total_seconds(),
        "sweep end": (last - began).total_seconds(),
    }


def check_sweep(
    toolkit_url: str, store_url: str, rule_key: str, table: str, rows: int, due: int, began: datetime
) -> tuple[dict[str, float], Problems]:
    state = asyncio.run(swept(toolkit_url, store_url, rule_key, table))
    figures = sweep_figures(state.ledger, began) | {"sweep batches": len(state.ledger)}
    problems = {
        "sweep: one run, finished, every due row deleted": check_run(state, rows, due),
        "sweep: no batch applied twice (DELETE ledger)": check_ledger(state, due),
    }
    return figures, problems
