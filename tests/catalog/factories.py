"""Small synthetic releases for store and record tests (the real dataset is tested in ingest/)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import xarray as xr

from astrobench.catalog import benchmark
from astrobench.catalog.records import release_records
from astrobench.catalog.release import Release, SplitFile


def make_release(
    tmp: Path,
    dataset: str = "toy-spectra",
    version: str = "1.0.0",
    splits: tuple[str, ...] = ("train", "test"),
    seed: int = 0,
    roles: dict[str, str] | None = None,
    counts: dict[str, int] | None = None,
    license: str = "CC-BY-4.0",
    keywords: tuple[str, ...] = ("toy",),
    **fields: object,
) -> Release:
    """A small release; ``fields`` add or replace benchmark-extension fields (``sky_footprint``...)."""
    rng = np.random.default_rng(seed)
    files = []
    for name in splits:
        path = tmp / f"{dataset}-{version}-{name}.nc"
        path.parent.mkdir(parents=True, exist_ok=True)
        xr.Dataset({"flux": (("spectrum", "wavelength"), rng.normal(size=(20, 50)))}).to_netcdf(
            path, engine="h5netcdf"
        )
        role = (roles or {}).get(name) or ("train" if name == "train" else "test")
        files.append(
            SplitFile(
                name=name,
                role=role,
                path=path,
                description=f"{name} split",
                count=(counts or {}).get(name, 20),
                class_counts={"a": 12, "b": 8},
            )
        )
    return Release(
        dataset=dataset,
        version=version,
        title="Toy spectra",
        description="Synthetic spectra.",
        release_notes=f"Release {version}.",
        license=license,
        keywords=list(keywords),
        providers=[{"name": "astrobench", "roles": ["producer", "processor"]}],
        software={"astrobench": "0"},
        lineage="Random normal flux.",
        citation="Toy spectra.",
        publications=[],
        start=datetime(2005, 1, 1, tzinfo=timezone.utc),
        end=datetime(2006, 1, 1, tzinfo=timezone.utc),
        benchmark={
            benchmark.TASK: "classification",
            benchmark.TARGET: "label",
            benchmark.CLASSES: [{"name": "a"}, {"name": "b"}],
            benchmark.METRICS: [{"name": "macro_f1", "direction": "maximize", "primary": True}],
            benchmark.MODALITY: "spectrum",
            benchmark.PROVENANCE: "simulated",
            **{benchmark.PREFIX + key: value for key, value in fields.items()},
        },
        splits=files,
    )


def records(tmp: Path, **kwargs):  # type: ignore[no-untyped-def]
    return release_records(make_release(tmp, **kwargs))
