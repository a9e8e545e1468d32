"""Open published files as xarray Datasets: lazily over HTTP, or from a verified local cache."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

import fsspec
import xarray as xr

from astrobench.errors import ChecksumMismatch, ServerError

BLOCK_SIZE = 64 * 1024
"""HTTP range-request size: small enough that one slice does not pull the whole file."""
MULTIHASH_SHA256 = "1220"
TRANSFER = "astrobench_transfer"


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(os.environ.get("ASTROBENCH_CACHE_DIR", Path(base) / "astrobench"))


def sha256_of(asset: dict[str, Any]) -> str:
    checksum = str(asset.get("file:checksum", ""))
    if not checksum.startswith(MULTIHASH_SHA256):
        raise ChecksumMismatch(f"asset {asset['href']} has no sha2-256 file:checksum")
    return checksum[len(MULTIHASH_SHA256) :]


def open_asset(
    asset: dict[str, Any], *, cache: bool = False, cache_dir: str | None = None
) -> xr.Dataset:
    """An asset as a Dataset. Lazy: only the byte ranges that reads touch are fetched."""
    if cache:
        path = fetch(asset, Path(cache_dir) if cache_dir else default_cache_dir())
        return xr.open_dataset(path, engine="h5netcdf")
    try:
        handle = fsspec.open(
            asset["href"], mode="rb", block_size=BLOCK_SIZE, cache_type="blockcache"
        ).open()
    except (OSError, ValueError) as error:
        raise ServerError(f"cannot open {asset['href']}: {error}") from error
    dataset = xr.open_dataset(handle, engine="h5netcdf")
    dataset.set_close(handle.close)
    dataset.encoding["source"] = asset["href"]
    dataset.encoding[TRANSFER] = handle.cache
    return dataset


def bytes_fetched(dataset: xr.Dataset) -> int | None:
    """Bytes fetched over the network so far for a lazily opened Dataset (None if cached)."""
    cache = dataset.encoding.get(TRANSFER)
    return None if cache is None else int(cache.total_requested_bytes)


def fetch(asset: dict[str, Any], cache_dir: Path) -> Path:
    """The asset's whole file in the cache, keyed by checksum and verified after download."""
    digest = sha256_of(asset)
    target = cache_dir / digest[:2] / f"{digest}.nc"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    hasher = hashlib.sha256()
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False, suffix=".partial") as out:
        try:
            with fsspec.open(asset["href"], mode="rb", block_size=1 << 22) as source:
                while block := source.read(1 << 20):
                    hasher.update(block)
                    out.write(block)
        except OSError as error:
            os.unlink(out.name)
            raise ServerError(f"cannot download {asset['href']}: {error}") from error
    if hasher.hexdigest() != digest:
        os.unlink(out.name)
        raise ChecksumMismatch(
            f"{asset['href']} has sha256 {hasher.hexdigest()}, but the catalogue publishes {digest}"
        )
    os.replace(out.name, target)
    return target
