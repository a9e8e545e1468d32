"""What every recipe needs beside its science: a split file written deterministically from a
Dataset, with its CF attributes and its datacube description derived from the Dataset's own
attributes, and object-level splits stratified on a class or a continuous target."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import xarray as xr

from astrobench.catalog import benchmark, sky
from astrobench.catalog.release import Shard, SplitFile
from astrobench.ingest.splits import stratified_splits
from astrobench.io import concatenated


def datacube(data: xr.Dataset, target: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """``cube:dimensions`` and ``cube:variables`` of a split, from the Dataset's coordinates and
    the ``long_name`` and ``units`` of each variable (the target and coordinates are auxiliary)."""
    dimensions: dict[str, Any] = {}
    for name, size in data.sizes.items():
        entry: dict[str, Any] = {"type": "other" if name in data.coords else "index"}
        coord = data.coords.get(name)
        if coord is not None and coord.dtype.kind in "OUS" and size <= 32:
            entry["values"] = [str(v) for v in coord.values]
        else:
            entry["extent"] = [0, int(size) - 1]
        if coord is not None and "long_name" in coord.attrs:
            entry["description"] = str(coord.attrs["long_name"])
        dimensions[str(name)] = entry
    variables: dict[str, Any] = {}
    for name, variable in data.variables.items():
        if name in data.dims:
            continue
        described: dict[str, Any] = {
            "type": "auxiliary" if name == target or name in data.coords else "data",
            "dimensions": [str(d) for d in variable.dims],
        }
        if "units" in variable.attrs:
            described["unit"] = str(variable.attrs["units"])
        if "long_name" in variable.attrs:
            prefix = "target: " if name == target else ""
            described["description"] = prefix + str(variable.attrs["long_name"])
        variables[str(name)] = described
    return dimensions, variables


def write_netcdf(
    data: xr.Dataset, path: Path, chunk_rows: int = 1024, small_rows: int | None = None
) -> Path:
    """A split file, byte for byte the same from the same Dataset: every array compressed in
    chunks of ``chunk_rows`` examples along the first dimension. With ``small_rows``, variables
    of at most ``SMALL_ROW_BYTES`` per example (labels, per-example metadata) are chunked by
    that many examples instead, and strings are stored as fixed-width characters, compressed
    in the same chunks: a reader then takes them in a few requests, not one per chunk of
    images (or, for strings, one per heap block)."""
    encoding: dict[Hashable, dict[str, Any]] = {}
    for name, variable in data.variables.items():
        small = bool(small_rows and variable.ndim and _row_bytes(variable) <= SMALL_ROW_BYTES)
        rows = min(small_rows if small_rows and small else chunk_rows, variable.shape[0] or 1)
        if variable.dtype.kind in "fiu" and variable.ndim and (name in data.data_vars or small):
            chunks = (rows, *variable.shape[1:])
            encoding[name] = {"zlib": True, "complevel": 4, "shuffle": True, "chunksizes": chunks}
        elif small and variable.dtype.kind in "OUS" and variable.ndim == 1:
            width = max(1, max((len(str(v).encode()) for v in variable.values), default=1))
            encoding[name] = {
                "dtype": "S1",
                "zlib": True,
                "complevel": 4,
                "chunksizes": (rows, width),
            }
    data.to_netcdf(path, engine="h5netcdf", encoding=encoding)
    return path


SMALL_ROW_BYTES = 64
"""Bytes per example below which ``write_netcdf(small_rows=...)`` chunks a variable apart."""


def _row_bytes(variable: xr.Variable) -> int:
    per_row = variable.size // max(1, variable.shape[0])
    itemsize = 32 if variable.dtype.kind == "O" else variable.dtype.itemsize
    return int(per_row * itemsize)


def quantile_strata(values: np.ndarray, bins: int = 10) -> list[str]:
    """The quantile bin of each value, as a label to stratify splits on a continuous target."""
    edges = np.quantile(values, np.linspace(0, 1, bins + 1)[1:-1])
    return [f"q{int(b)}" for b in np.searchsorted(edges, values, side="right")]


def split_by_object(
    keys: list[str], strata: list[str], fractions: dict[str, float], salt: str
) -> dict[str, str]:
    """Split name per object key, by stable hash within each stratum (``stratified_splits``)."""
    return stratified_splits(dict(zip(keys, strata, strict=True)), fractions, salt)


def global_attributes(
    dataset: str,
    version: str,
    split: str,
    source: str,
    references: str,
    attrs: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The CF global attributes of a split's file."""
    return {
        "Conventions": "CF-1.10",
        "title": f"{dataset} {version}: {split} split",
        "institution": "astrobench",
        "source": source,
        "references": references,
        **(attrs or {}),
        "dataset_id": dataset,
        "dataset_version": version,
        "split": split,
    }


