"""The relational schema, one for SQLite and PostgreSQL; Alembic migrations create and evolve it.

Records are kept whole as JSON (``JSONB`` on PostgreSQL). The fields that search filters and sorts
on most are also promoted into indexed columns at publish time; every other queryable is read from
the JSON in SQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.expression import false

JsonType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    pass


class SkyColumns:
    """An ICRS box (degrees; ``ra_min > ra_max`` wraps through RA 0) and a wavelength range (nm)."""

    ra_min: Mapped[float | None] = mapped_column(Float)
    ra_max: Mapped[float | None] = mapped_column(Float)
    dec_min: Mapped[float | None] = mapped_column(Float)
    dec_max: Mapped[float | None] = mapped_column(Float)
    wl_min: Mapped[float | None] = mapped_column(Float)
    wl_max: Mapped[float | None] = mapped_column(Float)
    moc: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Whether the version's footprint has a MOC, whose cells are in ``sky_ranges``."""


class DatasetRow(Base):
    __tablename__ = "datasets"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    created: Mapped[datetime] = mapped_column(DateTime())


class VersionRow(SkyColumns, Base):
    """A version of a dataset: a draft, or published (then immutable but for its status)."""

    __tablename__ = "versions"
    __table_args__ = (
        Index("ix_versions_latest", "is_latest", "dataset_id"),
        Index("ix_versions_dec", "dec_min", "dec_max"),
        Index("ix_versions_wl", "wl_min", "wl_max"),
    )
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id"), primary_key=True)
    version: Mapped[str] = mapped_column(String(40), primary_key=True)
    major: Mapped[int] = mapped_column(Integer)
    minor: Mapped[int] = mapped_column(Integer)
    patch: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), index=True)
    is_latest: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(Text)
    successor: Mapped[str | None] = mapped_column(String(40))
    published: Mapped[datetime | None] = mapped_column(DateTime())
    updated: Mapped[datetime] = mapped_column(DateTime())
    title: Mapped[str | None] = mapped_column(String(300))
    license: Mapped[str | None] = mapped_column(String(100), index=True)
    task: Mapped[str | None] = mapped_column(String(40), index=True)
    modality: Mapped[str | None] = mapped_column(String(40), index=True)
    provenance: Mapped[str | None] = mapped_column(String(40), index=True)
    start: Mapped[datetime | None] = mapped_column(DateTime())
    end: Mapped[datetime | None] = mapped_column(DateTime())
    text: Mapped[str] = mapped_column(Text, default="")
    """Lower-cased title, description and keywords, for free-text search."""
    collection: Mapped[dict[str, Any]] = mapped_column(JsonType)


class ItemRow(SkyColumns, Base):
    """One item of a version; sky and wavelength coverage fall back to its collection's."""

    __tablename__ = "items"
    __table_args__ = (
        ForeignKeyConstraint(
            ["dataset_id", "version"],
            ["versions.dataset_id", "versions.version"],
            ondelete="CASCADE",
        ),
        Index("ix_items_version", "dataset_id", "version"),
        # Both cover the join to versions, so counting matches reads only the index.
        Index("ix_items_role", "role", "dataset_id", "version"),
        Index("ix_items_start_end", "start", "end", "dataset_id", "version"),
        Index("ix_items_dec", "dec_min", "dec_max"),
        Index("ix_items_id", "id"),
    )
    dataset_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    version: Mapped[str] = mapped_column(String(40))
    split: Mapped[str | None] = mapped_column(String(100), index=True)
    role: Mapped[str | None] = mapped_column(String(40))
    count: Mapped[int | None] = mapped_column(Integer)
    start: Mapped[datetime | None] = mapped_column(DateTime())
    end: Mapped[datetime | None] = mapped_column(DateTime())
    west: Mapped[float | None] = mapped_column(Float)
    south: Mapped[float | None] = mapped_column(Float)
    east: Mapped[float | None] = mapped_column(Float)
    north: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[dict[str, Any]] = mapped_column(JsonType)


class SkyRangeRow(Base):
    """The cells of a version's MOC, as NESTED HEALPix ranges ``[lo, hi)`` at order 29."""

    __tablename__ = "sky_ranges"
    __table_args__ = (
        ForeignKeyConstraint(
            ["dataset_id", "version"],
            ["versions.dataset_id", "versions.version"],
            ondelete="CASCADE",
        ),
    )
    dataset_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    version: Mapped[str] = mapped_column(String(40), primary_key=True)
    lo: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hi: Mapped[int] = mapped_column(BigInteger)


