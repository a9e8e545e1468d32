"""95% bootstrap intervals for every metric, resampling objects rather than rows.

An object (a supernova with several spectra, a star) is drawn with replacement and brings all its
examples with it, so that examples that are not independent do not narrow the interval. Each
draw is a vector of integer weights, one per example, and every metric is computed from the
weighted confusion matrix (or the weighted residuals) of all draws at once; the result is the
same as scoring each resampled split with ``metrics.score``, which a test checks. Two methods
scored on the same draws give a paired interval for their difference: when it covers zero, the
methods are indistinguishable.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from astrobench.catalog.metrics import (
    OUTLIER_THRESHOLD,
    expected_labels,
    residual,
    shear_biases,
    wants,
)
from astrobench.catalog.predictions import Predictions, Truth

CONFIDENCE = 0.95
RESAMPLES = 1000
SEED = 20251128
"""Fixed, so that published intervals are reproducible."""
Groups = Sequence[object] | NDArray[np.generic]
"""The object each example belongs to, one entry per example."""


CHUNK = 50
"""Draws made and scored at a time: memory stays at CHUNK x examples, whatever the split size."""


@dataclass(frozen=True)
class Draws:
    """Bootstrap draws of objects: ``index`` maps each example to its object; each draw is a
    vector of weights, how many times it took each example's object."""

    index: NDArray[np.intp]
    resamples: int = RESAMPLES
    seed: int = SEED

    @classmethod
    def of(cls, groups: Groups, resamples: int = RESAMPLES, seed: int = SEED) -> Draws:
        """Draws of the objects named by ``groups`` (one entry per example)."""
        _, index = np.unique(np.asarray(groups, dtype=str), return_inverse=True)
        return cls(index.ravel(), resamples, seed)

    def chunks(self) -> Iterator[NDArray[np.int64]]:
        """The weights of every draw, ``CHUNK`` draws (rows) at a time, always in one order."""
        objects = int(self.index.max()) + 1 if self.index.size else 0
        rng = np.random.default_rng(self.seed)
        for start in range(0, self.resamples, CHUNK):
            size = min(CHUNK, self.resamples - start)
            counts = rng.multinomial(objects, np.full(objects, 1 / objects), size=size)
            yield counts[:, self.index]

    @property
    def weights(self) -> NDArray[np.int64]:
        """Every draw's weights at once (draws x examples)."""
        return np.concatenate(list(self.chunks()))


def draws_of(
    truth: Truth, predictions: Predictions, draws: Draws, criteria: dict[str, Any] | None = None
) -> dict[str, NDArray[np.float64]]:
    """Every metric ``metrics.score`` gives, once per draw (NaN where a draw leaves it undefined,
    e.g. a class no drawn object belongs to)."""
    parts: dict[str, list[NDArray[np.float64]]] = {}
    for weights in draws.chunks():
        if (criteria or {}).get("residual") == "shear":
            true = truth.values.astype(float)
            found = shear_biases(true, predictions.values.astype(float), weights.astype(float))
        elif truth.regression:
            found = _regression(residual(truth, predictions, criteria), weights.astype(float))
        else:
            with warnings.catch_warnings():  # a draw without some class: NaN, not a warning
                warnings.simplefilter("ignore", RuntimeWarning)
                found = _classification(truth, predictions, weights.astype(float), criteria)
        for name, values in found.items():
            parts.setdefault(name, []).append(values)
    return {name: np.concatenate(values) for name, values in parts.items()}


