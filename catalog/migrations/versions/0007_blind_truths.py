"""Blind splits: their withheld truth files, and the scorings of them that count against a limit.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blind_truths",
        sa.Column("dataset_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("split", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id", "version"],
            ["versions.dataset_id", "versions.version"],
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dataset_id", "version", "split"),
    )
    op.create_table(
        "blind_scorings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("token", sa.String(length=100), nullable=False),
        sa.Column("dataset_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_blind_scorings_token", "blind_scorings", ["token", "dataset_id", "created"])


def downgrade() -> None:
    op.drop_index("ix_blind_scorings_token", table_name="blind_scorings")
    op.drop_table("blind_scorings")
    op.drop_table("blind_truths")
