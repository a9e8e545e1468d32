"""Open published files as xarray Datasets: lazily over HTTP, or from a verified local cache.

Every location of an asset is tried in turn: its ``href``, then the mirrors its ``alternate``
entries list (the STAC alternate-assets extension). A lazy read that fails at one location, at
open time or later, carries on at the next; when none is left, ``ServerError`` names each
location and why it failed.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import gc
import io
import threading
import weakref
from collections import OrderedDict
from collections.abc import Hashable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp
import fsspec
import fsspec.caching
import fsspec.core
import numpy as np
import xarray as xr

from astrobench.errors import ServerError
from astrobench.transfer import aiohttp_retry

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

BLOCK_SIZE = 64 * 1024
"""The unit of HTTP range reads: small enough that one slice does not pull the whole file."""
MAX_BLOCKS = 256
"""Blocks kept per open file (16 MiB): metadata and recent chunks stay in memory."""
MAX_READ_AHEAD = 4 * 1024 * 1024
"""The furthest a sequential read fetches ahead in one request."""
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


def open_lazy(asset: dict[str, Any], chunks: dict[str, int] | None = None) -> xr.Dataset:
    """An asset as a Dataset, read from the first of its locations that works; only the byte
    ranges that reads touch are fetched. ``chunks={}``: as dask arrays in the stored chunks."""
    remote = Mirrored(locations(asset), asset.get("file:size"))
    try:
        while True:
            try:
                dataset = xr.open_dataset(remote, engine="h5netcdf", chunks=chunks)
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
    _OPEN[id(dataset)] = dataset
    return dataset


_OPEN: weakref.WeakValueDictionary[int, xr.Dataset] = weakref.WeakValueDictionary()
"""Lazily opened Datasets not yet collected."""


@atexit.register
def _close_open() -> None:
    """Close lazily opened Datasets before the interpreter tears down: HDF5 would otherwise
    close their files while the Python objects it reads through are half gone."""
    for dataset in list(_OPEN.values()):
        with contextlib.suppress(Exception):
            dataset.close()


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
        """Give up on the current location because of ``error``; move to the next one.

        Failed attempts leave half-open HDF5 files as garbage. Collected on fsspec's I/O thread
        during the next location's requests, their closing would wait for HDF5's lock, which
        this thread holds while it waits for that I/O thread: so they are collected here."""
        self._note(_reason(error))
        self._drop()
        gc.collect()
        self._next()

    def _note(self, reason: str) -> None:
        self.failures.append(f"{self.href}: {reason}")

    def _next(self) -> None:
        while self._index + 1 < len(self.hrefs):
            self._index += 1
            # the catalogue's own link serves the size it publishes: no HEAD to ask; a mirror's
            # is asked, so a mirror holding other bytes is passed over before any read
            trusted = self.size if self._index == 0 else None
            try:
                handle = _open_remote(self.href, trusted)
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


class RunCache(fsspec.caching.BaseCache):  # type: ignore[misc]
    """fsspec's block cache, with two changes that cut round trips:

    - a read that needs several missing blocks fetches each run of consecutive missing ones in
      one request;
    - reads that carry on where the last fetch ended (reading a variable chunk after chunk) read
      ahead, eight blocks and then twice as far each time up to ``MAX_READ_AHEAD`` (a file
      within that, to its end), as an operating system's page cache does. A small scattered
      read (HDF5 metadata) fetches its block and one on either side; a larger one (a
      compressed chunk) only what it needs.

    Least recently used blocks go first when more than ``maxblocks`` are held."""

    name = "astrobench-runs"

    def __init__(self, blocksize: int, fetcher: Any, size: int, maxblocks: int = MAX_BLOCKS):
        super().__init__(blocksize, fetcher, size)
        self.maxblocks = maxblocks
        self.blocks: OrderedDict[int, bytes] = OrderedDict()
        self.count = -(-size // blocksize)
        self.ahead = 1  # blocks the next sequential fetch reads
        self.resume = -1  # the block after the last fetch

    def _fetch(self, start: int | None, end: int | None) -> bytes:
        start = start or 0
        end = self.size if end is None else min(end, self.size)
        if start >= end:
            return b""
        first, last = start // self.blocksize, (end - 1) // self.blocksize
        wanted = range(first, last + 1)
        missing = [b for b in wanted if b not in self.blocks]
        for run in _runs(missing):
            self._fetch_run(run[0], run[-1])
        self.hit_count += len(wanted) - len(missing)
        joined = b"".join(self.blocks[b] for b in wanted)
        for b in wanted:
            self.blocks.move_to_end(b)
        while len(self.blocks) > max(self.maxblocks, len(wanted)):
            self.blocks.popitem(last=False)
        offset = start - first * self.blocksize
        return joined[offset : offset + end - start]

    def _fetch_run(self, low: int, high: int) -> None:
        """Blocks ``low`` to ``high``, and further ahead when the reads are sequential."""
        furthest = MAX_READ_AHEAD // self.blocksize
        if low == self.resume and self.count <= furthest:
            self.ahead = self.count  # a file within one read-ahead, read in order: to its end
        elif low == self.resume:
            self.ahead = min(max(self.ahead * 2, 8), furthest)
        else:
            self.ahead = 1
            if low == high:  # a small scattered read: its neighbours, where HDF5 keeps metadata
                if low > 0 and low - 1 not in self.blocks:
                    low -= 1
                if high + 1 < self.count and high + 1 not in self.blocks:
                    high += 1
        while high + 1 < min(low + self.ahead, self.count) and high + 1 not in self.blocks:
            high += 1
        begin, stop = low * self.blocksize, min((high + 1) * self.blocksize, self.size)
        data = self.fetcher(begin, stop)
        if len(data) != stop - begin:  # the location holds a shorter file than published
            raise OSError(f"bytes {begin}-{stop - 1} asked, {len(data)} served")
        self.total_requested_bytes += stop - begin
        self.miss_count += 1
        for b in range(low, high + 1):
            self.blocks[b] = data[(b - low) * self.blocksize :][: self.blocksize]
        self.resume = high + 1


def _runs(numbers: list[int]) -> list[list[int]]:
    """Sorted numbers as runs of consecutive ones."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and runs[-1][-1] + 1 == n:
            runs[-1].append(n)
        else:
            runs.append([n])
    return runs


