"""What the session's catalogue published of a dataset version, read back for recipe tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xarray as xr

from astrobench.catalog.records import release_records, release_truths
from astrobench.catalog.settings import CatalogSettings
from astrobench.catalog.storage import AssetStorage
from astrobench.catalog.store import SearchQuery, Store
from astrobench.ingest.blind import withhold
from astrobench.ingest.recipe import get_recipe


def collection(catalogue: CatalogSettings, dataset: str, version: str) -> dict[str, Any]:
    store = Store(catalogue.database_url)
    try:
        return store.collection(dataset, version)
    finally:
        store.close()


def split_files(catalogue: CatalogSettings, dataset: str, version: str) -> dict[str, xr.Dataset]:
    """Every split file of a version, loaded, by split name."""
    store = Store(catalogue.database_url)
    try:
        items = store.items(dataset, version, SearchQuery(limit=1000)).items
    finally:
        store.close()
    storage = AssetStorage(catalogue.storage_url)
    parts: dict[str, list[tuple[int, xr.Dataset]]] = {}
    for item in items:
        shard = item["properties"].get("bench:shard", {}).get("index", 0)
        with storage.open(item["assets"]["data"]["href"].removeprefix("/assets/")) as handle:
            loaded = xr.open_dataset(handle, engine="h5netcdf").load()
        parts.setdefault(item["properties"]["bench:split"], []).append((shard, loaded))
    return {
        split: xr.concat(
            [d for _, d in sorted(found, key=lambda p: p[0])],
            dim=next(iter(found[0][1].sizes)),
            data_vars="minimal",
            coords="minimal",
            compat="override",
        )
        if len(found) > 1
        else found[0][1]
        for split, found in parts.items()
    }


def rebuilds_identically(
    catalogue: CatalogSettings,
    source_dir: Path,
    workdir: Path,
    dataset: str,
    version: str,
    limit: int | None = None,
) -> bool:
    """Whether the recipe builds a version's split files again (as small as the session's
    catalogue built it: ``limit``) with the published checksums, blind splits without their
    answers and with the truth their records commit to."""
    recipe = get_recipe(dataset)
    sources = {s.name: s.fetch(source_dir) for s in recipe.sources}
    workdir.mkdir(parents=True, exist_ok=True)
    release = withhold(recipe.build(version, sources, workdir, limit), workdir)
    _, _, rebuilt = release_records(release)
    store = Store(catalogue.database_url)
    try:
        published = {a.path: a.sha256 for a in store.version_assets(dataset, version)}
        truths = {s: store.truth(dataset, version, s) for s in release_truths(release)}
    finally:
        store.close()
    return {a.path: a.sha256 for a in rebuilt}.items() <= published.items() and (
        truths == release_truths(release)
    )
