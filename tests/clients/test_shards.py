"""A split stored in shards (galaxy-shear), over a real server: it opens lazily as dask arrays in
the stored chunks, one example costs a few chunks, the cache and the loaders read every shard,
and each shard is an Item with its own checksum."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import astrobench
from astrobench.errors import InvalidRequest
from astrobench.io import TRANSFER, bytes_fetched

NAME, SPLIT = "galaxy-shear", "train"
ONE_EXAMPLE = 4 * 1024 * 1024
"""Most bytes reading one stamp may move, metadata included."""


@pytest.fixture(scope="module")
def shards(server: str) -> list[dict]:
    return astrobench.Client(server).split_items(NAME, None, SPLIT)


def test_a_sharded_split_opens_lazily_in_its_stored_chunks(server: str, shards: list[dict]) -> None:
    assert len(shards) >= 2
    with astrobench.open(NAME, split=SPLIT, url=server) as data:
        opened = [t.total_requested_bytes for t in data.encoding[TRANSFER]]
        assert opened[0] > 0 and opened[1:] == [0] * (len(shards) - 1)  # the first shard only
        image = data["image"]
        assert image.chunks is not None  # dask, not loaded
        counts = [s["properties"]["bench:count"] for s in shards]
        assert data.sizes["example"] == sum(counts)
        edges = np.cumsum(image.chunks[0])
        for boundary in np.cumsum(counts)[:-1]:
            assert boundary in edges  # no chunk straddles two files
        assert max(image.chunks[0]) <= 128  # the stored chunks, not whole shards
        last = counts[0] + 3  # an example of the second shard
        stamp = image[last].values
        assert stamp.shape == (64, 64) and np.isfinite(stamp).all()
        moved = bytes_fetched(data)
        assert moved is not None and moved <= ONE_EXAMPLE, moved
        split_bytes = sum(s["assets"]["data"]["file:size"] for s in shards)
        assert moved < split_bytes / 4
        touched = [t.total_requested_bytes > 0 for t in data.encoding[TRANSFER]]
        assert touched == [True, True] + [False] * (len(shards) - 2)  # and the stamp's own


def test_ids_of_a_sharded_split_select_once_indexed(server: str, shards: list[dict]) -> None:
    with astrobench.open(NAME, split=SPLIT, url=server) as data:
        ids = data["example"].values  # every shard's, read on demand
        assert len(ids) == len(set(ids)) == data.sizes["example"]
        last = len(ids) - 1
        chosen = data.set_xindex("example").sel(example=ids[last])
        assert np.array_equal(chosen["shear"].values, data["shear"][last].values)


def test_the_cache_holds_every_shard_and_gives_the_same_values(
    server: str, shards: list[dict], tmp_path: Path
) -> None:
    with astrobench.open(NAME, split=SPLIT, url=server) as lazy:
        expected = lazy["shear"].values
        ids = lazy["example"].values
    with astrobench.open(
        NAME, split=SPLIT, url=server, cache=True, cache_dir=str(tmp_path)
    ) as local:
        assert np.array_equal(local["shear"].values, expected)
        assert np.array_equal(local["example"].values, ids)
    cached = list(tmp_path.rglob("*.nc"))
    assert len(cached) == len(shards)


def test_one_item_per_shard_and_split_item_says_so(server: str, shards: list[dict]) -> None:
    assert len({s["assets"]["data"]["file:checksum"] for s in shards}) == len(shards)
    with pytest.raises(InvalidRequest, match=r"shards.*split_items"):
        astrobench.Client(server).split_item(NAME, None, SPLIT)


def test_batches_cross_shards_once_per_epoch_and_read_whole_chunks(
    server: str, shards: list[dict]
) -> None:
    seen: list[str] = []
    moved = 0
    for rank in (0, 1):
        batches = astrobench.batches(
            NAME,
            split=SPLIT,
            url=server,
            batch_size=64,
            shuffle=True,
            seed=1,
            rank=rank,
            world_size=2,
            variables=["image", "shear"],
        )
        for batch in batches:
            assert batch["image"].shape[1:] == (64, 64) and batch["shear"].shape[1:] == (2,)
            seen += [str(i) for i in batch["id"]]
        moved += batches.moved or 0
    total = sum(s["properties"]["bench:count"] for s in shards)
    assert len(seen) == len(set(seen)) == total
    split_bytes = sum(s["assets"]["data"]["file:size"] for s in shards)
    assert moved <= 1.1 * split_bytes, (moved, split_bytes)
