"""Integrity at rest: re-hash stored files against the checksums their versions published.

A published file never changes, so any difference between its bytes and its recorded sha256
is damage (a flipped bit, a truncated upload, an operator's mistake). ``check_one`` finds it;
``quarantine`` moves a damaged file aside, so that the service answers 503 for it instead of
serving wrong bytes under the original ETag, until the file is restored (``astrobench ingest``
of the same version puts back what is missing: builds are byte-identical).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import Enum

from astrobench.catalog.errors import StorageUnavailable
from astrobench.catalog.records import AssetRecord
from astrobench.catalog.storage import AssetStorage
from astrobench.catalog.store import Store

QUARANTINE = ".quarantine"
"""Folder under the asset root where damaged files are moved; no asset key starts with a dot."""
_CHUNK = 1 << 20


class State(Enum):
    OK = "ok"
    MISSING = "missing"
    DAMAGED = "damaged"
    """Present, but its size or sha256 differs from the published one."""
    UNREADABLE = "unreadable"
    """The storage failed while reading it."""


@dataclass(frozen=True)
class Finding:
    asset: AssetRecord
    state: State
    detail: str = ""

    def describe(self) -> str:
        return f"{self.state.value}\t{self.asset.path}" + (
            f"\t{self.detail}" if self.detail else ""
        )


def assets(
    store: Store, dataset: str | None = None, version: str | None = None
) -> list[AssetRecord]:
    """The published files of every version, of one dataset, or of one version of it (any
    request ``resolve`` understands: ``1.2``, ``latest``...)."""
    if version is not None and dataset is None:
        raise ValueError("a version needs its dataset")
    datasets = [dataset] if dataset is not None else store.dataset_ids()
    found: list[AssetRecord] = []
    for name in datasets:
        history = [h.version for h in store.history(name)]
        versions = [store.resolve(name, version)] if version is not None else history
        for exact in versions:
            found += store.version_assets(name, exact)
    return sorted(found, key=lambda a: a.path)


def check_one(storage: AssetStorage, asset: AssetRecord) -> Finding:
    """Re-read one stored file whole and compare it with what was published."""
    try:
        if not storage.exists(asset.path):
            return Finding(asset, State.MISSING)
        digest, size = hashlib.sha256(), 0
        with storage.open(asset.path) as handle:
            while block := storage.read(handle, _CHUNK):
                digest.update(block)
                size += len(block)
    except StorageUnavailable as error:
        return Finding(asset, State.UNREADABLE, str(error.__cause__ or error))
    if size != asset.size:
        return Finding(asset, State.DAMAGED, f"{size} bytes, published {asset.size}")
    if digest.hexdigest() != asset.sha256:
        return Finding(
            asset, State.DAMAGED, f"sha256 {digest.hexdigest()}, published {asset.sha256}"
        )
    return Finding(asset, State.OK)


def quarantine(storage: AssetStorage, asset: AssetRecord) -> str:
    """Move a damaged file out of the served path; return where it went."""
    target = f"{QUARANTINE}/{asset.path}"
    storage.move(asset.path, target)
    return target