fsspec.caching.register_cache(RunCache, clobber=True)


def _open_remote(href: str, size: int | None = None) -> Any:
    """A remote file; with its ``size`` known, no HEAD request goes before the first read."""
    options: dict[str, Any] = {}
    web = href.startswith(("http://", "https://"))
    if web:
        options["client_kwargs"] = {"middlewares": (_RETRY,), "timeout": _TIMEOUT}
    fs, path = fsspec.core.url_to_fs(href, **options)
    known = {"size": size} if web and size is not None else {}
    return fs.open(path, "rb", block_size=BLOCK_SIZE, cache_type=RunCache.name, **known)


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


def open_local(path: Path, chunks: dict[str, int] | None = None) -> xr.Dataset:
    return xr.open_dataset(path, engine="h5netcdf", chunks=chunks)


def open_shards(assets: list[dict[str, Any]], counts: list[int]) -> xr.Dataset:
    """A split stored as shards of ``counts`` examples, as one Dataset of dask arrays in the
    stored chunks. The first shard is opened at once, for the split's structure; each other one
    when one of its chunks is first read, so that reading one example fetches two shards'
    metadata and its chunk, not every shard's. The examples' ids are a coordinate without an
    index: ``dataset.set_xindex(name)`` reads them all and allows selection by id."""
    first = open_lazy(assets[0], chunks={})
    try:
        later = [LazyShard(asset) for asset in assets[1:]]
        examples = _examples(first)
        joined = {
            name: _joined(name, variable, later, counts[1:])
            for name, variable in first.variables.items()
            if variable.dims[:1] == (examples,)
        }
        dataset = xr.Dataset(
            {n: v for n, v in joined.items() if n in first.data_vars},
            coords={n: first[n] for n in first.coords if n not in joined},
            attrs=first.attrs,
        ).assign_coords(
            xr.Coordinates({n: v for n, v in joined.items() if n in first.coords}, indexes={})
        )
    except BaseException:
        first.close()
        raise
    dataset.encoding[TRANSFER] = Transfers([first.encoding[TRANSFER], *later])
    dataset.encoding["source"] = first.encoding.get("source")
    _OPEN[id(dataset)] = dataset

    def close() -> None:
        first.close()
        for shard in later:
            shard.close()

    dataset.set_close(close)
    return dataset


