"""The local cache: whole files keyed by checksum, and the records that find them offline.

    <root>/files/<ab>/<sha256><suffix>              verified bytes
    <root>/files/<ab>/<sha256><suffix>.verified     size and mtime when they were last hashed
    <root>/catalogues/<host>/<dataset>/<version>.json   the version's Collection and Items

A file is hashed when it is downloaded and again whenever its size or mtime changed since, so a
file altered in place is detected and fetched again.
"""

from __future__ import annotations

import json
import os
import re
import uuid
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from astrobench.catalog.release import sha256_file
from astrobench.errors import ChecksumMismatch

MULTIHASH_SHA256 = "1220"


def default_cache_dir() -> Path:
    """``$ASTROBENCH_CACHE_DIR``, else ``$XDG_CACHE_HOME/astrobench``, else ``~/.cache/astrobench``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(os.environ.get("ASTROBENCH_CACHE_DIR") or Path(base) / "astrobench")


def sha256_of(asset: dict[str, Any]) -> str:
    """The hex sha256 an asset's ``file:checksum`` (a multihash) publishes."""
    checksum = str(asset.get("file:checksum", ""))
    if not checksum.startswith(MULTIHASH_SHA256):
        raise ChecksumMismatch(f"asset {asset['href']} has no sha2-256 file:checksum")
    return checksum[len(MULTIHASH_SHA256) :]


def _stamp(path: Path) -> str:
    status = path.stat()
    return f"{status.st_size} {status.st_mtime_ns}"


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file, so readers see all or nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.parent / f".{path.name}.{uuid.uuid4().hex}.partial"
    partial.write_text(text)
    os.replace(partial, path)


class Cache:
    """A cache folder (default ``default_cache_dir()``)."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root else default_cache_dir()

    def file_path(self, asset: dict[str, Any]) -> Path:
        """Where an asset's bytes live in the cache (whether or not they are there yet)."""
        digest = sha256_of(asset)
        suffix = Path(urlsplit(asset["href"]).path).suffix
        return self.root / "files" / digest[:2] / f"{digest}{suffix}"

    def verified(self, asset: dict[str, Any]) -> Path | None:
        """The cached file if its bytes are the published ones; a corrupt copy is removed."""
        path = self.file_path(asset)
        stamp = path.with_name(path.name + ".verified")
        if not path.exists():
            return None
        if stamp.exists() and stamp.read_text() == _stamp(path):
            return path
        if sha256_file(path) != sha256_of(asset):
            warnings.warn(
                f"cached file {path} does not match its checksum; fetching it again",
                RuntimeWarning,
                stacklevel=3,
            )
            path.unlink()
            stamp.unlink(missing_ok=True)
            return None
        self.mark_verified(path)
        return path

    def mark_verified(self, path: Path) -> None:
        write_atomic(path.with_name(path.name + ".verified"), _stamp(path))

    def _version_path(self, url: str, dataset: str, version: str) -> Path:
        parts = urlsplit(url)
        host = re.sub(r"[^A-Za-z0-9.-]+", "_", f"{parts.netloc}{parts.path}".strip("/"))
        return self.root / "catalogues" / host / dataset / f"{version}.json"

    def save_version(
        self, url: str, collection: dict[str, Any], items: list[dict[str, Any]]
    ) -> None:
        """Keep a version's records, so the version can be resolved with no network."""
        path = self._version_path(url, collection["id"], collection["version"])
        write_atomic(path, json.dumps({"collection": collection, "items": items}))

    def versions(self, url: str, dataset: str) -> dict[str, dict[str, Any]]:
        """Every cached version of ``dataset`` from the catalogue at ``url``: version -> records."""
        folder = self._version_path(url, dataset, "x").parent
        found = {}
        for path in sorted(folder.glob("*.json")):
            found[path.stem] = json.loads(path.read_text())
        return found

    def datasets(self, url: str) -> list[str]:
        folder = self._version_path(url, "x", "x").parent.parent
        return sorted(p.name for p in folder.iterdir()) if folder.exists() else []
