"""The official metrics, checked against values worked out by hand."""

import numpy as np
import pytest

from astrobench.catalog import metrics
from astrobench.catalog.predictions import Predictions, Truth


def truth(values: list[str], classes: tuple[str, ...] = ("a", "b")) -> Truth:
    ids = np.array([f"x{i}" for i in range(len(values))])
    return Truth("test", ids, np.array(values, dtype=object), classes)


def predicted(values: list[str], scores: list[list[float]] | None = None) -> Predictions:
    return Predictions(np.array(values, dtype=object), None if scores is None else np.array(scores))


def test_classification_metrics_by_hand() -> None:
    score = metrics.score(truth(["a", "a", "b", "b"]), predicted(["a", "b", "b", "b"]))
    m = score.metrics
    assert m["completeness:a"] == 0.5 and m["completeness:b"] == 1.0
    assert m["purity:a"] == 1.0 and m["purity:b"] == pytest.approx(2 / 3)
    f1_a, f1_b = 2 * 1 * 0.5 / 1.5, 2 * (2 / 3) * 1 / (5 / 3)
    assert m["macro_f1"] == pytest.approx((f1_a + f1_b) / 2)
    assert m["balanced_accuracy"] == pytest.approx(0.75)
    assert m["accuracy"] == pytest.approx(0.75)
    assert "roc_auc" not in m  # no scores, no ROC-AUC
    assert score.labels == ["a", "b"] and score.confusion == [[1, 1], [0, 2]]


def test_macro_averages_weigh_a_rare_class_like_a_common_one() -> None:
    values = ["a"] * 98 + ["b"] * 2
    always_a = metrics.score(truth(values), predicted(["a"] * 100)).metrics
    assert always_a["accuracy"] == pytest.approx(0.98)
    assert always_a["balanced_accuracy"] == pytest.approx(0.5)
    assert always_a["macro_f1"] < 0.5


def test_roc_auc_from_scores() -> None:
    perfect = [[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.1, 0.9]]
    score = metrics.score(truth(["a", "a", "b", "b"]), predicted(["a", "a", "b", "b"], perfect))
    assert score.metrics["roc_auc"] == 1.0
    inverted = [row[::-1] for row in perfect]
    worst = metrics.score(truth(["a", "a", "b", "b"]), predicted(["b", "b", "a", "a"], inverted))
    assert worst.metrics["roc_auc"] == 0.0


def test_unseen_classes_are_right_only_when_called_unknown() -> None:
    known = truth(["a", "b", "T", "T"])
    criteria = metrics.criteria("classification", unseen_classes=["T"], unknown_label="unknown")
    abstains = metrics.score(known, predicted(["a", "b", "unknown", "unknown"]), criteria)
    assert abstains.metrics["macro_f1"] == 1.0
    assert abstains.metrics["completeness:unknown"] == 1.0
    guesses = metrics.score(known, predicted(["a", "b", "a", "b"]), criteria)
    assert guesses.metrics["completeness:unknown"] == 0.0
    assert guesses.metrics["macro_f1"] < 0.6


def test_criteria_choose_the_metrics_reported() -> None:
    criteria = {"primary": "macro_f1", "metrics": ["macro_f1", "completeness"]}
    score = metrics.score(truth(["a", "b"]), predicted(["a", "a"]), criteria)
    assert set(score.metrics) == {"macro_f1", "completeness:a", "completeness:b"}


def test_regression_metrics_by_hand() -> None:
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    residual = np.array([0.0, 0.1, -0.1, 0.2, 1.0])
    reference = Truth("test", np.array(list("abcde")), values)
    score = metrics.score(reference, Predictions(values + residual))
    assert score.metrics["bias"] == pytest.approx(0.1)
    assert score.metrics["nmad"] == pytest.approx(1.4826 * 0.1)
    assert score.metrics["outlier_fraction"] == pytest.approx(0.4)  # 0.2 and 1.0 exceed 0.15
    assert score.labels == [] and score.to_dict()["n"] == 5


def test_definitions_have_one_primary_metric_and_directions() -> None:
    for task in ("classification", "regression"):
        defined = metrics.definitions(task)
        assert sum(m["primary"] for m in defined) == 1
        assert {m["direction"] for m in defined} <= {"maximize", "minimize"}


def test_coverage_and_novelty_by_hand() -> None:
    """Four known stars (one abstained on) and two of an unseen class: coverage counts answers,
    and the novelty AUROC ranks the unseen ones by 1 - max p."""
    found = truth(["a", "a", "b", "b", "c", "c"])
    criteria = metrics.criteria(
        "classification", abstention=True, unknown_label="unknown", unseen_classes=["c"]
    )
    answers = predicted(
        ["a", "unknown", "b", "b", "unknown", "a"],
        [[0.9, 0.1], [0.55, 0.45], [0.2, 0.8], [0.3, 0.7], [0.5, 0.5], [0.6, 0.4]],
    )
    m = metrics.score(found, answers, criteria).metrics
    assert m["coverage"] == pytest.approx(4 / 6)
    # novelty scores 1 - max p: known 0.1, 0.45, 0.2, 0.3; unseen 0.5, 0.4 -> 7 of 8 pairs
    assert m["novelty_auroc"] == pytest.approx(7 / 8)
    assert {"coverage", "novelty_auroc"} <= set(criteria["metrics"])
    plain = metrics.score(found, answers, metrics.criteria("classification")).metrics
    assert "coverage" not in plain and "novelty_auroc" not in plain  # older criteria: as before
