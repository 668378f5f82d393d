"""merges.choices: the side each field was explicitly chosen from ({"email": "secondary"})

Unmerge undoes one merge as if it had never happened, also when later merges into the same primary
exist; what a later merge would have done without the earlier one depends on what its user chose,
not on the default rule alone. Merges made before this revision recorded no choices: {} (the
default rule, the previous assumption).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 08:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "merges", sa.Column("choices", JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb"))
    )


def downgrade() -> None:
    op.drop_column("merges", "choices")
