"""A split as a stream of batches for training loops, with no ML framework needed.

The examples are cut into blocks, one stored chunk each along the examples' dimension, so that
every read moves whole chunks and never one request per example. Each epoch orders the blocks (and
the examples in each block) by ``seed`` and ``epoch``, then deals them to the distributed ranks
of a run, and each rank's to its data-loader workers: every example is read by exactly one of
them, once per epoch, and what a rank reads does not depend on how many workers it has. Each
stream is deterministic, so a run resumes at its next batch by skipping the batches consumed,
without reading them again.

    >>> for batch in astrobench.batches("sn-spectra", split="train", batch_size=64, shuffle=True):
    ...     batch["flux"], batch["label"], batch["id"]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from astrobench.errors import InvalidRequest

if TYPE_CHECKING:
    import xarray as xr

DEFAULT_BLOCK = 1024
"""Examples per block where the file is not chunked along the examples."""
WHOLE_BYTES = 32 * 2**20
"""Variables up to this size are read whole as an iteration starts (a split's labels and
per-example metadata: a few requests, not one per block); larger ones block by block."""


@dataclass(frozen=True)
class Block:
    """Examples ``start`` to ``stop`` (exclusive): one stored chunk."""

    start: int
    stop: int

    def __len__(self) -> int:
        return self.stop - self.start


@dataclass(frozen=True)
class Source:
    """Where a split is read from, and how (the arguments of ``astrobench.open``)."""

    name: str
    version: str | None = None
    split: str | None = None
    url: str | None = None
    cache: bool = False
    cache_dir: str | None = None
    offline: bool | None = None

    def open(self) -> xr.Dataset:
        from astrobench import open as open_split

        return open_split(
            self.name,
            self.version,
            self.split,
            url=self.url,
            cache=self.cache,
            cache_dir=self.cache_dir,
            offline=self.offline,
            progress=False,
        )


def examples_dimension(data: xr.Dataset) -> str:
    """The dimension that indexes examples: the first of most data variables."""
    firsts = Counter(v.dims[0] for v in data.data_vars.values() if v.ndim)
    if not firsts:
        raise InvalidRequest("the split has no array variables to batch")
    return str(firsts.most_common(1)[0][0])


def blocks_of(data: xr.Dataset, dimension: str) -> list[Block]:
    """The split's blocks: its stored chunks along ``dimension`` (the largest variable's), and
    for a split in shards, its dask chunks, which are the stored chunks of every shard."""
    size = data.sizes[dimension]
    arrays = [v for v in data.data_vars.values() if v.ndim and v.dims[0] == dimension]
    largest = max(arrays, key=lambda v: v.size)
    if largest.chunks:
        edges = np.cumsum([0, *largest.chunks[0]]).tolist()
        return [Block(int(a), int(b)) for a, b in pairwise(edges)]
    chunks = largest.encoding.get("chunksizes") or (DEFAULT_BLOCK,)
    step = max(1, int(chunks[0]))
    return [Block(start, min(start + step, size)) for start in range(0, size, step)]


@dataclass(frozen=True)
class Plan:
    """How one epoch is read: the order of blocks and which part reads which."""

    blocks: Sequence[Block]
    shuffle: bool = False
    seed: int = 0
    epoch: int = 0

    def _rng(self, *salt: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, self.epoch, *salt])

    def ordered(self) -> list[Block]:
        if not self.shuffle:
            return list(self.blocks)
        return [self.blocks[i] for i in self._rng().permutation(len(self.blocks))]

    def part(self, index: int, parts: int, worker: int = 0, workers: int = 1) -> list[Block]:
        """The blocks of part (rank) ``index`` of ``parts``, every ``parts``-th of the epoch's
        order; of those, worker ``worker`` of ``workers`` reads every ``workers``-th."""
        if not 0 <= index < parts:
            raise InvalidRequest(f"part {index} does not exist: parts are 0 to {parts - 1}")
        return self.ordered()[index::parts][worker::workers]

    def order_within(self, block: Block) -> np.ndarray:
        """Positions of a block's examples in the order the epoch yields them."""
        positions = np.arange(block.start, block.stop)
        return self._rng(block.start).permutation(positions) if self.shuffle else positions

    def batches(
        self, index: int, parts: int, worker: int, workers: int, batch_size: int, drop_last: bool
    ) -> int:
        """How many batches a worker of a part yields."""
        examples = sum(len(b) for b in self.part(index, parts, worker, workers))
        return examples // batch_size if drop_last else -(-examples // batch_size)


