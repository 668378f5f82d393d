"""outbox.request_id and jobs.request_id: follow a change from its request to the index

The id of the request that wrote the outbox row or created the job (shared.logs): the worker binds
a job's to its log lines while it runs it, and the relay logs those of the rows it indexed. Both
nullable (changes made outside a request have none); adding them rewrites no rows.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 11:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("request_id", sa.String(length=128), nullable=True))
    op.add_column("jobs", sa.Column("request_id", sa.String(length=128), nullable=True))


def downgrade() -> None:
    op.drop_column("jobs", "request_id")
    op.drop_column("outbox", "request_id")
