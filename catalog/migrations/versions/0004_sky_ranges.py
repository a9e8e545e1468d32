"""Sky coverage maps: the cells of each version's MOC, for cone search.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("versions", "items"):
        op.add_column(
            table, sa.Column("moc", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "sky_ranges",
        sa.Column("dataset_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("lo", sa.BigInteger(), nullable=False),
        sa.Column("hi", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id", "version"],
            ["versions.dataset_id", "versions.version"],
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dataset_id", "version", "lo"),
    )


def downgrade() -> None:
    op.drop_table("sky_ranges")
    for table in ("items", "versions"):
        op.drop_column(table, "moc")
