"""Open published files as xarray Datasets: lazily over HTTP, or from a verified local cache.

Every location of an asset is tried in turn: its ``href``, then the mirrors its ``alternate``
entries list (the STAC alternate-assets extension). A lazy read that fails at one location, at
open time or later, carries on at the next; when none is left, ``ServerError`` names each
location and why it failed.
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp
import fsspec
import xarray as xr

from astrobench.errors import ServerError
from astrobench.transfer import aiohttp_retry

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

BLOCK_SIZE = 64 * 1024
"""HTTP range-request size: small enough that one slice does not pull the whole file."""
TRANSFER = "astrobench_transfer"
_RETRY = aiohttp_retry()  # one object, so fsspec reuses its cached file system
_TIMEOUT = aiohttp.ClientTimeout(total=None, sock_connect=30, sock_read=60)
"""A stalled connection fails (and is retried) within a minute, not aiohttp's five."""
FAILURES = (OSError, ValueError, aiohttp.ClientError, asyncio.TimeoutError)
"""What a location that cannot serve the file raises (after retries): try the next one."""


def locations(asset: dict[str, Any]) -> list[str]:
    """The asset's own href, then each mirror's."""
    mirrors = [a["href"] for a in asset.get("alternate", {}).values() if a.get("href")]
    return [asset["href"], *mirrors]


def open_lazy(asset: dict[str, Any]) -> xr.Dataset:
    """An asset as a Dataset, read from the first of its locations that works; only the byte
    ranges that reads touch are fetched."""
    remote = Mirrored(locations(asset), asset.get("file:size"))
    try:
        while True:
            try:
                dataset = xr.open_dataset(remote, engine="h5netcdf")
                break
            except FAILURES as error:  # bytes, but not a readable file: the next location
                remote.fail(error)  # raises ServerError when none is left
                remote.seek(0)
    except BaseException:
        remote.close()
        raise
    dataset.set_close(remote.close)
    dataset.encoding["source"] = remote.href
    dataset.encoding[TRANSFER] = remote
    return dataset


class Mirrored(io.RawIOBase):
    """A read-only file held at several locations with the same bytes, read lazily from the
    first that works; a location that fails mid-session hands over to the next."""

    mode = "rb"

    def __init__(self, hrefs: list[str], size: int | None = None) -> None:
        super().__init__()
        self.hrefs = hrefs
        self.size = size
        self.failures: list[str] = []
        self.position = 0
        self._index = -1
        self._handle: Any = None
        self._left_behind = 0  # bytes fetched from locations given up on
        self._next()

    @property
    def href(self) -> str:
        """The location being read."""
        return self.hrefs[self._index]

    @property
    def total_requested_bytes(self) -> int:
        """Bytes fetched over the network so far, from every location."""
        return self._left_behind + _fetched(self._handle)

    def fail(self, error: BaseException) -> None:
        """Give up on the current location because of ``error``; move to the next one."""
        self._note(_reason(error))
        self._drop()
        self._next()

    def _note(self, reason: str) -> None:
        self.failures.append(f"{self.href}: {reason}")

    def _next(self) -> None:
        while self._index + 1 < len(self.hrefs):
            self._index += 1
            try:
                handle = _open_remote(self.href)
            except FAILURES as error:
                self._note(_reason(error))
                continue
            found = getattr(handle, "size", None)
            if self.size is not None and found is not None and found != self.size:
                handle.close()
                self._note(f"has {found} bytes, the catalogue publishes {self.size}")
                continue
            self._handle = handle
            return
        raise self._exhausted()

    def _exhausted(self) -> ServerError:
        name = PurePosixPath(urlsplit(self.hrefs[0]).path).name
        return ServerError(
            f"cannot read {name} from any location ({len(self.hrefs)} tried): "
            + "; ".join(self.failures)
        )

    def _drop(self) -> None:
        if self._handle is not None:
            self._left_behind += _fetched(self._handle)
            self._handle.close()
            self._handle = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_CUR:
            offset += self.position
        elif whence == io.SEEK_END:
            if self.size is None and self._handle is None:  # every location failed earlier
                raise self._exhausted()
            offset += self._handle.size if self.size is None else self.size
        self.position = offset
        return offset

    def readinto(self, buffer: WriteableBuffer) -> int:
        if self.closed:
            raise ValueError("I/O operation on closed file")
        while True:
            if self._handle is None:  # every location failed earlier
                raise self._exhausted()
            try:
                self._handle.seek(self.position)
                count: int = self._handle.readinto(buffer)
            except FAILURES as error:
                self.fail(error)
                continue
            self.position += count
            return count

    def close(self) -> None:
        self._drop()
        super().close()


def _open_remote(href: str) -> Any:
    options: dict[str, Any] = {}
    if href.startswith(("http://", "https://")):
        options["client_kwargs"] = {"middlewares": (_RETRY,), "timeout": _TIMEOUT}
    return fsspec.open(
        href, mode="rb", block_size=BLOCK_SIZE, cache_type="blockcache", **options
    ).open()


def _fetched(handle: Any) -> int:
    cache = getattr(handle, "cache", None)
    return int(getattr(cache, "total_requested_bytes", 0))


def _reason(error: BaseException) -> str:
    """Why a location failed, in a few words (fsspec hides HTTP failures behind
    ``FileNotFoundError(url)``: the cause says more)."""
    while isinstance(error, FileNotFoundError) and error.__cause__ is not None:
        error = error.__cause__
    if isinstance(error, aiohttp.ClientResponseError):
        return f"HTTP {error.status} {error.message}".strip()
    if isinstance(error, FileNotFoundError):
        return "not found"
    return str(error) or type(error).__name__


def open_local(path: Path) -> xr.Dataset:
    return xr.open_dataset(path, engine="h5netcdf")


def bytes_fetched(dataset: xr.Dataset) -> int | None:
    """Bytes fetched over the network so far for a lazily opened Dataset (None if cached)."""
    remote = dataset.encoding.get(TRANSFER)
    return None if remote is None else int(remote.total_requested_bytes)
