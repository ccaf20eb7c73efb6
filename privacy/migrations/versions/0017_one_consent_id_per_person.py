"""one consent id per signed-in person and site: later choices from any device go under the first

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A person linked to several ids keeps the first one linked (the earliest, as the service now does).
# The others lose their link to the person's account but keep their email's, so the person's
# access request still finds those records and their erasure still unlinks them; a link left with
# neither attributes nothing and goes.
LATER_LINKS = """
UPDATE consent_subjects SET subject_hash = NULL
WHERE EXISTS (
    SELECT 1 FROM consent_subjects AS earlier
    WHERE earlier.site = consent_subjects.site
      AND earlier.subject_hash = consent_subjects.subject_hash
      AND (earlier.linked_at < consent_subjects.linked_at
           OR (earlier.linked_at = consent_subjects.linked_at AND earlier.id < consent_subjects.id))
)
"""


def upgrade() -> None:
    with op.batch_alter_table("consent_subjects", schema=None) as batch_op:
        batch_op.drop_constraint("uq_consent_subjects_site", type_="unique")
        batch_op.alter_column("subject_hash", existing_type=sa.String(length=64), nullable=True)
    op.execute(LATER_LINKS)
    op.execute("DELETE FROM consent_subjects WHERE subject_hash IS NULL AND email_hash IS NULL")
    with op.batch_alter_table("consent_subjects", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_consent_subjects_site", ["site", "subject_hash"])


def downgrade() -> None:
    with op.batch_alter_table("consent_subjects", schema=None) as batch_op:
        batch_op.drop_constraint("uq_consent_subjects_site", type_="unique")
    # The earlier schema cannot hold a link without the account's hash: those links go.
    op.execute("DELETE FROM consent_subjects WHERE subject_hash IS NULL")
    with op.batch_alter_table("consent_subjects", schema=None) as batch_op:
        batch_op.alter_column("subject_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint("uq_consent_subjects_site", ["site", "subject_hash", "consent_id"])
