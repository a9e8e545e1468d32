"""What a recipe hands to the publisher: one dataset version, its metadata and its files."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from astrobench.catalog.benchmark import ROLES, at_least
from astrobench.catalog.errors import InvalidParameter
from astrobench.catalog.versions import Version

NETCDF = "application/netcdf"
CSV = "text/csv"
PNG = "image/png"
MARKDOWN = "text/markdown"
SHA256_MULTIHASH_PREFIX = "1220"
"""Multihash code 0x12 (sha2-256) and length 0x20 (32 bytes), hex-encoded."""


def sha256_stream(handle: IO[bytes], chunk: int = 1 << 20) -> str:
    """Hex sha256 of everything left in a binary file object, read in chunks."""
    digest = hashlib.sha256()
    while block := handle.read(chunk):
        digest.update(block)
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    """Hex sha256 of a local file."""
    with path.open("rb") as handle:
        return sha256_stream(handle)


def multihash(sha256_hex: str) -> str:
    """The ``file:checksum`` form of a sha256 digest."""
    return SHA256_MULTIHASH_PREFIX + sha256_hex


@dataclass(frozen=True)
class Shard:
    """One file of a split too large for one: examples ``offset`` to ``offset + count - 1``."""

    path: Path
    offset: int
    count: int
    dimensions: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The shard's own ``cube:dimensions`` (its extent along the examples)."""


@dataclass(frozen=True)
class SplitFile:
    """One split (one STAC Item, or one per shard) and the file or files that hold it."""

    name: str
    role: str
    path: Path
    description: str
    count: int
    class_counts: dict[str, int] = field(default_factory=dict)
    dimensions: dict[str, dict[str, Any]] = field(default_factory=dict)
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    media_type: str = NETCDF
    criteria: dict[str, Any] | None = None
    """How predictions on this split are scored: primary metric, metrics, unseen classes."""
    model_selection: bool | None = None
    """Whether the split may inform model selection; None: not said (before extension v1.2.0)."""
    class_objects: dict[str, int] = field(default_factory=dict)
    """Objects (``bench:object``) of each class in the split, where examples are not objects."""
    shards: tuple[Shard, ...] = ()
    """The files of a split cut into shards (extension v1.5.0), in order; ``path`` is then the
    first. Empty: ``path`` holds the whole split."""
    blind: bool = False
    """Publish the split without its target (extension v1.6.0): the catalogue keeps the truth
    and scores it (see ``astrobench.ingest.blind``)."""
    truth: Path | None = None
    """A blind split's withheld truth file, once its public file has been written without it."""

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise InvalidParameter(f"split role {self.role!r} is not one of {', '.join(ROLES)}")
        if self.shards and sum(s.count for s in self.shards) != self.count:
            raise InvalidParameter(f"split {self.name!r}: its shards do not add up to its count")
        if self.blind and (self.role not in ("test", "robustness") or self.model_selection):
            raise InvalidParameter(
                f"split {self.name!r} is blind: only a test or robustness split kept from model "
                "selection can be"
            )
        if self.blind and self.shards:
            raise InvalidParameter(f"split {self.name!r}: a blind split is one file, not shards")

    @property
    def paths(self) -> list[Path]:
        """Every file of the split, in order."""
        return [s.path for s in self.shards] or [self.path]


@dataclass(frozen=True)
class ExtraFile:
    """A file published beside the splits: the card, a figure, a baseline's predictions."""

    key: str
    """Asset key in the record, unique within its Collection or Item."""
    path: Path
    media_type: str
    title: str
    roles: tuple[str, ...]
    split: str | None = None
    """The split whose Item carries the file; None for the Collection."""
    description: str = ""


@dataclass(frozen=True)
class Release:
    """One version of one dataset, ready to publish."""

    dataset: str
    version: str
    title: str
    description: str
    release_notes: str
    license: str
    keywords: list[str]
    providers: list[dict[str, Any]]
    citation: str
    publications: list[dict[str, str]]
    start: datetime
    end: datetime
    benchmark: dict[str, Any]
    """``bench:`` fields for the collection (task, target, classes, metrics, ...)."""
    splits: list[SplitFile]
    license_links: list[dict[str, str]] = field(default_factory=list)
    software: dict[str, str] = field(default_factory=dict)
    lineage: str = ""
    files: list[ExtraFile] = field(default_factory=list)
    sources: list[dict[str, str]] = field(default_factory=list)
    """The pinned packages the version was built from: name, version, sha256, url, licence."""
    extension: str = "v1.1.0"
    """The benchmark extension version its records declare: a version keeps the one it was
    published with, so new versions name a newer one."""
    answers: tuple[str, ...] = ()
    """Variables besides the target that give the answer away (a class code, say): blind splits
    are published without them too."""

    def __post_init__(self) -> None:
        Version.parse(self.version)
        if not self.splits:
            raise InvalidParameter(f"release {self.dataset} {self.version} has no splits")
        if any(s.blind for s in self.splits) and not at_least(self.extension, "v1.6.0"):
            raise InvalidParameter(
                f"release {self.dataset} {self.version} has blind splits: declare extension "
                "v1.6.0 or newer, which publishes their truth's checksum"
            )

    def asset_path(self, split: SplitFile, shard: Shard | None = None) -> str:
        """Storage key of a split's file (or of one of its shards): versioned, so it never
        changes meaning."""
        if shard is not None:
            return f"{self.dataset}/{self.version}/{shard.path.name}"
        return f"{self.dataset}/{self.version}/{self.dataset}-{self.version}-{split.name}.nc"

    def file_path(self, extra: ExtraFile) -> str:
        """Storage key of an extra file, beside the splits of its version."""
        return f"{self.dataset}/{self.version}/{extra.path.name}"

    def item_id(self, split: SplitFile, shard: Shard | None = None) -> str:
        if shard is not None:
            return shard.path.stem
        return f"{self.dataset}-{self.version}-{split.name}"

    def pieces(self) -> list[tuple[SplitFile, Shard | None]]:
        """Each Item's split and shard (None: the whole split), in order."""
        return [(s, shard) for s in self.splits for shard in (s.shards or (None,))]
