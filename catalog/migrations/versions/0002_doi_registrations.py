"""DOI registrations: the state of every DOI the catalogue has reserved or registered.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dois",
        sa.Column("doi", sa.String(length=200), nullable=False),
        sa.Column("dataset_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=50), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("updated", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("doi"),
    )
    op.create_index("ix_dois_dataset", "dois", ["dataset_id"])


def downgrade() -> None:
    op.drop_index("ix_dois_dataset", table_name="dois")
    op.drop_table("dois")
