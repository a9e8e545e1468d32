"""The official metrics: definitions published in ``bench:metrics``, and how a split is scored.

Classification is scored over the classes present in the split's truth, so a rare class weighs as
much as a common one; a split may name unseen classes, whose examples are right when predicted as
the unknown label. Regression uses robust statistics of the residual ``prediction - truth``; a
shear is scored as weak lensing scores it, by the multiplicative and additive biases of a linear
fit of estimated against true shear.
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
    """``maximize``, ``minimize`` or ``zero`` (best near zero, ranked by absolute value)."""
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
ABSTENTION = (
    Metric(
        "coverage",
        "maximize",
        "Fraction of examples given a training class rather than the unknown label. An "
        "abstention counts as a miss for its class's completeness and as no claim for any "
        "purity, so abstaining trades completeness for purity: read the two with coverage.",
    ),
    Metric(
        "novelty_auroc",
        "maximize",
        "Area under the ROC curve of 1 - max p_<class> for telling examples of classes unseen in "
        "training from the others; needs the score columns, absent otherwise.",
    ),
)
"""Metrics of splits where 'unknown' is an answer (``criteria(..., unknown_label=...)``)."""
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
REDSHIFT = (
    Metric(
        "nmad",
        "minimize",
        "sigma_NMAD of dz = (z_pred - z_true) / (1 + z_true): 1.4826 median|dz - median dz|, the "
        "photometric-redshift scatter that outliers do not inflate.",
    ),
    Metric("bias", "minimize", "Median dz = (z_pred - z_true) / (1 + z_true) (best near zero)."),
    Metric(
        "outlier_fraction",
        "minimize",
        f"Fraction of examples with |dz| > {OUTLIER_THRESHOLD}, dz = (z_pred - z_true) / "
        "(1 + z_true): catastrophic redshift errors.",
        threshold=OUTLIER_THRESHOLD,
    ),
)
"""Regression metrics of redshifts (``criteria(..., residual="redshift")``)."""
SHEAR = (
    Metric(
        "m",
        "zero",
        "Multiplicative shear bias: the mean over both components of m_i, from the least-squares "
        "fit g_est,i = (1 + m_i) g_true,i + c_i (best near zero).",
    ),
    Metric(
        "c",
        "minimize",
        "Additive shear bias: the root mean square of c_1 and c_2 from the same fits.",
    ),
    Metric("m1", "zero", "Multiplicative bias of the first shear component."),
    Metric("m2", "zero", "Multiplicative bias of the second shear component."),
    Metric("c1", "zero", "Additive bias of the first shear component."),
    Metric("c2", "zero", "Additive bias of the second shear component."),
    Metric(
        "rmse",
        "minimize",
        "Per-object root mean square error of the estimated shear, over both components: "
        "dominated by shape noise, which the biases average away.",
    ),
)
"""Metrics of a shear (``criteria(..., residual="shear")``), as weak lensing reports them."""
RESIDUALS = {"difference": REGRESSION, "redshift": REDSHIFT, "shear": SHEAR}
DEFINITIONS = {m.name: m for m in (*CLASSIFICATION, *ABSTENTION, *REGRESSION, *SHEAR)}


def definitions(
    task: str, abstention: bool = False, residual: str = "difference"
) -> list[dict[str, Any]]:
    """The ``bench:metrics`` entries for a task (with ``abstention``, the metrics of an unknown
    label too; with ``residual="redshift"``, regression metrics of dz / (1 + z); with
    ``residual="shear"``, shear biases); the first metric is the primary one."""
    chosen = RESIDUALS[residual] if task == "regression" else CLASSIFICATION
    extra = ABSTENTION if abstention and task != "regression" else ()
    return [m.to_dict(primary=(i == 0)) for i, m in enumerate((*chosen, *extra))]


def residual(truth: Truth, predictions: Predictions, criteria: dict[str, Any] | None) -> Any:
    """Each example's regression residual, as the split's criteria measure it."""
    true = truth.values.astype(float)
    difference = predictions.values.astype(float) - true
    if (criteria or {}).get("residual", "difference") == "redshift":
        return difference / (1 + true)
    return difference


def criteria(task: str, abstention: bool = False, **extra: Any) -> dict[str, Any]:
    """A split's criteria: every metric of the task (with ``abstention``, coverage, and
    novelty_auroc where the split names unseen classes; for a ``residual`` of ``shear``, the
    shear biases), the first primary, plus ``extra``."""
    residual = extra.get("residual", "difference")
    chosen = list(RESIDUALS[residual] if task == "regression" else CLASSIFICATION)
    if abstention and task != "regression":
        chosen.append(ABSTENTION[0])
        if extra.get("unseen_classes"):
            chosen.append(ABSTENTION[1])
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
    intervals: dict[str, list[float]] = field(default_factory=dict)
    """95% bootstrap interval of each metric (see ``intervals``), where computed."""

    def to_dict(self) -> dict[str, Any]:
        record: dict[str, Any] = {"split": self.split, "n": self.n, "metrics": self.metrics}
        if self.intervals:
            record["intervals"] = self.intervals
        if self.labels:
            record["confusion"] = {"labels": self.labels, "matrix": self.confusion}
        return record


def sealed(score: Score, primary: str) -> Score:
    """What may be said of a score on a blind split: its primary metric and that metric's
    interval. Every further number answers more of a prober's questions: per-class metrics and
    the confusion matrix, beside the predictions they were computed from, tell which examples
    belong to which class, and each aggregate metric is one more equation in the answers."""
    return Score(
        split=score.split,
        n=score.n,
        metrics={k: v for k, v in score.metrics.items() if k == primary},
        intervals={k: v for k, v in score.intervals.items() if k == primary},
    )


def score(truth: Truth, predictions: Predictions, criteria: dict[str, Any] | None = None) -> Score:
    """Every metric ``criteria`` asks for (all of the task's by default), on one split."""
    if truth.regression:
        return _regression(truth, predictions, criteria)
    return _classification(truth, predictions, criteria or {})


def wants(criteria: dict[str, Any] | None, metric: str) -> bool:
    """Whether ``criteria`` asks for ``metric`` (every metric, where it names none): a costly
    one (a ROC-AUC) is computed only then."""
    names = (criteria or {}).get("metrics")
    return not names or metric in names


def _wanted(names: list[str] | None, metrics: dict[str, float]) -> dict[str, float]:
    if not names:
        return metrics
    return {k: v for k, v in metrics.items() if k.split(":")[0] in names}


def shear_biases(
    true: NDArray[np.float64], estimated: NDArray[np.float64], weights: NDArray[np.float64]
) -> dict[str, NDArray[np.float64]]:
    """The shear metrics once per row of ``weights`` (draws x examples; one row of ones for
    the split itself): per component, the weighted least-squares line g_est = (1 + m) g_true
    + c, and the per-object RMSE over both components."""
    total = weights.sum(axis=1)
    found: dict[str, NDArray[np.float64]] = {}
    for k in (0, 1):
        x, y = true[:, k], estimated[:, k]
        mean_x, mean_y = weights @ x / total, weights @ y / total
        var_x = weights @ (x * x) / total - mean_x**2
        cov = weights @ (x * y) / total - mean_x * mean_y
        with np.errstate(invalid="ignore", divide="ignore"):
            slope = np.where(var_x > 0, cov / var_x, np.nan)
        found[f"m{k + 1}"] = slope - 1
        found[f"c{k + 1}"] = mean_y - slope * mean_x
    squared = ((estimated - true) ** 2).sum(axis=1)
    return {
        "m": (found["m1"] + found["m2"]) / 2,
        "c": np.sqrt((found["c1"] ** 2 + found["c2"] ** 2) / 2),
        **found,
        "rmse": np.sqrt(weights @ squared / (2 * total)),
    }


def _regression(truth: Truth, predictions: Predictions, criteria: dict[str, Any] | None) -> Score:
    if (criteria or {}).get("residual") == "shear":
        true, estimated = truth.values.astype(float), predictions.values.astype(float)
        found = shear_biases(true, estimated, np.ones((1, true.shape[0])))
        metrics = {name: float(values[0]) for name, values in found.items()}
        names = (criteria or {}).get("metrics")
        return Score(truth.split, true.shape[0], _wanted(names, metrics))
    d = residual(truth, predictions, criteria)
    median = float(np.median(d))
    metrics = {
        "nmad": float(1.4826 * np.median(np.abs(d - median))),
        "bias": median,
        "outlier_fraction": float(np.mean(np.abs(d) > OUTLIER_THRESHOLD)),
    }
    return Score(truth.split, d.size, _wanted((criteria or {}).get("metrics"), metrics))


def expected_labels(truth: Truth, criteria: dict[str, Any] | None = None) -> NDArray[np.object_]:
    """The right answer for each example: its class, or the unknown label for a class the
    split's criteria name as unseen in training."""
    unseen = set((criteria or {}).get("unseen_classes", []))
    unknown = str((criteria or {}).get("unknown_label", truth.unknown_label))
    return np.array([unknown if v in unseen else str(v) for v in truth.values.tolist()], object)


def _classification(truth: Truth, predictions: Predictions, criteria: dict[str, Any]) -> Score:
    """Every classification metric from one confusion matrix over integer-coded labels."""
    expected: list[str] = expected_labels(truth, criteria).tolist()
    predicted: list[str] = [str(v) for v in predictions.values.tolist()]
    present = sorted(set(expected), key=_order(truth))
    labels = present + sorted(set(predicted) - set(present), key=_order(truth))
    code = {label: i for i, label in enumerate(labels)}
    true_codes = np.array([code[v] for v in expected], dtype=np.intp)
    predicted_codes = np.array([code[v] for v in predicted], dtype=np.intp)
    matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
    np.add.at(matrix, (true_codes, predicted_codes), 1)
    hits = np.diag(matrix)[: len(present)].astype(float)
    completeness = hits / matrix[: len(present)].sum(axis=1)
    called = matrix[:, : len(present)].sum(axis=0)
    purity = np.divide(hits, called, out=np.zeros_like(hits), where=called > 0)
    total = completeness + purity
    f1 = np.divide(2 * purity * completeness, total, out=np.zeros_like(hits), where=total > 0)
    metrics: dict[str, float] = {
        "macro_f1": float(f1.mean()),
        "balanced_accuracy": float(completeness.mean()),
        "accuracy": float(np.trace(matrix) / true_codes.size),
    }
    for name, c, p in zip(present, completeness, purity, strict=True):
        metrics[f"completeness:{name}"] = float(c)
        metrics[f"purity:{name}"] = float(p)
    if predictions.scores is not None and wants(criteria, "roc_auc"):
        auc = _roc_auc(np.array(expected, dtype=object), predictions.scores, truth.classes)
        if auc is not None:
            metrics["roc_auc"] = auc
    unknown = str(criteria.get("unknown_label", truth.unknown_label))
    metrics["coverage"] = float(np.mean([p != unknown for p in predicted]))
    novel = np.isin(truth.values.astype(str), list(criteria.get("unseen_classes", [])))
    if (
        predictions.scores is not None
        and 0 < np.count_nonzero(novel) < novel.size
        and wants(criteria, "novelty_auroc")
    ):
        from sklearn.metrics import roc_auc_score

        metrics["novelty_auroc"] = float(roc_auc_score(novel, 1 - predictions.scores.max(axis=1)))
    return Score(
        truth.split,
        int(true_codes.size),
        _wanted(criteria.get("metrics"), metrics),
        labels=labels,
        confusion=matrix.tolist(),
    )


def _roc_auc(
    expected: NDArray[np.object_], scores: NDArray[np.float64], classes: tuple[str, ...]
) -> float | None:
    """Mean one-vs-rest ROC-AUC over the training classes with positives and negatives."""
    from sklearn.metrics import roc_auc_score

    aucs = [
        roc_auc_score(expected == name, scores[:, k])
        for k, name in enumerate(classes)
        if 0 < np.count_nonzero(expected == name) < expected.size
    ]
    return float(np.mean(aucs)) if aucs else None


def _order(truth: Truth) -> Any:
    rank = {c: i for i, c in enumerate(truth.classes)}
    return lambda label: (rank.get(label, len(rank)), str(label))
