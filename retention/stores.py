"""Where a rule's rows are. A toolkit or sql store is a table reached as SQLAlchemy columns
(`Target`), with the rows a legal hold covers as a condition the database evaluates; an http
store is another system that sweeps its own rows when asked (`purge_on_system`)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import ColumnElement, Table, TableClause, and_, column, false, func, or_, table, true

from privacy.db import toolkit_stores, utcnow
from privacy.outbound import post_to_system
from privacy.settings import Settings
from privacy.signing import signed_headers
from privacy.systems import BadAnswer, Connection, answer_of
from retention.schemas import Counts, RuleIn
from retention.service import ActiveHolds

HTTP_TIMEOUT = httpx.Timeout(300.0, connect=10.0)  # the other system sweeps before it answers


@dataclass
class Target:
    """Where a rule's rows are, as SQLAlchemy columns."""

    url: str
    table: TableClause | Table
    timestamp: ColumnElement[Any]
    key: ColumnElement[Any]
    subject: ColumnElement[Any] | None
    subject_hashed: bool
    restricted: ColumnElement[Any] | None
    key_from_text: Callable[[str], Any]
    naive_utc: bool  # other systems' timestamps are taken as UTC without a zone
    column_types: dict[str, str] = field(default_factory=dict)  # PostgreSQL's names, read once per sweep

    def due(self, cutoff: datetime) -> ColumnElement[bool]:
        column, moment = self._comparable(self.timestamp, cutoff)
        due: ColumnElement[bool] = column < moment
        return due

    def later_than(self, column: ColumnElement[Any], moment: datetime) -> ColumnElement[bool]:
        """Rows whose `column` holds a time after `moment` (a row without one is not)."""
        compared, moment_compared = self._comparable(column, moment)
        return and_(column.is_not(None), compared > moment_compared)

    def _comparable(self, column: ColumnElement[Any], moment: datetime) -> tuple[ColumnElement[Any], Any]:
        if not self.naive_utc:
            return column, moment
        naive = moment.astimezone(UTC).replace(tzinfo=None)
        if self.url.startswith("sqlite"):
            # SQLite keeps times as text in whatever ISO form the application wrote: compare instants.
            return func.julianday(column), func.julianday(naive.isoformat(sep=" "))
        return column, naive

    def column(self, name: str) -> ColumnElement[Any]:
        return self.table.c[name]


def target_of(
    rule: RuleIn, database_url: str | None, settings: Settings, *, hold_columns: list[str] | None = None
) -> Target:
    """The rows of a toolkit or sql store (an http store sweeps itself: see `purge_on_system`);
    `hold_columns`: the columns legal holds read besides the rule's own."""
    if rule.store.kind == "toolkit":
        return _toolkit_target(rule.store.name or "", settings)
    return _sql_target(rule, database_url or "", hold_columns or [])


def _toolkit_target(name: str, settings: Settings) -> Target:
    """One of the toolkit's own tables, as its owning domain declared it (`privacy.db.sweepable`)."""
    own, declared = toolkit_stores()[name]
    key_type = own.c[declared.key].type.python_type
    return Target(
        settings.effective_database_url,
        own,
        own.c[declared.timestamp],
        own.c[declared.key],
        own.c[declared.subject_hash] if declared.subject_hash else None,
        True,
        None,
        uuid.UUID if key_type is uuid.UUID else key_type,
        naive_utc=False,
    )


def _sql_target(rule: RuleIn, database_url: str, hold_columns: list[str]) -> Target:
    """A table of another system, known only by the columns the rule and the holds name."""
    store = rule.store
    names = [store.timestamp_column, store.key_column, store.subject_column, store.restricted_column]
    names += [t.column for t in rule.transforms] + hold_columns
    other = table(store.table or "", *[column(name) for name in dict.fromkeys(n for n in names if n)])
    return Target(
        database_url,
        other,
        other.c[store.timestamp_column or ""],
        other.c[store.key_column or ""],
        other.c[store.subject_column] if store.subject_column else None,
        False,
        other.c[store.restricted_column] if store.restricted_column else None,
        lambda text: int(text) if text.lstrip("-").isdigit() else text,
        naive_utc=True,
    )


def held_condition(target: Target, holds: ActiveHolds) -> ColumnElement[bool]:
    """Rows a legal hold covers, as a condition the database evaluates."""
    if holds.whole_rule:
        return true()
    conditions: list[ColumnElement[bool]] = []
    if holds.record_keys:
        conditions.append(target.key.in_([target.key_from_text(key) for key in holds.record_keys]))
    # `IS NOT NULL` first: a row without a subject must not vanish from `NOT (...)` as an unknown.
    if target.subject is not None and target.subject_hashed and holds.subject_hashes:
        conditions.append(and_(target.subject.is_not(None), target.subject.in_(sorted(holds.subject_hashes))))
    if target.subject is not None and not target.subject_hashed and holds.subjects:
        subject = func.lower(func.trim(target.subject))  # as holds keep it: trimmed, lower case
        conditions.append(and_(target.subject.is_not(None), subject.in_(sorted(holds.subjects))))
    for kept in holds.kept_after:
        recent = target.later_than(target.column(kept.column), kept.since)
        conditions.append(and_(held_condition(target, kept.scope), recent))
    return or_(*conditions) if conditions else false()


def _held_rows(holds: ActiveHolds) -> dict[str, Any]:
    return {
        "whole_rule": holds.whole_rule,
        "subjects": sorted(holds.subjects),
        "record_keys": sorted(holds.record_keys),
    }


async def purge_on_system(
    connection: Connection,
    *,
    rule: RuleIn,
    cutoff: datetime,
    holds: ActiveHolds,
    dry_run: bool,
    settings: Settings,
) -> dict[str, int]:
    """The other system purges its own rows, in its own batches: it gets the cutoff, the action,
    the transforms and the holds in a signed request, and answers with its counts. A hold kept for
    a time after each row's event (`kept_after`) covers its rows whose `column` is after `since`."""
    body = json.dumps(
        {
            "rule": rule.key,
            "cutoff": cutoff.isoformat(),
            "action": rule.action.value,
            "transforms": [t.model_dump(mode="json") for t in rule.transforms],
            "dry_run": dry_run,
            "held": {
                **_held_rows(holds),
                "kept_after": [
                    {**_held_rows(kept.scope), "column": kept.column, "since": kept.since.isoformat()}
                    for kept in holds.kept_after
                ],
            },
        }
    ).encode()
    # Signed with the wall clock: the other system checks the timestamp against its own.
    answer = await post_to_system(
        connection.url,
        body=body,
        headers=signed_headers(connection.secret or "", body, utcnow()),
        timeouts=HTTP_TIMEOUT,
        settings=settings,
    )
    if answer.status_code != 200:
        raise BadAnswer(f"answered {answer.status_code}")
    try:
        return Counts.model_validate(answer_of(answer)).model_dump()
    except ValueError as error:
        raise BadAnswer("answered counts that are not in the expected shape") from error
