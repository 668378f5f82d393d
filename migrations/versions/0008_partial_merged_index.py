"""contacts.merged_into_id: index only the merged rows

The index serves "the contacts merged into X" (the foreign key's cascade, unmerge), which always asks
for a value. As a full index it also offered the planner `merged_into_id IS NULL`, the condition of
every visible-contacts query; on a table without statistics yet (a new database, or right after a
bulk load) that condition gets the default selectivity of 0.5%, so the import's duplicate lookup read
the whole index for every chunk and slowed as the workspace grew (1,500 rows/s for 100k rows).
Nearly every row has NULL there, so the partial index is also a fraction of the size.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 02:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_contacts_merged_into_id", table_name="contacts")
    op.create_index(
        "ix_contacts_merged_into_id",
        "contacts",
        ["merged_into_id"],
        postgresql_where=sa.text("merged_into_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_contacts_merged_into_id", table_name="contacts")
    op.create_index("ix_contacts_merged_into_id", "contacts", ["merged_into_id"])
