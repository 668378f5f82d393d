"""workspaces.default_country: the region of national-format phones imported without a country

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 08:45:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("workspaces", sa.Column("default_country", sa.String(2), nullable=True))


def downgrade() -> None:
    op.drop_column("workspaces", "default_country")
