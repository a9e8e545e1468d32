"""The official metrics: definitions published in ``bench:metrics``, and how a split is scored.

Classification is scored over the classes present in the split's truth, so a rare class weighs as
much as a common one; a split may name unseen classes, whose examples are right when predicted as
the unknown label. Regression uses robust statistics of the residual ``prediction - truth``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from astrobench.catalog.predictions import Predictions, Truth

OUTLIER_THRESHOLD = 0.15


@dataclass(frozen=True)
class Metric:
    """One metric as published: name, direction and what it means."""

    name: str
    direction: str
    description: str
    per_class: bool = False
    threshold: float | None = None

    def to_dict(self, primary: bool = False) -> dict[str, Any]:
        record: dict[str, Any] = {
            "name": self.name,
            "direction": self.direction,
            "primary": primary,
            "description": self.description,
        }
        if self.per_class:
            record["per_class"] = True
        if self.threshold is not None:
            record["threshold"] = self.threshold
        return record


CLASSIFICATION = (
    Metric(
        "macro_f1",
        "maximize",
        "F1 averaged with equal weight over the classes in the split's truth: rare classes count "
        "as much as common ones.",
    ),
    Metric(
        "balanced_accuracy",
        "maximize",
        "Mean recall over the classes in the split's truth: accuracy that ignores class balance.",
    ),
    Metric(
        "roc_auc",
        "maximize",
        "One-vs-rest area under the ROC curve, averaged over training classes with positives and "
        "negatives in the split; needs the p_<class> score columns, absent otherwise.",
    ),
    Metric("accuracy", "maximize", "Fraction of examples labelled correctly (class-imbalanced)."),
    Metric(
        "completeness",
        "maximize",
        "Recall of each class: the fraction of its members recovered.",
        per_class=True,
    ),
    Metric(
        "purity",
        "maximize",
        "Precision of each class: the fraction of examples labelled as it that truly are.",
        per_class=True,
    ),
)
REGRESSION = (
    Metric(
        "nmad",
        "minimize",
        "Normalised median absolute deviation of the residual: 1.4826 median|d - median d|.",
    ),
    Metric("bias", "minimize", "Median residual d = prediction - truth (best near zero)."),
    Metric(
        "outlier_fraction",
        "minimize",
        f"Fraction of examples with |d| > {OUTLIER_THRESHOLD}.",
        threshold=OUTLIER_THRESHOLD,
    ),
)
DEFINITIONS = {m.name: m for m in (*CLASSIFICATION, *REGRESSION)}


def definitions(task: str) -> list[dict[str, Any]]:
    """The ``bench:metrics`` entries for a task; the first metric is the primary one."""
    chosen = REGRESSION if task == "regression" else CLASSIFICATION
    return [m.to_dict(primary=(i == 0)) for i, m in enumerate(chosen)]


def criteria(task: str, **extra: Any) -> dict[str, Any]:
    """A split's criteria: every metric of the task, the first primary, plus ``extra`` fields."""
    chosen = REGRESSION if task == "regression" else CLASSIFICATION
    return {"primary": chosen[0].name, "metrics": [m.name for m in chosen], **extra}


@dataclass(frozen=True)
class Score:
    """The metrics of one split, and the confusion matrix behind them (classification)."""

    split: str
    n: int
    metrics: dict[str, float]
    labels: list[str] = field(default_factory=list)
    confusion: list[list[int]] = field(default_factory=list)
    """Rows: true label; columns: predicted label; both in the order of ``labels``."""

    def to_dict(self) -> dict[str, Any]:
        record: dict[str, Any] = {"split": self.split, "n": self.n, "metrics": self.metrics}
        if self.labels:
            record["confusion"] = {"labels": self.labels, "matrix": self.confusion}
        return record


def score(truth: Truth, predictions: Predictions, criteria: dict[str, Any] | None = None) -> Score:
    """Every metric ``criteria`` asks for (all of the task's by default), on one split."""
    if truth.regression:
        return _regression(truth, predictions, criteria)
    return _classification(truth, predictions, criteria or {})


def _wanted(names: list[str] | None, metrics: dict[str, float]) -> dict[str, float]:
    if not names:
        return metrics
    return {k: v for k, v in metrics.items() if k.split(":")[0] in names}


def _regression(truth: Truth, predictions: Predictions, criteria: dict[str, Any] | None) -> Score:
    residual = predictions.values.astype(float) - truth.values.astype(float)
    median = float(np.median(residual))
    metrics = {
        "nmad": float(1.4826 * np.median(np.abs(residual - median))),
        "bias": median,
        "outlier_fraction": float(np.mean(np.abs(residual) > OUTLIER_THRESHOLD)),
    }
    return Score(truth.split, residual.size, _wanted((criteria or {}).get("metrics"), metrics))


def _classification(truth: Truth, predictions: Predictions, criteria: dict[str, Any]) -> Score:
    from sklearn.metrics import (
        accuracy_score,
        confusion_matrix,
        f1_score,
        precision_recall_fscore_support,
        roc_auc_score,
    )

    unseen = set(criteria.get("unseen_classes", []))
    unknown = criteria.get("unknown_label", truth.unknown_label)
    expected = np.array([unknown if v in unseen else v for v in truth.values], dtype=object)
    predicted = predictions.values.astype(object)
    present = sorted(set(expected.tolist()), key=_order(truth))
    metrics: dict[str, float] = {
        "macro_f1": float(
            f1_score(expected, predicted, labels=present, average="macro", zero_division=0)
        ),
        "balanced_accuracy": float(_balanced(expected, predicted, present)),
        "accuracy": float(accuracy_score(expected, predicted)),
    }
    purity, completeness, _, _ = precision_recall_fscore_support(
        expected, predicted, labels=present, zero_division=0
    )
    for name, p, c in zip(present, purity, completeness, strict=True):
        metrics[f"completeness:{name}"] = float(c)
        metrics[f"purity:{name}"] = float(p)
    if predictions.scores is not None:
        aucs = []
        for k, name in enumerate(truth.classes):
            positive = expected == name
            if positive.any() and (~positive).any():
                aucs.append(roc_auc_score(positive, predictions.scores[:, k]))
        if aucs:
            metrics["roc_auc"] = float(np.mean(aucs))
    labels = sorted(set(present) | set(predicted.tolist()), key=_order(truth))
    matrix = confusion_matrix(expected, predicted, labels=labels)
    return Score(
        truth.split,
        int(expected.size),
        _wanted(criteria.get("metrics"), metrics),
        labels=labels,
        confusion=matrix.tolist(),
    )


def _balanced(
    expected: NDArray[np.generic], predicted: NDArray[np.generic], labels: list[str]
) -> float:
    """Mean recall over ``labels`` (sklearn's version counts predicted-only labels too)."""
    return float(np.mean([np.mean(predicted[expected == c] == c) for c in labels]))


def _order(truth: Truth) -> Any:
    rank = {c: i for i, c in enumerate(truth.classes)}
    return lambda label: (rank.get(label, len(rank)), str(label))
