"""The figures a referee asks for, one panel per evaluated split: confusion matrices and ROC curves
for classification, predicted against true for regression. PNG files drawn with matplotlib (Agg)
without timestamps, so a rebuild gives the same bytes."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from astrobench.catalog import evaluation
from astrobench.catalog.extension import Benchmark

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from astrobench.ingest.benchmarking import Run

TITLES = {
    "confusion": "confusion matrices",
    "roc": "ROC curves, each training class against the rest",
    "predicted-vs-true": "predicted against true",
}
PANEL = 3.6
"""Panel size in inches."""


def draw(
    collection: dict[str, Any], result: Run, data: Mapping[str, xr.Dataset], workdir: Path
) -> dict[str, Path]:
    """Every figure that applies to a baseline's run, by kind."""
    bench = Benchmark.from_collection(collection)
    # none of a blind split: beside the published predictions a figure would give answers away
    splits = [s.name for s in bench.scored_splits() if not s.blind]
    stem = f"{collection['id']}-{collection['version']}-{result.baseline.name}"
    title = f"{collection['id']} {collection['version']}: {result.baseline.name}"
    if bench.task == "regression":
        return {
            "predicted-vs-true": _scatter(
                title, collection, result, data, splits, workdir / f"{stem}-predicted-vs-true.png"
            )
        }
    figures = {
        "confusion": _confusion(
            title, collection, result, splits, workdir / f"{stem}-confusion.png"
        )
    }
    if all(result.answers[s].scores is not None for s in splits):
        figures["roc"] = _roc(title, collection, result, data, splits, workdir / f"{stem}-roc.png")
    return figures


def _grid(count: int) -> tuple[Figure, list[Any]]:
    from matplotlib.figure import Figure

    columns = min(count, 4)
    rows = math.ceil(count / columns)
    figure = Figure(figsize=(PANEL * columns, PANEL * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).ravel().tolist()
    for extra in axes[count:]:
        extra.set_axis_off()
    return figure, axes[:count]


def _save(figure: Figure, title: str, path: Path) -> Path:
    figure.suptitle(title)
    figure.savefig(path, dpi=80, metadata={"Software": None})
    return path


def _panel_title(collection: dict[str, Any], result: Run, split: str) -> str:
    primary = evaluation.primary_of(collection, split)
    value = result.scores[split].metrics.get(primary)
    return f"{split}: {primary} {value:.3f}" if value is not None else split


def _confusion(
    title: str, collection: dict[str, Any], result: Run, splits: list[str], path: Path
) -> Path:
    figure, axes = _grid(len(splits))
    for ax, split in zip(axes, splits, strict=True):
        score = result.scores[split]
        matrix = np.array(score.confusion, dtype=float)
        totals = matrix.sum(axis=1, keepdims=True)
        share = np.divide(matrix, totals, out=np.zeros_like(matrix), where=totals > 0)
        ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
        ticks = np.arange(len(score.labels))
        ax.set_xticks(ticks, score.labels, rotation=90, fontsize=7)
        ax.set_yticks(ticks, score.labels, fontsize=7)
        for (i, j), n in np.ndenumerate(matrix):
            if n:
                colour = "white" if share[i, j] > 0.6 else "black"
                ax.text(j, i, int(n), ha="center", va="center", fontsize=6, color=colour)
        ax.set_title(_panel_title(collection, result, split), fontsize=9)
        ax.set_xlabel("predicted", fontsize=8)
        ax.set_ylabel("true", fontsize=8)
    return _save(figure, f"{title}: {TITLES['confusion']} (colour: row fraction)", path)


def _roc(
    title: str,
    collection: dict[str, Any],
    result: Run,
    data: Mapping[str, xr.Dataset],
    splits: list[str],
    path: Path,
) -> Path:
    from sklearn.metrics import roc_curve

    figure, axes = _grid(len(splits))
    classes = result.baseline.classes
    for ax, split in zip(axes, splits, strict=True):
        truth = evaluation.truth_of(collection, split, data[split])
        scores = result.answers[split].scores
        assert scores is not None
        for k, name in enumerate(classes):
            positive = truth.values == name
            if positive.any() and (~positive).any():
                fpr, tpr, _ = roc_curve(positive, scores[:, k])
                ax.plot(fpr, tpr, lw=1, label=name)
        ax.plot([0, 1], [0, 1], color="grey", lw=0.5, ls="--")
        ax.set_title(_panel_title(collection, result, split), fontsize=9)
        ax.set_xlabel("false positive rate", fontsize=8)
        ax.set_ylabel("true positive rate", fontsize=8)
        ax.legend(fontsize=6, loc="lower right")
    return _save(figure, f"{title}: {TITLES['roc']}", path)


def _scatter(
    title: str,
    collection: dict[str, Any],
    result: Run,
    data: Mapping[str, xr.Dataset],
    splits: list[str],
    path: Path,
) -> Path:
    figure, axes = _grid(len(splits))
    target = Benchmark.from_collection(collection).target
    for ax, split in zip(axes, splits, strict=True):
        found = evaluation.truth_of(collection, split, data[split])
        truth = found.values.astype(float)
        predicted = result.answers[split].labels.astype(float)
        if truth.ndim == 2:  # a shear: per-object scatter is shape noise, so binned means
            _binned(ax, truth, predicted, found.components)
        else:
            ax.scatter(truth, predicted, s=4, alpha=0.6)
        low, high = float(np.nanmin(truth)), float(np.nanmax(truth))
        ax.plot([low, high], [low, high], color="grey", lw=0.5, ls="--")
        ax.set_title(_panel_title(collection, result, split), fontsize=9)
        ax.set_xlabel(f"true {target}", fontsize=8)
        ax.set_ylabel("predicted", fontsize=8)
    return _save(figure, f"{title}: {TITLES['predicted-vs-true']}", path)


def _binned(
    ax: Any, truth: Any, predicted: Any, components: tuple[str, ...], bins: int = 10
) -> None:
    """The mean prediction, with its standard error, in bins of each true component."""
    for k, name in enumerate(components):
        edges = np.quantile(truth[:, k], np.linspace(0, 1, bins + 1))
        where = np.clip(np.searchsorted(edges, truth[:, k], side="right") - 1, 0, bins - 1)
        centre, mean, error = [], [], []
        for b in range(bins):
            chosen = where == b
            if chosen.sum() > 1:
                centre.append(truth[chosen, k].mean())
                mean.append(predicted[chosen, k].mean())
                error.append(predicted[chosen, k].std() / np.sqrt(chosen.sum()))
        ax.errorbar(centre, mean, error, fmt="o", ms=3, lw=0.8, label=name)
    ax.legend(fontsize=6, loc="upper left")
