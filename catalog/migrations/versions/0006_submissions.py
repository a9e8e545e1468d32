"""Submissions: a model's scored predictions for a version's evaluation splits.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "submissions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("dataset_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("token", sa.String(length=100), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("evaluator", sa.String(length=100), nullable=False),
        sa.Column("model_name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("code_url", sa.String(length=500), nullable=False),
        sa.Column("paper_doi", sa.String(length=200), nullable=True),
        sa.Column("software", sa.String(length=500), nullable=True),
        sa.Column("trained_on", JSON, nullable=False),
        sa.Column("report", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id", "version"], ["versions.dataset_id", "versions.version"]
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_submissions_version", "submissions", ["dataset_id", "version"])
    op.create_index("ix_submissions_token", "submissions", ["token", "dataset_id", "created"])
    op.create_table(
        "submission_files",
        sa.Column("submission_id", sa.String(length=40), nullable=False),
        sa.Column("split", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("submission_id", "split"),
    )


def downgrade() -> None:
    op.drop_table("submission_files")
    op.drop_index("ix_submissions_token", table_name="submissions")
    op.drop_index("ix_submissions_version", table_name="submissions")
    op.drop_table("submissions")
