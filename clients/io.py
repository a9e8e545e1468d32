"""Open published files as xarray Datasets: lazily over HTTP, or from a verified local cache.

Every location of an asset is tried in turn: its ``href``, then the mirrors its ``alternate``
entries list (the STAC alternate-assets extension).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fsspec
import xarray as xr

from astrobench.errors import ServerError
from astrobench.transfer import aiohttp_retry

BLOCK_SIZE = 64 * 1024
"""HTTP range-request size: small enough that one slice does not pull the whole file."""
TRANSFER = "astrobench_transfer"
_RETRY = aiohttp_retry()  # one object, so fsspec reuses its cached file system


def locations(asset: dict[str, Any]) -> list[str]:
    """The asset's own href, then each mirror's."""
    mirrors = [a["href"] for a in asset.get("alternate", {}).values() if a.get("href")]
    return [asset["href"], *mirrors]


def open_lazy(asset: dict[str, Any]) -> xr.Dataset:
    """An asset as a Dataset; only the byte ranges that reads touch are fetched."""
    failures = []
    for href in locations(asset):
        try:
            return _open_remote(href)
        except (OSError, ValueError) as error:
            failures.append(f"{href}: {error}")
    raise ServerError(f"cannot open {asset['href']} from any location: " + "; ".join(failures))


def _open_remote(href: str) -> xr.Dataset:
    options: dict[str, Any] = {}
    if href.startswith(("http://", "https://")):
        options["client_kwargs"] = {"middlewares": (_RETRY,)}
    handle = fsspec.open(
        href, mode="rb", block_size=BLOCK_SIZE, cache_type="blockcache", **options
    ).open()
    try:
        dataset = xr.open_dataset(handle, engine="h5netcdf")
    except BaseException:
        handle.close()
        raise
    dataset.set_close(handle.close)
    dataset.encoding["source"] = href
    dataset.encoding[TRANSFER] = handle.cache
    return dataset


def open_local(path: Path) -> xr.Dataset:
    return xr.open_dataset(path, engine="h5netcdf")


def bytes_fetched(dataset: xr.Dataset) -> int | None:
    """Bytes fetched over the network so far for a lazily opened Dataset (None if cached)."""
    cache = dataset.encoding.get(TRANSFER)
    return None if cache is None else int(cache.total_requested_bytes)