def write_shard(
    data: xr.Dataset,
    path: Path,
    offset: int,
    attributes: Mapping[str, str],
    chunk_rows: int,
) -> Shard:
    """One shard of a split, examples ``offset`` on, written with the split's ``attributes``
    (and its own offset) in chunks of ``chunk_rows`` examples."""
    data = data.copy()
    data.attrs = {**attributes, "shard_offset": str(offset)}
    write_netcdf(data, path, chunk_rows, small_rows=data.sizes[next(iter(data.sizes))])
    examples = next(iter(data.sizes))
    shard_dimensions, _ = datacube(data, "")
    shard_dimensions[str(examples)]["extent"] = [offset, offset + data.sizes[examples] - 1]
    return Shard(path, offset, int(data.sizes[examples]), shard_dimensions)


def sharded_split(
    shards: Sequence[Shard],
    first: xr.Dataset,
    *,
    split: str,
    role: Role,
    criteria: dict[str, Any],
    target: str,
) -> SplitFile:
    """A split written as ``shards`` (in order), described from its ``first`` shard's Dataset:
    datacube with the split's whole extent, no class counts (a regression's)."""
    dimensions, variables = datacube(first, target)
    count = sum(s.count for s in shards)
    examples = next(iter(first.sizes))
    dimensions[str(examples)]["extent"] = [0, count - 1]
    return SplitFile(
        name=split,
        role=role.role,
        path=shards[0].path,
        description=role.description,
        count=count,
        criteria=criteria,
        model_selection=role.model_selection,
        dimensions=dimensions,
        variables=variables,
        shards=tuple(shards),
    )


def open_split(split: SplitFile) -> xr.Dataset:
    """A written split as one Dataset, its shards concatenated in order."""
    parts = [xr.open_dataset(path, engine="h5netcdf") for path in split.paths]
    return parts[0] if len(parts) == 1 else concatenated(parts)


def write_split(
    data: xr.Dataset,
    workdir: Path,
    *,
    dataset: str,
    version: str,
    split: str,
    role: str,
    model_selection: bool,
    description: str,
    criteria: dict[str, Any],
    target: str,
    source: str,
    references: str,
    classes: Sequence[str] = (),
    attrs: Mapping[str, str] | None = None,
) -> SplitFile:
    """One split written as ``<dataset>-<version>-<split>.nc`` with its CF global attributes,
    and described: datacube from the Dataset's attributes, counts per class of ``classes`` (each
    example its own object)."""
    data = data.copy()
    data.attrs = global_attributes(dataset, version, split, source, references, attrs)
    path = write_netcdf(data, workdir / f"{dataset}-{version}-{split}.nc")
    dimensions, variables = datacube(data, target)
    counts = Counter(data[target].values.tolist()) if classes else Counter()
    per_class = {c: counts[c] for c in classes}
    return SplitFile(
        name=split,
        role=role,
        path=path,
        description=description,
        count=data.sizes[data[target].dims[0]],
        class_counts=per_class,
        criteria=criteria,
        model_selection=model_selection,
        class_objects=per_class,
        dimensions=dimensions,
        variables=variables,
    )


class Role(NamedTuple):
    """What a split is for: its role, whether it may inform model selection, and why it exists."""

    role: str
    model_selection: bool
    description: str


def write_splits(
    data: Mapping[str, xr.Dataset], roles: Mapping[str, Role], workdir: Path, **common: Any
) -> list[SplitFile]:
    """``write_split`` for every split of ``roles``, in its order; ``common`` are the other
    arguments, the same for each split."""
    return [
        write_split(
            data[name],
            workdir,
            split=name,
            role=role.role,
            model_selection=role.model_selection,
            description=role.description,
            **common,
        )
        for name, role in roles.items()
    ]


MOC_NOTES = (
    "The sky footprint gains the MOC of the examples' positions (extension v1.4.0): a cone "
    "search finds this benchmark only where it holds examples. Files, splits and baselines are "
    "built as in the version before."
)
"""Release notes of a version that adds a MOC to an unchanged benchmark."""


def sky_footprint(ra: np.ndarray, dec: np.ndarray, extension: str) -> dict[str, Any]:
    """The ``bench:sky_footprint`` of positions (ICRS degrees) under ``extension``: the box
    around them, and since v1.4.0 their MOC."""
    if benchmark.at_least(extension, "v1.4.0"):
        return sky.footprint(np.asarray(ra, float), np.asarray(dec, float))
    return sky.box_around(np.asarray(ra, float), np.asarray(dec, float))
