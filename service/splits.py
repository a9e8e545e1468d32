"""What the service reads from a published split file, read once and kept: a published version's
files never change, so neither does anything derived from them. A blind split's truth is read from
the store, which keeps it apart from the public file."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import xarray as xr

from astrobench.catalog import benchmark, blind, croissant, evaluation
from astrobench.catalog.errors import ItemNotFound
from astrobench.catalog.extension import Benchmark
from astrobench.catalog.predictions import Truth
from astrobench.catalog.records import asset_href
from astrobench.catalog.storage import AssetStorage
from astrobench.catalog.store import SearchQuery, Store
from astrobench.io import concatenated


class Splits:
    """Truth and per-example table of each (dataset, exact version, split)."""

    def __init__(self, store: Store, storage: AssetStorage, size: int = 64) -> None:
        self.store, self.storage = store, storage
        self.truth = lru_cache(maxsize=size)(self._truth)
        self.table = lru_cache(maxsize=size)(self._table)

    def _read(self, collection: dict[str, Any], split: str) -> xr.Dataset:
        """A split's file, loaded; of a split in shards, the per-example variables and the
        target of every shard (never its images), concatenated."""
        dataset, version = collection["id"], collection["version"]
        evaluation.split_entry(collection, split)
        target = Benchmark.from_collection(collection).target
        items = self._items(dataset, version, split)
        parts = []
        for item in items:
            path = item["assets"]["data"]["href"].removeprefix(asset_href(""))
            with (
                self.storage.open(path) as handle,
                self.storage.failures(f"reading {path!r}"),
                xr.open_dataset(handle, engine="h5netcdf") as data,
            ):
                if len(items) > 1:
                    data = data[
                        [n for n, v in data.data_vars.items() if v.ndim <= 1 or n == target]
                    ]
                parts.append(data.load())
        return parts[0] if len(parts) == 1 else concatenated(parts)

    def _items(self, dataset: str, version: str, split: str) -> list[dict[str, Any]]:
        """The split's Item, or its shards' in order."""
        try:
            return [self.store.item(dataset, f"{dataset}-{version}-{split}")]
        except ItemNotFound:
            found = [
                item
                for item in self.store.items(dataset, version, SearchQuery(limit=10_000)).items
                if item["properties"].get(benchmark.SPLIT) == split
            ]
            return sorted(found, key=lambda item: item["properties"][benchmark.SHARD]["index"])

    def _truth(self, dataset: str, version: str, split: str) -> Truth:
        collection = self.store.collection(dataset, version)
        if blind.is_blind(collection, split):  # its public file has no target: the store's
            data = blind.truth_data(self.store.truth(dataset, version, split))
        else:
            data = self._read(collection, split)
        return evaluation.truth_of(collection, split, data)

    def _table(self, dataset: str, version: str, split: str) -> croissant.Table:
        collection = self.store.collection(dataset, version)
        data = self._read(collection, split)
        return croissant.table(data, Benchmark.from_collection(collection).target)
