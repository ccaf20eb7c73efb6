"""legal holds kept for a time after each row's event; backups by store (country, provider,
encryption) with their schedules; the holds in force in each run

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-12 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    # Holds placed before keep their day (or none): they stay as they were.
    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kept_for", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("after_column", sa.String(length=63), nullable=True))
        batch_op.add_column(sa.Column("key", sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_legal_holds_key"), ["key"])
    with op.batch_alter_table("retention_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("holds", JSON, server_default=sa.text("'[]'"), nullable=False))
    op.create_table(
        "backup_stores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("provider", sa.String(length=300), nullable=True),
        sa.Column("encrypted", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backup_stores")),
        sa.UniqueConstraint("name", name=op.f("uq_backup_stores_name")),
    )
    # Each schedule of before becomes a store of its name with that one schedule: nothing is lost,
    # and where the copies are and whether they are encrypted stay unknown until someone says.
    op.execute("INSERT INTO backup_stores (name) SELECT name FROM backup_schedules ORDER BY id")
    with op.batch_alter_table("backup_schedules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("store_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE backup_schedules SET store_id = "
        "(SELECT backup_stores.id FROM backup_stores WHERE backup_stores.name = backup_schedules.name)"
    )
    with op.batch_alter_table("backup_schedules", schema=None) as batch_op:
        batch_op.alter_column("store_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f("ix_backup_schedules_store_id"), ["store_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_backup_schedules_store_id_backup_stores"),
            "backup_stores",
            ["store_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.drop_constraint(batch_op.f("uq_backup_schedules_name"), type_="unique")
        batch_op.drop_column("name")


def downgrade() -> None:
    # A store's schedules take its name (with their id beside it where it has several); holds kept
    # for a time after each row's event become holds until lifted, which keep more, never less.
    with op.batch_alter_table("backup_schedules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(length=300), nullable=True))
    op.execute(
        "UPDATE backup_schedules SET name = (SELECT substr(backup_stores.name, 1, 280) FROM backup_stores "
        "WHERE backup_stores.id = backup_schedules.store_id) || ' ' || CAST(id AS VARCHAR(20))"
    )
    op.execute(
        "UPDATE backup_schedules SET name = (SELECT backup_stores.name FROM backup_stores "
        "WHERE backup_stores.id = backup_schedules.store_id) WHERE store_id IN "
        "(SELECT store_id FROM backup_schedules GROUP BY store_id HAVING count(*) = 1)"
    )
    with op.batch_alter_table("backup_schedules", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_backup_schedules_store_id_backup_stores"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_backup_schedules_store_id"))
        batch_op.drop_column("store_id")
        batch_op.alter_column("name", existing_type=sa.String(length=300), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_backup_schedules_name"), ["name"])
    op.drop_table("backup_stores")
    with op.batch_alter_table("retention_runs", schema=None) as batch_op:
        batch_op.drop_column("holds")
    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_legal_holds_key"), type_="unique")
        batch_op.drop_column("key")
        batch_op.drop_column("after_column")
        batch_op.drop_column("kept_for")
