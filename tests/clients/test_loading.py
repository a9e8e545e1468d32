"""Batches for training loops, NumPy and PyTorch, against a real server: each example once per
epoch across workers and ranks, deterministic shuffling by seed and epoch, whole chunks read,
resumption at the next batch, and reading from the local cache with the network off."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import astrobench
from astrobench.io import bytes_fetched
from astrobench.loading import round_robin
from astrobench.torch import BenchmarkDataset

NAME, SPLIT = "ogle3-variables", "train"  # 540 light curves in chunks of 64


@pytest.fixture(scope="module")
def ids(server: str) -> list[str]:
    with astrobench.open(NAME, split=SPLIT, url=server) as data:
        return [str(i) for i in data["star"].values]


def _ids(batches: Iterable[dict[str, Any]]) -> list[str]:
    return [str(i) for batch in batches for i in batch["id"]]


def test_unshuffled_batches_follow_the_file(server: str, ids: list[str]) -> None:
    batches = list(astrobench.batches(NAME, split=SPLIT, url=server, batch_size=100))
    assert [len(b["id"]) for b in batches] == [100] * 5 + [40]
    assert _ids(batches) == ids
    with astrobench.open(NAME, split=SPLIT, url=server) as data:
        np.testing.assert_array_equal(
            np.concatenate([b["period"] for b in batches]), data["period"].values
        )
    kept = list(astrobench.batches(NAME, split=SPLIT, url=server, batch_size=100, drop_last=True))
    assert len(kept) == 5 and {"id", "period", "mag", "label"} <= set(kept[0])


def test_each_example_once_per_epoch_across_ranks(server: str, ids: list[str]) -> None:
    def epoch(seed: int, number: int) -> list[list[str]]:
        return [
            _ids(
                astrobench.batches(
                    NAME,
                    split=SPLIT,
                    url=server,
                    batch_size=50,
                    shuffle=True,
                    seed=seed,
                    epoch=number,
                    rank=rank,
                    world_size=3,
                    variables=["period"],
                )
            )
            for rank in range(3)
        ]

    first = epoch(7, 0)
    seen = [i for part in first for i in part]
    assert sorted(seen) == sorted(ids) and len(set(seen)) == len(ids)  # once each
    assert all(part for part in first)
    assert epoch(7, 0) == first  # deterministic by seed and epoch
    assert epoch(7, 1) != first and epoch(8, 0) != first
    assert sorted(i for part in epoch(7, 1) for i in part) == sorted(ids)


def test_a_whole_epoch_reads_whole_chunks(server: str) -> None:
    batches = astrobench.batches(NAME, split=SPLIT, url=server, batch_size=32, shuffle=True)
    assert sum(1 for _ in batches) == 17
    moved = batches.moved
    with astrobench.open(NAME, split=SPLIT, url=server) as whole:
        whole.load()
        at_once = bytes_fetched(whole)
    assert moved is not None and at_once is not None
    assert moved <= 1.1 * at_once  # shuffled blocks cost about what one pass over the file does


def test_resuming_skips_exactly_the_consumed_batches(server: str) -> None:
    options: dict[str, Any] = dict(split=SPLIT, url=server, batch_size=40, shuffle=True, seed=3)
    whole = [list(b["id"]) for b in astrobench.batches(NAME, **options)]
    resumed = [list(b["id"]) for b in astrobench.batches(NAME, skip=5, **options)]
    assert resumed == whole[5:]


def test_torch_workers_share_the_epoch_and_the_state_resumes(server: str, ids: list[str]) -> None:
    data = BenchmarkDataset(NAME, split=SPLIT, url=server, batch_size=30, shuffle=True, seed=1)
    loader = data.loader(num_workers=2)
    # workers start from a clean process, not as forks of this one with its HTTP sessions
    assert loader.multiprocessing_context.get_start_method() in {"forkserver", "spawn"}
    first = list(loader)
    assert (
        isinstance(first[0]["period"], torch.Tensor)
        and first[0]["period"].dtype == torch.float32  # as stored
    )
    seen = _ids(first)
    assert sorted(seen) == sorted(ids) and len(set(seen)) == len(seen)
    assert data.state_dict() == {"epoch": 0, "batches": len(first), "seed": 1, "workers": 2}
    data.set_epoch(1)
    second = list(data.loader(num_workers=2))
    assert _ids(second) != seen and sorted(_ids(second)) == sorted(ids)

    data.set_epoch(2)
    interrupted = []
    for batch in data.loader(num_workers=2):
        interrupted.append(list(batch["id"]))
        if len(interrupted) == 7:
            break
    state = data.state_dict()
    assert state == {"epoch": 2, "batches": 7, "seed": 1, "workers": 2}
    fresh = BenchmarkDataset(NAME, split=SPLIT, url=server, batch_size=30, shuffle=True, seed=1)
    fresh.load_state_dict(state)
    rest = [list(b["id"]) for b in fresh.loader(num_workers=2)]
    # the interrupted dataset starts epoch 2 afresh when iterated again
    uninterrupted = [list(b["id"]) for b in data.loader(num_workers=2)]
    assert interrupted + rest == uninterrupted
    assert data.state_dict()["batches"] == len(uninterrupted)


def test_torch_ranks_and_workers_partition_the_split(server: str, ids: list[str]) -> None:
    parts = []
    for rank in range(2):
        data = BenchmarkDataset(
            NAME, split=SPLIT, url=server, batch_size=25, shuffle=True, rank=rank, world_size=2
        )
        parts.append(_ids(data.loader(num_workers=2)))
    assert not set(parts[0]) & set(parts[1])
    assert sorted(parts[0] + parts[1]) == sorted(ids)

    def rank_one() -> BenchmarkDataset:
        return BenchmarkDataset(NAME, split=SPLIT, url=server, batch_size=25, rank=1, world_size=2)

    # in this process or in 2 workers, rank 1 reads the same examples
    assert sorted(_ids(rank_one())) == sorted(_ids(rank_one().loader(num_workers=2)))


def test_torch_reads_from_the_cache_with_the_network_off(
    server: str, ids: list[str], tmp_path: Path
) -> None:
    cached = BenchmarkDataset(NAME, split=SPLIT, url=server, cache=True, cache_dir=str(tmp_path))
    assert sorted(_ids(cached)) == sorted(ids)
    off = BenchmarkDataset(
        NAME,
        split=SPLIT,
        url=server,
        cache=True,
        cache_dir=str(tmp_path),
        offline=True,
    )
    assert _ids(off) == _ids(cached)


def test_loader_misuse_says_what_is_wrong(server: str) -> None:
    with pytest.raises(astrobench.InvalidRequest, match="batch_size must be at least 1"):
        astrobench.batches(NAME, split=SPLIT, url=server, batch_size=0)
    with pytest.raises(astrobench.InvalidRequest, match="no variable nope in the split"):
        next(iter(astrobench.batches(NAME, split=SPLIT, url=server, variables=["nope"])))
    with pytest.raises(astrobench.InvalidRequest, match="part 3 does not exist"):
        next(iter(astrobench.batches(NAME, split=SPLIT, url=server, rank=3, world_size=3)))
    with pytest.raises(ValueError, match="persistent_workers"):
        BenchmarkDataset(NAME, split=SPLIT, url=server).loader(
            num_workers=1, persistent_workers=True
        )


def test_round_robin_accounting() -> None:
    assert round_robin(5, [3, 3]) == ([3, 2], [1, 0])  # worker 1's turn next
    assert round_robin(3, [1, 4]) == ([1, 2], [1, 0])  # worker 0 ran out after one
    assert round_robin(0, [2, 2]) == ([0, 0], [0, 1])
    assert round_robin(9, [2, 2]) == ([2, 2], [0, 1])  # an epoch over: nothing is left
