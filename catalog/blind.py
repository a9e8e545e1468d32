"""Blind splits on the catalogue's side: their truth files, checked against the checksum each
split's record commits to, and read back for scoring.

A blind split's public file carries no target. Its truth travels with the version's records when
the version is published, is kept in the store (``BlindTruthRow``), and is read only by the
evaluator: it is never an asset, never served and never mirrored.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping
from typing import Any

import xarray as xr

from astrobench.catalog.errors import InvalidParameter
from astrobench.catalog.extension import Benchmark
from astrobench.catalog.release import multihash


def blind_splits(collection: Mapping[str, Any]) -> list[str]:
    """The names of a version's blind splits."""
    return [s.name for s in Benchmark.from_collection(collection).splits or () if s.blind]


def is_blind(collection: Mapping[str, Any], split: str) -> bool:
    return split in blind_splits(collection)


def check(collection: Mapping[str, Any], truths: Mapping[str, bytes]) -> None:
    """``InvalidParameter`` unless ``truths`` holds exactly one file per blind split, each with
    the checksum its split's record publishes."""
    name = f"{collection['id']} {collection['version']}"
    bench = Benchmark.from_collection(collection)
    blind = {s.name: s for s in bench.splits or () if s.blind}
    if extra := sorted(set(truths) - set(blind)):
        raise InvalidParameter(
            f"{name}: truth sent for {', '.join(extra)}, which is not blind; blind splits: "
            f"{', '.join(blind) or 'none'}"
        )
    for split, entry in blind.items():
        if split not in truths:
            raise InvalidParameter(
                f"{name}: blind split {split!r} needs its truth file, published with the "
                "version's records"
            )
        found = multihash(hashlib.sha256(truths[split]).hexdigest())
        if entry.truth_checksum != found:
            raise InvalidParameter(
                f"{name}: the truth of blind split {split!r} has checksum {found}, but its "
                f"record commits to {entry.truth_checksum}"
            )


def truth_data(content: bytes) -> xr.Dataset:
    """A stored truth file, loaded."""
    with xr.open_dataset(io.BytesIO(content), engine="h5netcdf") as data:
        return data.load()
