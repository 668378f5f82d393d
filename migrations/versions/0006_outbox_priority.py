"""outbox.priority: interactive changes are relayed before bulk ones

0 (interactive: a request's own change) or 1 (bulk: rows written by background jobs). The relay
claims in (priority, id) order through a partial index of the unparked rows, so a backlog of bulk
changes never delays a single write of any workspace.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 09:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "outbox", sa.Column("priority", sa.SmallInteger(), server_default=sa.text("0"), nullable=False)
    )
    op.create_index(
        "ix_outbox_claim",
        "outbox",
        ["priority", "id"],
        unique=False,
        postgresql_where=sa.text("parked_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_claim", table_name="outbox")
    op.drop_column("outbox", "priority")
