"""The quick-look figure of a version, made at ingest: a few training examples of each class, as
a person would first look at them (spectra stacked; light curves folded at their period)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from astrobench.catalog.extension import Benchmark

PER_CLASS = 2
QUANTILES = 8
TITLE = "Quick look: training examples of each class"


def _examples(data: xr.Dataset, target: str, regression: bool) -> list[tuple[str, int]]:
    """(class, index) of the first ``PER_CLASS`` examples of each class, in file order; for a
    regression, (target value, index) of ``QUANTILES`` examples spread over its range (of its
    length, for a vector target such as a shear)."""
    if regression:
        values = data[target].values.astype(float)
        size = np.hypot(*values.T) if values.ndim == 2 else values
        order = np.argsort(size, kind="stable")
        picks = [int(order[int(q * (len(order) - 1))]) for q in np.linspace(0.05, 0.95, QUANTILES)]
        shown = [
            "(" + ", ".join(f"{v:.2g}" for v in values[i]) + ")"
            if values.ndim == 2
            else f"{values[i]:.3g}"
            for i in picks
        ]
        return [(f"{target} = {text}", i) for text, i in zip(shown, picks, strict=True)]
    labels = data[target].values.astype(str)
    chosen = []
    for name in dict.fromkeys(labels.tolist()):
        chosen += [(name, int(i)) for i in np.flatnonzero(labels == name)[:PER_CLASS]]
    return chosen


def draw(collection: Mapping[str, Any], data: Mapping[str, xr.Dataset], path: Path) -> Path | None:
    """Draw the quick look of ``collection`` from its train split; None for other modalities."""
    from matplotlib.figure import Figure

    bench = Benchmark.from_collection(collection)
    modality, split = bench.modality, bench.train_split()
    if split is None or bench.target is None:
        return None
    train = data[split.name]
    examples = _examples(train, bench.target, bench.task == "regression")
    if modality == "spectrum":
        figure = Figure(figsize=(9, 1.1 * len(examples) + 1), layout="constrained")
        ax = figure.subplots()
        wavelength = train["wavelength"].values
        for offset, (name, i) in enumerate(reversed(examples)):
            flux = train["flux"].values[i].astype(float)
            scale = np.nanmedian(np.abs(flux)) or 1.0
            ax.plot(wavelength, flux / scale + 2.5 * offset, lw=0.7)
            ax.text(wavelength[-1], 2.5 * offset + 1, f" {name}", va="center", fontsize=8)
        ax.set_xlabel(f"observed wavelength ({train['wavelength'].attrs.get('units', '')})")
        ax.set_ylabel("flux / median, offset")
        ax.set_yticks([])
    elif modality == "light-curve":
        columns = 4
        rows = int(np.ceil(len(examples) / columns))
        figure = Figure(figsize=(9, 2.0 * rows + 0.6), layout="constrained")
        axes = figure.subplots(rows, columns, squeeze=False).ravel()
        for ax, (name, i) in zip(axes, examples, strict=False):
            if "period" in train:  # a periodic variable: folded at its period
                _folded(ax, train, name, i)
            else:
                _by_band(ax, train, name, i)
        for ax in axes[len(examples) :]:
            ax.set_axis_off()
    elif modality == "image":
        columns = 2 * PER_CLASS
        rows = int(np.ceil(len(examples) / columns))
        figure = Figure(figsize=(1.8 * columns, 1.9 * rows + 0.6), layout="constrained")
        axes = figure.subplots(rows, columns, squeeze=False).ravel()
        for ax, (name, i) in zip(axes, examples, strict=False):
            image = train["image"].values[i]
            ax.imshow(np.arcsinh(image / np.std(image)) if image.ndim == 2 else image)
            ax.set_title(name, fontsize=7)
        for ax in axes:
            ax.set_axis_off()
    else:
        return None
    figure.suptitle(f"{collection['id']} {collection['version']}: {TITLE.lower()}")
    figure.savefig(path, dpi=80, metadata={"Software": None})
    return path


def _folded(ax: Any, train: xr.Dataset, name: str, i: int) -> None:
    period = float(train["period"].values[i])
    times = train["time"].values[i]
    times = (times - times[0]) / np.timedelta64(1, "D") if times.dtype.kind == "M" else times
    phase = (times / period) % 1.0 if np.isfinite(period) else times
    ax.errorbar(phase, train["mag"].values[i], train["mag_err"].values[i], fmt=".", ms=2, lw=0.3)
    ax.invert_yaxis()
    ax.set_title(f"{name}, P = {period:.3g} d", fontsize=8)
    ax.tick_params(labelsize=6)


def _by_band(ax: Any, train: xr.Dataset, name: str, i: int) -> None:
    """A transient's light curve, days from its first detection, one colour per band."""
    band, times = train["band"].values[i], train["time"].values[i]
    seen = band >= 0
    start = np.nanmin(times[seen]) if seen.any() else 0.0
    for code in np.unique(band[seen]):
        here = band == code
        ax.errorbar(
            times[here] - start,
            train["mag"].values[i][here],
            train["mag_err"].values[i][here],
            fmt=".",
            ms=2,
            lw=0.3,
            label=str(train["band_name"].values[code]),
        )
    ax.invert_yaxis()
    ax.set_title(name, fontsize=8)
    ax.tick_params(labelsize=6)