@dataclass
class Batches:
    """The batches of one part of a split for one epoch (see the module's docstring)."""

    source: Source
    variables: Sequence[str] | None = None
    batch_size: int = 256
    shuffle: bool = False
    seed: int = 0
    epoch: int = 0
    part: int = 0
    parts: int = 1
    skip: int = 0
    """Batches of this part already consumed: a resumed run starts after them."""
    worker: int = 0
    workers: int = 1
    drop_last: bool = False
    _data: xr.Dataset | None = field(default=None, repr=False)
    moved: int | None = field(default=None, init=False)
    """Bytes the last iteration fetched over the network (None: read from a local copy)."""

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise InvalidRequest(f"batch_size must be at least 1, not {self.batch_size}")

    def dataset(self) -> xr.Dataset:
        """The split, opened lazily on first use (in the process that reads it)."""
        if self._data is None:
            self._data = self.source.open()
        return self._data

    def plan(self) -> Plan:
        data = self.dataset()
        blocks = blocks_of(data, examples_dimension(data))
        return Plan(blocks, self.shuffle, self.seed, self.epoch)

    def for_worker(self, worker: int, workers: int, skip: int = 0) -> Batches:
        """This part's share read by one of ``workers``, after ``skip`` of its batches."""
        return replace(self, worker=worker, workers=workers, skip=skip, _data=self._data)

    def __iter__(self) -> Iterator[dict[str, np.ndarray]]:
        """The batches; the split is closed when they end, or when iteration stops early (an
        open file left to the garbage collector could be closed on fsspec's I/O thread while
        another read waits for it)."""
        from astrobench.io import bytes_fetched

        data = self.dataset()
        try:
            yield from self._batches(data)
        finally:
            self.moved = bytes_fetched(data)
            data.close()
            self._data = None

    def _batches(self, data: xr.Dataset) -> Iterator[dict[str, np.ndarray]]:
        dimension = examples_dimension(data)
        names = [str(n) for n in self.variables or []] or [
            str(n) for n in data.data_vars if data[n].dims[:1] == (dimension,)
        ]
        if missing := [n for n in names if n not in data.variables]:
            known = ", ".join(str(n) for n in data.data_vars)
            raise InvalidRequest(f"no variable {', '.join(missing)} in the split; it has: {known}")
        ids = data[dimension].values.astype(str) if dimension in data.coords else None
        # labels and per-example metadata at once; images, spectra and the like block by block
        by_block = [n for n in names if data[n].nbytes > WHOLE_BYTES]
        at_once = data[[n for n in names if n not in by_block]].load(scheduler="synchronous")
        whole = {n: at_once[n].values for n in names if n not in by_block}
        plan = self.plan()
        to_skip = self.skip * self.batch_size
        held: dict[str, np.ndarray] | None = None
        for block in plan.part(self.part, self.parts, self.worker, self.workers):
            if to_skip >= len(block):
                to_skip -= len(block)
                continue
            order = plan.order_within(block)[to_skip:]
            to_skip = 0
            loaded = {}
            if by_block:  # dask-backed shards are read in this thread, one chunk per variable
                part = (
                    data[by_block]
                    .isel({dimension: slice(block.start, block.stop)})
                    .load(scheduler="synchronous")
                )
                loaded = {n: part[n].values[order - block.start] for n in by_block}
            chunk = {n: loaded[n] if n in loaded else whole[n][order] for n in names}
            chunk["id"] = ids[order] if ids is not None else order.astype(str)
            if held is not None:
                chunk = {k: np.concatenate([held[k], v]) for k, v in chunk.items()}
            start = 0
            while len(chunk["id"]) - start >= self.batch_size:
                yield {k: v[start : start + self.batch_size] for k, v in chunk.items()}
                start += self.batch_size
            held = {k: v[start:] for k, v in chunk.items()}
        if held is not None and len(held["id"]) and not self.drop_last:
            yield held


def round_robin(total: int, counts: Sequence[int]) -> tuple[list[int], list[int]]:
    """Where ``total`` batches taken in turn from streams of ``counts`` batches leave each
    stream, skipping streams that ran out, as a data loader interleaves its workers: batches
    taken from each, and the streams in the order that continues the turn (those with batches
    left first, from the one whose turn is next)."""
    taken = [0] * len(counts)
    turn, left = 0, min(total, sum(counts))
    while left:
        if taken[turn] < counts[turn]:
            taken[turn] += 1
            left -= 1
        turn = (turn + 1) % len(counts)
    rotated = [(turn + i) % len(counts) for i in range(len(counts))]
    order = [i for i in rotated if taken[i] < counts[i]]
    return taken, order + [i for i in rotated if i not in order]


def batches(
    name: str,
    version: str | None = None,
    split: str | None = None,
    *,
    url: str | None = None,
    variables: Sequence[str] | None = None,
    batch_size: int = 256,
    shuffle: bool = False,
    seed: int = 0,
    epoch: int = 0,
    rank: int = 0,
    world_size: int = 1,
    skip: int = 0,
    drop_last: bool = False,
    cache: bool = False,
    cache_dir: str | None = None,
    offline: bool | None = None,
) -> Batches:
    """The batches of one split as dicts of NumPy arrays, each with the examples' ``id``; for
    JAX, TensorFlow or NumPy. Run ``world_size`` processes with ``rank`` 0 to ``world_size - 1``
    and each example is in exactly one of them, once per epoch; ``skip`` resumes after that
    many batches. The split is read as ``astrobench.open`` reads it: lazily over HTTP, or with
    ``cache=True`` from a verified local copy (``offline=True``: with the network off)."""
    source = Source(name, version, split, url, cache, cache_dir, offline)
    return Batches(
        source, variables, batch_size, shuffle, seed, epoch, rank, world_size, skip, drop_last
    )
