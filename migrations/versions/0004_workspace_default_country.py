"""workspaces.default_country: the region of national-format phones imported without a country

Revision ID: 0003_default_country
Revises: 0002
Create Date: 2026-12-01 08:45:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_default_country"
down_revision: str | Sequence[str] | None = "0003_web_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("workspaces", sa.Column("default_country", sa.String(2), nullable=True))


def downgrade() -> None:
    op.drop_column("workspaces", "default_country")
