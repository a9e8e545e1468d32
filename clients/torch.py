"""PyTorch loading: a split as an ``IterableDataset`` of batches (``pip install astrobench[torch]``).

    >>> from astrobench.torch import BenchmarkDataset
    >>> data = BenchmarkDataset("sn-spectra", split="train", shuffle=True, batch_size=64)
    >>> loader = data.loader(num_workers=2)
    >>> for epoch in range(3):
    ...     data.set_epoch(epoch)
    ...     for batch in loader:
    ...         batch["flux"], batch["label"], batch["id"]

Each process reads a part of the split: DataLoader workers and ``torch.distributed`` ranks (or
the ``rank`` and ``world_size`` given) share it so that each example is seen exactly once per
epoch; see ``astrobench.loading``. Batches are dicts of tensors (strings stay NumPy arrays), with
the examples' ``id``. ``state_dict()`` says how far an epoch went; ``load_state_dict()`` makes the
next iteration resume at the next batch; later iterations start the epoch afresh. With workers,
iterate through ``loader()`` (a ``DataLoader`` that counts the batches it hands out), so that
the count is known; its workers start from a clean process (``forkserver``), not as forks of one
that has read over HTTP.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from astrobench.loading import Batches, Source, round_robin


def _tensor(values: np.ndarray) -> Any:
    """Numbers as a tensor; strings and times as they are."""
    return torch.from_numpy(np.ascontiguousarray(values)) if values.dtype.kind in "biuf" else values


def _as_is(batch: Any) -> Any:
    """The collate function: batches come made (default_convert would refuse times)."""
    return batch


class BenchmarkDataset(IterableDataset):  # type: ignore[type-arg]
    """One split of a benchmark, as batches (see the module's docstring)."""

    def __init__(
        self,
        name: str,
        version: str | None = None,
        split: str | None = None,
        *,
        url: str | None = None,
        variables: Sequence[str] | None = None,
        batch_size: int = 256,
        shuffle: bool = False,
        seed: int = 0,
        drop_last: bool = False,
        rank: int | None = None,
        world_size: int | None = None,
        cache: bool = False,
        cache_dir: str | None = None,
        offline: bool | None = None,
    ) -> None:
        super().__init__()
        source = Source(name, version, split, url, cache, cache_dir, offline)
        self.batches = Batches(source, variables, batch_size, shuffle, seed, drop_last=drop_last)
        self.rank, self.world_size = rank, world_size
        self.epoch = 0
        self.consumed = 0
        """Batches of this epoch handed out so far (by this process, or by ``loader()``)."""
        self.resume_from = 0
        self.workers = 1

    def set_epoch(self, epoch: int) -> None:
        """Order the next iteration's examples for ``epoch``; starts the epoch afresh."""
        if epoch != self.epoch:
            self.epoch, self.consumed, self.resume_from = epoch, 0, 0

    def state_dict(self) -> dict[str, int]:
        return {
            "epoch": self.epoch,
            "batches": self.consumed,
            "seed": self.batches.seed,
            "workers": self.workers,
        }

    def load_state_dict(self, state: dict[str, int]) -> None:
        """Resume: the next iteration starts at the batch after ``state``'s last one."""
        if state.get("seed", self.batches.seed) != self.batches.seed:
            raise ValueError(
                f"the state is of seed {state['seed']}, this dataset's is {self.batches.seed}"
            )
        self.epoch = int(state["epoch"])
        self.consumed = self.resume_from = int(state["batches"])
        self.workers = int(state.get("workers", 1))

    def _rank(self) -> tuple[int, int]:
        if self.rank is not None or self.world_size is not None:
            return self.rank or 0, self.world_size or 1
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            return torch.distributed.get_rank(), torch.distributed.get_world_size()
        return 0, 1

    def __iter__(self) -> Iterator[dict[str, Any]]:
        rank, world = self._rank()
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info is not None else (0, 1)
        if self.resume_from and workers != self.workers:
            raise ValueError(
                f"the state was saved with {self.workers} worker(s); resume with as many, not "
                f"{workers}"
            )
        epoch = replace(self.batches, epoch=self.epoch, part=rank, parts=world)
        plan = epoch.plan()
        counts = [
            plan.batches(rank, world, w, workers, epoch.batch_size, epoch.drop_last)
            for w in range(workers)
        ]
        # A resumed loader starts its turn at worker 0: worker i plays the stream whose turn it is
        # i-th, so batches come in the order the interrupted run would have given them.
        taken, order = round_robin(self.resume_from, counts)
        stream = order[worker]
        if info is None:  # counted here; in workers, ``Loader`` counts
            self.consumed = self.resume_from
        try:
            for batch in epoch.for_worker(stream, workers, taken[stream]):
                if info is None:
                    self.consumed += 1
                yield {k: _tensor(v) for k, v in batch.items()}
        finally:
            if info is None:  # resumed once; the next iteration starts the epoch afresh
                self.resume_from = 0

    def loader(self, **options: Any) -> Loader:
        """A ``DataLoader`` over this dataset that keeps ``state_dict()`` current with workers
        (``options`` as DataLoader's; batching is the dataset's, so no ``batch_size``)."""
        return Loader(self, **options)


def worker_context() -> multiprocessing.context.BaseContext:
    """Where ``loader()`` starts its workers: forked from a clean server process (or spawned),
    not from this one. A fork of a process that has read over HTTP inherits fsspec's sessions,
    bound to an event loop that does not run in the child: closing each waits a second, and an
    epoch ran four times slower with two workers than with none."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["astrobench.torch"])
        return context
    return multiprocessing.get_context("spawn")


class Loader(DataLoader):  # type: ignore[type-arg]
    """A DataLoader that counts the batches it hands out into its ``BenchmarkDataset``."""

    def __init__(self, dataset: BenchmarkDataset, **options: Any) -> None:
        if options.get("persistent_workers"):
            raise ValueError(
                "persistent_workers would keep each worker's copy of the dataset from the first "
                "epoch, so set_epoch and load_state_dict could not reach it; leave it off"
            )
        options.setdefault("collate_fn", _as_is)
        if options.get("num_workers") and "multiprocessing_context" not in options:
            options["multiprocessing_context"] = worker_context()
        super().__init__(dataset, batch_size=None, **options)
        if not dataset.resume_from:
            dataset.workers = max(1, self.num_workers)

    def __iter__(self) -> Iterator[Any]:  # type: ignore[override]
        dataset: BenchmarkDataset = self.dataset  # type: ignore[assignment]
        counting = self.num_workers > 0
        if counting:
            dataset.consumed = dataset.resume_from
        try:
            for batch in super().__iter__():
                if counting:
                    dataset.consumed += 1
                yield batch
        finally:  # resumed once; the next iteration starts the epoch afresh
            dataset.resume_from = 0
