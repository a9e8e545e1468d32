"""Initial schema: datasets, versions (drafts and published), items, assets and API tokens.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "datasets",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "tokens",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("datasets", JSON, nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("revoked", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("name"),
        sa.UniqueConstraint("digest"),
    )
    op.create_table(
        "versions",
        sa.Column("dataset_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("major", sa.Integer(), nullable=False),
        sa.Column("minor", sa.Integer(), nullable=False),
        sa.Column("patch", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("is_latest", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("successor", sa.String(length=40), nullable=True),
        sa.Column("published", sa.DateTime(), nullable=True),
        sa.Column("updated", sa.DateTime(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=True),
        sa.Column("license", sa.String(length=100), nullable=True),
        sa.Column("task", sa.String(length=40), nullable=True),
        sa.Column("modality", sa.String(length=40), nullable=True),
        sa.Column("provenance", sa.String(length=40), nullable=True),
        sa.Column("start", sa.DateTime(), nullable=True),
        sa.Column("end", sa.DateTime(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("collection", JSON, nullable=False),
        sa.Column("ra_min", sa.Float(), nullable=True),
        sa.Column("ra_max", sa.Float(), nullable=True),
        sa.Column("dec_min", sa.Float(), nullable=True),
        sa.Column("dec_max", sa.Float(), nullable=True),
        sa.Column("wl_min", sa.Float(), nullable=True),
        sa.Column("wl_max", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
        ),
        sa.PrimaryKeyConstraint("dataset_id", "version"),
    )
    op.create_index("ix_versions_dec", "versions", ["dec_min", "dec_max"])
    op.create_index("ix_versions_latest", "versions", ["is_latest", "dataset_id"])
    op.create_index("ix_versions_license", "versions", ["license"])
    op.create_index("ix_versions_modality", "versions", ["modality"])
    op.create_index("ix_versions_provenance", "versions", ["provenance"])
    op.create_index("ix_versions_status", "versions", ["status"])
    op.create_index("ix_versions_task", "versions", ["task"])
    op.create_index("ix_versions_wl", "versions", ["wl_min", "wl_max"])
    op.create_table(
        "assets",
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("dataset_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id", "version"],
            ["versions.dataset_id", "versions.version"],
        ),
        sa.PrimaryKeyConstraint("path"),
    )
    op.create_index("ix_assets_version", "assets", ["dataset_id", "version"])
    op.create_table(
        "items",
        sa.Column("dataset_id", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("split", sa.String(length=100), nullable=True),
        sa.Column("role", sa.String(length=40), nullable=True),
        sa.Column("count", sa.Integer(), nullable=True),
        sa.Column("start", sa.DateTime(), nullable=True),
        sa.Column("end", sa.DateTime(), nullable=True),
        sa.Column("west", sa.Float(), nullable=True),
        sa.Column("south", sa.Float(), nullable=True),
        sa.Column("east", sa.Float(), nullable=True),
        sa.Column("north", sa.Float(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("content", JSON, nullable=False),
        sa.Column("ra_min", sa.Float(), nullable=True),
        sa.Column("ra_max", sa.Float(), nullable=True),
        sa.Column("dec_min", sa.Float(), nullable=True),
        sa.Column("dec_max", sa.Float(), nullable=True),
        sa.Column("wl_min", sa.Float(), nullable=True),
        sa.Column("wl_max", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dataset_id", "version"],
            ["versions.dataset_id", "versions.version"],
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dataset_id", "id"),
    )
    op.create_index("ix_items_dec", "items", ["dec_min", "dec_max"])
    op.create_index("ix_items_id", "items", ["id"])
    op.create_index("ix_items_role", "items", ["role"])
    op.create_index("ix_items_split", "items", ["split"])
    op.create_index("ix_items_start_end", "items", ["start", "end"])
    op.create_index("ix_items_version", "items", ["dataset_id", "version"])


def downgrade() -> None:
    op.drop_index("ix_items_version", table_name="items")
    op.drop_index("ix_items_start_end", table_name="items")
    op.drop_index("ix_items_split", table_name="items")
    op.drop_index("ix_items_role", table_name="items")
    op.drop_index("ix_items_dec", table_name="items")
    op.drop_index("ix_items_id", table_name="items")
    op.drop_table("items")
    op.drop_index("ix_assets_version", table_name="assets")
    op.drop_table("assets")
    op.drop_index("ix_versions_wl", table_name="versions")
    op.drop_index("ix_versions_task", table_name="versions")
    op.drop_index("ix_versions_status", table_name="versions")
    op.drop_index("ix_versions_provenance", table_name="versions")
    op.drop_index("ix_versions_modality", table_name="versions")
    op.drop_index("ix_versions_license", table_name="versions")
    op.drop_index("ix_versions_latest", table_name="versions")
    op.drop_index("ix_versions_dec", table_name="versions")
    op.drop_table("versions")
    op.drop_table("tokens")
    op.drop_table("datasets")