def _joined(
    name: Hashable, variable: xr.Variable, later: list[LazyShard], counts: list[int]
) -> xr.Variable:
    """A variable of the first shard followed by the same variable of each later shard, in
    the first shard's chunking (one chunk per shard where the first has one)."""
    import dask.array as da

    data = variable.data
    if not isinstance(data, da.Array):  # an index coordinate, read at open
        data = da.from_array(np.asarray(variable.values), chunks=-1)  # type: ignore[no-untyped-call]
    rows = data.chunks[0]
    rest = data.chunks[1:]
    parts = [data]
    for shard, count in zip(later, counts, strict=True):
        step = count if len(rows) == 1 else rows[0]
        pieces = tuple(min(step, count - start) for start in range(0, count, step))
        shape = (count, *variable.shape[1:])
        parts.append(
            da.from_array(  # type: ignore[no-untyped-call]
                ShardVariable(shard, name, shape, data.dtype),
                chunks=(pieces, *rest),
                name=f"astrobench-{shard.href}-{name}",
                meta=np.empty((0,) * len(shape), dtype=data.dtype),
                lock=False,
                fancy=False,
            )
        )
    joined = da.concatenate(parts)  # type: ignore[no-untyped-call]
    return xr.Variable(variable.dims, joined, variable.attrs, variable.encoding)


class LazyShard:
    """A shard read over HTTP, opened the first time one of its chunks is read."""

    def __init__(self, asset: dict[str, Any]) -> None:
        self.asset = asset
        self.href = str(asset["href"])
        self._data: xr.Dataset | None = None
        self._fetched = 0  # by earlier openings, now closed
        self._lock = threading.Lock()

    def dataset(self) -> xr.Dataset:
        with self._lock:
            if self._data is None:
                self._data = open_lazy(self.asset)
            return self._data

    @property
    def total_requested_bytes(self) -> int:
        data = self._data
        now = 0 if data is None else int(data.encoding[TRANSFER].total_requested_bytes)
        return self._fetched + now

    def close(self) -> None:
        with self._lock:
            if self._data is not None:
                self._fetched += int(self._data.encoding[TRANSFER].total_requested_bytes)
                self._data.close()
                self._data = None


class ShardVariable:
    """One variable of a ``LazyShard``, as ``dask.array.from_array`` reads it."""

    def __init__(
        self, shard: LazyShard, name: Hashable, shape: tuple[int, ...], dtype: Any
    ) -> None:
        self.shard, self.name, self.shape, self.dtype = shard, name, shape, dtype
        self.ndim = len(shape)

    def __getitem__(self, key: Any) -> Any:
        return np.asarray(self.shard.dataset()[self.name].variable[key].values)


def _examples(shard: xr.Dataset) -> Hashable:
    """The dimension shards are joined along: the first of the first array variable."""
    return next(v.dims[0] for v in shard.data_vars.values() if v.ndim)


def open_local_shards(paths: list[Path]) -> xr.Dataset:
    return concatenated([open_local(path, chunks={}) for path in paths])


class Transfers(list[Any]):
    """The remote files behind a Dataset of several shards."""

    @property
    def total_requested_bytes(self) -> int:
        return sum(int(t.total_requested_bytes) for t in self)


def concatenated(parts: list[xr.Dataset]) -> xr.Dataset:
    """Shards as one Dataset along their examples' dimension (the first of the first data
    variable); closing it closes every shard."""
    examples = _examples(parts[0])
    dataset = xr.concat(
        parts, dim=examples, data_vars="minimal", coords="minimal", compat="override"
    )
    remote = [p.encoding[TRANSFER] for p in parts if TRANSFER in p.encoding]
    if remote:
        dataset.encoding[TRANSFER] = Transfers(remote)
        dataset.encoding["source"] = parts[0].encoding.get("source")
        _OPEN[id(dataset)] = dataset

    def close() -> None:
        for part in parts:
            part.close()

    dataset.set_close(close)
    return dataset


def bytes_fetched(dataset: xr.Dataset) -> int | None:
    """Bytes fetched over the network so far for a lazily opened Dataset (None if cached)."""
    remote = dataset.encoding.get(TRANSFER)
    return None if remote is None else int(remote.total_requested_bytes)