def interval(values: NDArray[np.float64], confidence: float = CONFIDENCE) -> list[float] | None:
    """The central percentile interval of one metric's draws; None if it is never defined."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return None
    tail = 100 * (1 - confidence) / 2
    low, high = np.percentile(finite, [tail, 100 - tail])
    return [float(low), float(high)]


def intervals(
    truth: Truth,
    predictions: Predictions,
    groups: Groups,
    criteria: dict[str, Any] | None = None,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> dict[str, list[float]]:
    """The 95% interval of every metric of one split."""
    found = draws_of(truth, predictions, Draws.of(groups, resamples, seed), criteria)
    return {name: bounds for name, values in found.items() if (bounds := interval(values))}


def difference(
    truth: Truth,
    first: Predictions,
    second: Predictions,
    metric: str,
    groups: Groups,
    criteria: dict[str, Any] | None = None,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> list[float] | None:
    """The paired 95% interval of ``metric(first) - metric(second)`` on the same draws."""
    draws = Draws.of(groups, resamples, seed)
    a = draws_of(truth, first, draws, criteria).get(metric)
    b = draws_of(truth, second, draws, criteria).get(metric)
    return None if a is None or b is None else interval(a - b)


def indistinguishable(bounds: list[float] | None) -> bool:
    """Whether a paired interval of a difference covers zero."""
    return bounds is not None and bounds[0] <= 0 <= bounds[1]


def _weighted_median(
    values: NDArray[np.float64], weights: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Per draw, the median of ``values`` (one row per draw, or one row for all) under integer
    weights, as ``np.median`` of the repeated values gives it."""
    if values.ndim == 2:  # a row of values per draw: a partition each beats sorting each
        counts = weights.astype(np.intp)
        return np.array([np.median(np.repeat(v, c)) for v, c in zip(values, counts, strict=True)])
    order = np.argsort(values)  # one order serves every draw
    ordered = np.broadcast_to(values[order], weights.shape)
    cumulative = np.cumsum(weights[:, order], axis=1)
    total = cumulative[:, -1:]
    # np.median of n repeated values: the mean of the (n-1)//2-th and n//2-th (0-based) values.
    lower = np.argmax(cumulative > (total - 1) // 2, axis=1)
    upper = np.argmax(cumulative > total // 2, axis=1)
    rows = np.arange(weights.shape[0])
    median: NDArray[np.float64] = (ordered[rows, lower] + ordered[rows, upper]) / 2
    return median


def _regression(
    residual: NDArray[np.float64], weights: NDArray[np.float64]
) -> dict[str, NDArray[np.float64]]:
    median = _weighted_median(residual, weights)
    spread = _weighted_median(np.abs(residual[None, :] - median[:, None]), weights)
    outliers = (np.abs(residual) > OUTLIER_THRESHOLD).astype(float)
    return {
        "nmad": 1.4826 * spread,
        "bias": median,
        "outlier_fraction": weights @ outliers / weights.sum(axis=1),
    }


def _classification(
    truth: Truth,
    predictions: Predictions,
    weights: NDArray[np.float64],
    criteria: dict[str, Any] | None,
) -> dict[str, NDArray[np.float64]]:
    expected = expected_labels(truth, criteria)
    predicted = np.array([str(v) for v in predictions.values.tolist()], dtype=object)
    present = list(dict.fromkeys(expected.tolist()))
    labels = present + sorted(set(predicted.tolist()) - set(present))
    code = {label: i for i, label in enumerate(labels)}
    pair = np.array(
        [code[t] * len(labels) + code[p] for t, p in zip(expected, predicted, strict=True)]
    )
    cells = np.zeros((pair.size, len(present) * len(labels)))
    cells[np.arange(pair.size), pair] = 1.0
    confusion = (weights @ cells).reshape(-1, len(present), len(labels))
    hits = np.einsum("bii->bi", confusion[:, :, : len(present)])
    members = confusion.sum(axis=2)
    called = confusion[:, :, : len(present)].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        completeness = np.where(members > 0, hits / members, np.nan)
        purity = np.where(members > 0, np.where(called > 0, hits / called, 0.0), np.nan)
        total = completeness + purity
        f1 = np.where(
            total > 0, 2 * purity * completeness / total, np.where(members > 0, 0.0, np.nan)
        )
    found: dict[str, NDArray[np.float64]] = {
        "macro_f1": np.nanmean(f1, axis=1),
        "balanced_accuracy": np.nanmean(completeness, axis=1),
        "accuracy": hits.sum(axis=1) / weights.sum(axis=1),
    }
    for k, name in enumerate(present):
        found[f"completeness:{name}"] = completeness[:, k]
        found[f"purity:{name}"] = purity[:, k]
    if predictions.scores is not None and wants(criteria, "roc_auc"):
        found["roc_auc"] = _roc_auc(expected, predictions.scores, truth.classes, weights)
    unknown = str((criteria or {}).get("unknown_label", truth.unknown_label))
    found["coverage"] = weights @ (predicted != unknown).astype(float) / weights.sum(axis=1)
    novel = np.isin(truth.values.astype(str), list((criteria or {}).get("unseen_classes", [])))
    if (
        predictions.scores is not None
        and 0 < np.count_nonzero(novel) < novel.size
        and wants(criteria, "novelty_auroc")
    ):
        found["novelty_auroc"] = _auc(novel, 1 - predictions.scores.max(axis=1), weights)
    return found


def _roc_auc(
    expected: NDArray[np.object_],
    scores: NDArray[np.float64],
    classes: tuple[str, ...],
    weights: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Per draw, the mean one-vs-rest ROC-AUC over the training classes that have positives
    and negatives in the draw."""
    per_class = [
        _auc(expected == name, scores[:, k], weights)
        for k, name in enumerate(classes)
        if (expected == name).any() and not (expected == name).all()
    ]
    if not per_class:
        return np.full(weights.shape[0], np.nan)
    mean: NDArray[np.float64] = np.nanmean(np.array(per_class), axis=0)
    return mean


def _auc(
    positive: NDArray[np.bool_], score: NDArray[np.float64], weights: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Per draw, the weighted ROC-AUC of ``score`` for ``positive`` (ties count one half); NaN
    in a draw without positives or negatives."""
    values, tie = np.unique(score, return_inverse=True)
    # per draw, the weight of positives (negatives) at each score level: one bincount for all
    cell = (np.arange(weights.shape[0])[:, None] * values.size + tie.ravel()[None, :]).ravel()
    size = weights.shape[0] * values.size
    pos = np.bincount(cell, (weights * positive).ravel(), size).reshape(-1, values.size)
    neg = np.bincount(cell, (weights * ~positive).ravel(), size).reshape(-1, values.size)
    below = np.cumsum(neg, axis=1) - neg
    pairs = pos.sum(axis=1) * neg.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        auc: NDArray[np.float64] = np.where(
            pairs > 0, (pos * (below + neg / 2)).sum(axis=1) / pairs, np.nan
        )
    return auc
