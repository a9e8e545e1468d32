"""Blind splits: the public file without its answers, and the truth kept apart for the catalogue.

A blind split is built like any other: the recipe writes its whole file and the baselines are
scored on it. ``withhold`` then rewrites the public file without the target (and the variables
that give it away, ``Release.answers``) and writes the truth (example ids, target, and the object
of each example) to a file of its own, which the publisher hands to the catalogue's store: it is
never an asset, never served and never mirrored. The split's record commits to the truth by its
checksum (extension v1.6.0). Its class counts, and every score of the baselines on it but the
primary metric, are left out: beside the baselines' published predictions they would tell which
example is which.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import xarray as xr

from astrobench.catalog import benchmark
from astrobench.catalog.release import Release, SplitFile
from astrobench.ingest import kit


def withhold(release: Release, workdir: Path) -> Release:
    """``release`` with every blind split's answers moved out of its public file (once: a split
    with its truth file already written is left as it is)."""
    fields = release.benchmark
    primary = next((m["name"] for m in fields.get(benchmark.METRICS, []) if m.get("primary")), "")
    blind = {s.name: (s.criteria or {}).get("primary", primary) for s in release.splits if s.blind}
    if not blind:
        return release
    target, unit = fields[benchmark.TARGET], fields.get(benchmark.OBJECT)
    withheld = (target, *release.answers)
    splits = [
        _withheld(s, workdir, target, unit, withheld) if s.blind and s.truth is None else s
        for s in release.splits
    ]
    if benchmark.BASELINES in fields:
        baselines = [_sealed(entry, blind) for entry in fields[benchmark.BASELINES]]
        fields = {**fields, benchmark.BASELINES: baselines}
    return dataclasses.replace(release, splits=splits, benchmark=fields)


def _withheld(
    split: SplitFile, workdir: Path, target: str, unit: str | None, withheld: tuple[str, ...]
) -> SplitFile:
    with xr.open_dataset(split.path, engine="h5netcdf") as opened:
        data = opened.load()
    truth = data[[target]]
    if unit and unit in data.variables and unit not in truth.variables:
        truth[unit] = data[unit]
    truth = truth.drop_vars([c for c in truth.coords if c not in truth.dims and c != unit])
    public = data.drop_vars([name for name in withheld if name in data.variables])
    if data[target].dims[0] not in public.dims:
        raise ValueError(f"split {split.name!r}: no examples left once its answers are withheld")
    truth_path = kit.write_netcdf(truth, workdir / f"{split.path.stem}-truth.nc")
    public.attrs["comment"] = (
        f"Blind split: published without {', '.join(withheld)}; the catalogue keeps the truth "
        "and scores predictions against it"
    )
    staged = split.path.with_suffix(".public.nc")
    public.to_netcdf(staged, engine="h5netcdf")  # each variable keeps its encoding
    staged.replace(split.path)
    return dataclasses.replace(
        split,
        truth=truth_path,
        class_counts={},
        class_objects={},
        variables={k: v for k, v in split.variables.items() if k not in withheld},
    )


def _sealed(entry: dict[str, Any], blind: dict[str, str]) -> dict[str, Any]:
    """A baseline's record with only the primary metric on each blind split (``blind``: split
    -> its primary metric), as ``metrics.sealed`` reports a scoring of one."""
    entry = dict(entry)
    if "diagnostics" in entry:
        entry["diagnostics"] = {s: d for s, d in entry["diagnostics"].items() if s not in blind}
    for key in ("scores", "intervals"):
        if key in entry:
            entry[key] = {
                split: {k: v for k, v in found.items() if split not in blind or k == blind[split]}
                for split, found in entry[key].items()
            }
    return entry
