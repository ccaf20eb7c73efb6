"""several lawful bases per activity: the single `lawful_basis` and its specifics become a list of one

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 10:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
SPECIFICS = ("consent_purpose", "legitimate_interest", "balancing_test", "legal_obligation")
activities = sa.table("processing_activities", sa.column("id"), sa.column("content", JSON))
single_basis_activities = sa.table(
    "processing_activities", sa.column("id"), sa.column("content", JSON), sa.column("lawful_basis", sa.String)
)


def as_list_of_one(content: dict[str, Any]) -> dict[str, Any]:
    converted = {name: value for name, value in content.items() if name != "lawful_basis" and name not in SPECIFICS}
    basis = content.get("lawful_basis")
    specifics = {name: content[name] for name in SPECIFICS if content.get(name) is not None}
    converted["lawful_bases"] = [{"basis": basis, **specifics}] if basis else []
    return converted


def as_single(content: dict[str, Any]) -> dict[str, Any]:
    converted = {name: value for name, value in content.items() if name != "lawful_bases"}
    first = (content.get("lawful_bases") or [{}])[0]
    converted["lawful_basis"] = first.get("basis")
    converted.update({name: first.get(name) for name in SPECIFICS})
    converted["direct_marketing"] = bool(content.get("direct_marketing"))
    return converted


def upgrade() -> None:
    connection = op.get_bind()
    for row in connection.execute(sa.select(activities.c.id, activities.c.content)).mappings().all():
        content = row["content"]
        connection.execute(
            sa.update(activities).where(activities.c.id == row["id"]).values(content=as_list_of_one(content))
        )
    with op.batch_alter_table("processing_activities", schema=None) as batch_op:
        batch_op.drop_column("lawful_basis")


def downgrade() -> None:
    with op.batch_alter_table("processing_activities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lawful_basis", sa.String(length=30), nullable=True))
    connection = op.get_bind()
    for row in connection.execute(sa.select(activities.c.id, activities.c.content)).mappings().all():
        single = as_single(row["content"])
        connection.execute(
            sa.update(single_basis_activities)
            .where(single_basis_activities.c.id == row["id"])
            .values(content=single, lawful_basis=single["lawful_basis"])
        )
