"""consent records partitioned by month on PostgreSQL

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 07:20:00

Only PostgreSQL changes: consent_records becomes a table partitioned by the month of recorded_at
(UTC), with a partition per month its rows fall in, this month and the next three, and a default
partition. Its primary key becomes (id, recorded_at), as PostgreSQL requires of a partitioned table;
ids still come from the same sequence and stay unique. SQLite keeps the plain table.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONTHS_AHEAD = 3


def _next_month(start: datetime) -> datetime:
    return start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    sequence = bind.scalar(sa.text("SELECT pg_get_serial_sequence('consent_records', 'id')"))
    op.execute(f"ALTER SEQUENCE {sequence} OWNED BY NONE")
    op.execute("ALTER TABLE consent_records RENAME TO consent_records_unpartitioned")
    op.execute("ALTER INDEX pk_consent_records RENAME TO pk_consent_records_unpartitioned")
    op.execute("ALTER INDEX ix_consent_records_consent_id_recorded_at RENAME TO ix_consent_records_unpartitioned")
    op.execute(
        "CREATE TABLE consent_records (LIKE consent_records_unpartitioned INCLUDING DEFAULTS) "
        "PARTITION BY RANGE (recorded_at)"
    )
    op.execute("ALTER TABLE consent_records ADD CONSTRAINT pk_consent_records PRIMARY KEY (id, recorded_at)")
    op.execute("CREATE INDEX ix_consent_records_consent_id_recorded_at ON consent_records (consent_id, recorded_at)")
    op.execute("CREATE TABLE consent_records_default PARTITION OF consent_records DEFAULT")
    months = {
        row[0].replace(tzinfo=UTC)
        for row in bind.execute(
            sa.text("SELECT DISTINCT date_trunc('month', recorded_at AT TIME ZONE 'UTC') FROM consent_records_unpartitioned")
        )
    }
    start = datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    for _ in range(MONTHS_AHEAD + 1):
        months.add(start)
        start = _next_month(start)
    for month in sorted(months):
        op.execute(
            f"CREATE TABLE consent_records_p{month:%Y_%m} PARTITION OF consent_records "
            f"FOR VALUES FROM ('{month.isoformat()}') TO ('{_next_month(month).isoformat()}')"
        )
    op.execute("INSERT INTO consent_records SELECT * FROM consent_records_unpartitioned")
    op.execute("DROP TABLE consent_records_unpartitioned")
    op.execute(f"ALTER SEQUENCE {sequence} OWNED BY consent_records.id")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    sequence = bind.scalar(sa.text("SELECT pg_get_serial_sequence('consent_records', 'id')"))
    op.execute(f"ALTER SEQUENCE {sequence} OWNED BY NONE")
    op.execute("ALTER TABLE consent_records RENAME TO consent_records_partitioned")
    op.execute("ALTER INDEX pk_consent_records RENAME TO pk_consent_records_partitioned")
    op.execute("ALTER INDEX ix_consent_records_consent_id_recorded_at RENAME TO ix_consent_records_partitioned")
    op.execute("CREATE TABLE consent_records (LIKE consent_records_partitioned INCLUDING DEFAULTS)")
    op.execute("ALTER TABLE consent_records ADD CONSTRAINT pk_consent_records PRIMARY KEY (id)")
    op.execute("CREATE INDEX ix_consent_records_consent_id_recorded_at ON consent_records (consent_id, recorded_at)")
    op.execute("INSERT INTO consent_records SELECT * FROM consent_records_partitioned")
    op.execute("DROP TABLE consent_records_partitioned")  # its partitions go with it
    op.execute(f"ALTER SEQUENCE {sequence} OWNED BY consent_records.id")