class AssetRow(Base):
    """A published file: its path in asset storage and the bytes it must hold."""

    __tablename__ = "assets"
    __table_args__ = (
        ForeignKeyConstraint(
            ["dataset_id", "version"], ["versions.dataset_id", "versions.version"]
        ),
        Index("ix_assets_version", "dataset_id", "version"),
    )
    path: Mapped[str] = mapped_column(String(500), primary_key=True)
    dataset_id: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(100))


class DoiRow(Base):
    """A DOI and its DataCite state: ``draft`` (reserved) or ``findable`` (registered)."""

    __tablename__ = "dois"
    __table_args__ = (Index("ix_dois_dataset", "dataset_id"),)
    doi: Mapped[str] = mapped_column(String(200), primary_key=True)
    dataset_id: Mapped[str] = mapped_column(String(100))
    version: Mapped[str | None] = mapped_column(String(50))
    """None for a dataset's concept DOI."""
    state: Mapped[str] = mapped_column(String(20))
    message: Mapped[str | None] = mapped_column(Text)
    updated: Mapped[datetime] = mapped_column(DateTime())


class MirrorRow(Base):
    """A registered mirror: where it serves files, and which versions it holds."""

    __tablename__ = "mirrors"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    """Base URL under which the mirror serves each file at its storage key."""
    title: Mapped[str] = mapped_column(String(200))
    versions: Mapped[dict[str, list[str]]] = mapped_column(JsonType)
    registered: Mapped[datetime] = mapped_column(DateTime())


class TokenRow(Base):
    """An API token, stored only as its SHA-256 digest."""

    __tablename__ = "tokens"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    datasets: Mapped[list[str]] = mapped_column(JsonType)
    created: Mapped[datetime] = mapped_column(DateTime())
    revoked: Mapped[datetime | None] = mapped_column(DateTime())


class StateRow(Base):
    """One row: the catalogue's generation, which every committed write advances. Whatever a
    process derives from the records (version histories, counts of matches, mirrors) it keeps
    until the generation changes, whichever process wrote."""

    __tablename__ = "catalogue_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger)


class SubmissionRow(Base):
    """A model's predictions for a version's evaluation splits, scored when submitted. Never
    changed afterwards; ``key`` (the token, the version and each file's sha256) makes a repeated
    submission find the first."""

    __tablename__ = "submissions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["dataset_id", "version"], ["versions.dataset_id", "versions.version"]
        ),
        Index("ix_submissions_version", "dataset_id", "version"),
        Index("ix_submissions_token", "token", "dataset_id", "created"),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    dataset_id: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(40))
    token: Mapped[str] = mapped_column(String(100))
    created: Mapped[datetime] = mapped_column(DateTime())
    evaluator: Mapped[str] = mapped_column(String(100))
    model_name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    code_url: Mapped[str] = mapped_column(String(500))
    paper_doi: Mapped[str | None] = mapped_column(String(200))
    software: Mapped[str | None] = mapped_column(String(500))
    trained_on: Mapped[list[str]] = mapped_column(JsonType)
    report: Mapped[dict[str, Any]] = mapped_column(JsonType)


class SubmissionFileRow(Base):
    """One predictions file of a submission, kept as sent."""

    __tablename__ = "submission_files"
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True
    )
    split: Mapped[str] = mapped_column(String(100), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)


class BlindTruthRow(Base):
    """The withheld truth file of a blind split: kept here, never an asset, never served."""

    __tablename__ = "blind_truths"
    __table_args__ = (
        ForeignKeyConstraint(
            ["dataset_id", "version"],
            ["versions.dataset_id", "versions.version"],
            ondelete="CASCADE",
        ),
    )
    dataset_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    version: Mapped[str] = mapped_column(String(40), primary_key=True)
    split: Mapped[str] = mapped_column(String(100), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class BlindScoringRow(Base):
    """One scoring of a blind split outside a submission (``evaluate``): it counts against the
    token's limit as a submission does."""

    __tablename__ = "blind_scorings"
    __table_args__ = (Index("ix_blind_scorings_token", "token", "dataset_id", "created"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token: Mapped[str] = mapped_column(String(100))
    dataset_id: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(40))
    created: Mapped[datetime] = mapped_column(DateTime)
