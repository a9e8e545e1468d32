"""Bootstrap intervals: every draw's metrics equal ``metrics.score`` of that resampled split,
computed directly; objects are resampled whole; paired differences tell methods apart."""

from __future__ import annotations

import numpy as np
import pytest

from astrobench.catalog import intervals, metrics
from astrobench.catalog.predictions import Predictions, Truth

CLASSES = ("Ia", "II", "Ibc")
CRITERIA = {"unknown_label": "unknown", "unseen_classes": ["SLSN"]}


def _classification(seed: int = 0) -> tuple[Truth, Predictions, np.ndarray]:
    """60 objects of three examples each (a few of an unseen class), predictions right 70% of
    the time, with scores."""
    rng = np.random.default_rng(seed)
    objects = rng.choice([*CLASSES, "SLSN"], size=60, p=[0.5, 0.3, 0.15, 0.05])
    values = np.repeat(objects, 3).astype(object)
    groups = np.repeat([f"sn{i}" for i in range(60)], 3)
    right = rng.random(values.size) < 0.7
    guesses = rng.choice([*CLASSES, "unknown"], size=values.size)
    expected = np.where(values == "SLSN", "unknown", values)
    labels = np.where(right, expected, guesses).astype(object)
    scores = rng.dirichlet(np.ones(len(CLASSES)), size=values.size).round(1)  # with ties
    ids = np.array([f"{g}-{i % 3}" for i, g in enumerate(groups)])
    truth = Truth("test", ids, values, CLASSES, "unknown")
    return truth, Predictions(labels, scores), groups


def _subset(truth: Truth, predictions: Predictions, rows: np.ndarray) -> tuple[Truth, Predictions]:
    scores = None if predictions.scores is None else predictions.scores[rows]
    return (
        Truth(truth.split, truth.ids[rows], truth.values[rows], truth.classes, truth.unknown_label),
        Predictions(predictions.values[rows], scores),
    )


def _direct(truth: Truth, predictions: Predictions, draws: intervals.Draws, criteria: dict) -> list:  # type: ignore[type-arg]
    """``metrics.score`` of each resampled split, built by repeating rows."""
    found = []
    for weights in draws.weights:
        rows = np.repeat(np.arange(weights.size), weights)
        found.append(metrics.score(*_subset(truth, predictions, rows), criteria).metrics)
    return found


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_classification_draws_equal_direct_scoring(seed: int) -> None:
    truth, predictions, groups = _classification(seed)
    draws = intervals.Draws.of(groups, resamples=40, seed=seed)
    fast = intervals.draws_of(truth, predictions, draws, CRITERIA)
    for b, direct in enumerate(_direct(truth, predictions, draws, CRITERIA)):
        for name, values in fast.items():
            expected = direct.get(name, np.nan)
            assert values[b] == pytest.approx(expected, abs=1e-12, nan_ok=True), (b, name)
        assert set(direct) <= set(fast)


def test_regression_draws_equal_direct_scoring() -> None:
    rng = np.random.default_rng(3)
    target = rng.uniform(0, 1, 90)
    truth = Truth("test", np.array([f"g{i}" for i in range(90)]), target)
    predictions = Predictions(target + rng.normal(0, 0.1, 90) + (rng.random(90) < 0.1) * 0.5)
    groups = np.repeat(np.arange(30), 3)
    draws = intervals.Draws.of(groups, resamples=40, seed=3)
    fast = intervals.draws_of(truth, predictions, draws)
    for b, direct in enumerate(_direct(truth, predictions, draws, {})):
        for name in ("nmad", "bias", "outlier_fraction"):
            assert fast[name][b] == pytest.approx(direct[name], abs=1e-12), (b, name)


def test_objects_are_resampled_whole() -> None:
    """When the examples of an object are all right or all wrong, resampling rows pretends to
    three times the evidence: the object-level interval is wider."""
    truth, predictions, groups = _classification(4)
    expected = metrics.expected_labels(truth, CRITERIA)
    per_object = np.repeat(np.random.default_rng(5).random(60) < 0.6, 3)
    aligned = Predictions(np.where(per_object, expected, "II").astype(object), predictions.scores)
    by_object = intervals.intervals(truth, aligned, groups, CRITERIA)["accuracy"]
    by_row = intervals.intervals(truth, aligned, truth.ids, CRITERIA)["accuracy"]
    assert by_object[1] - by_object[0] > 1.4 * (by_row[1] - by_row[0])
    value = metrics.score(truth, aligned, CRITERIA).metrics["accuracy"]
    assert by_object[0] < value < by_object[1]


def test_paired_differences_tell_methods_apart() -> None:
    truth, predictions, groups = _classification(6)
    same = intervals.difference(truth, predictions, predictions, "macro_f1", groups, CRITERIA)
    assert same == [0.0, 0.0] and intervals.indistinguishable(same)
    perfect = Predictions(metrics.expected_labels(truth, CRITERIA), predictions.scores)
    better = intervals.difference(truth, perfect, predictions, "macro_f1", groups, CRITERIA)
    assert better is not None and better[0] > 0 and not intervals.indistinguishable(better)
