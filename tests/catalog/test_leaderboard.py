"""Ranking with statistical ties, checked against a direct computation of the paired bootstrap."""

import numpy as np
import pytest

from astrobench.catalog import intervals
from astrobench.catalog.leaderboard import Candidate, merit, rank
from astrobench.catalog.predictions import Truth

N = 60
rng = np.random.default_rng(3)
LABELS = rng.choice(["a", "b"], size=N)
TRUTH = Truth(
    split="test",
    ids=np.array([f"x{i:02d}" for i in range(N)]),
    values=LABELS.astype(object),
    classes=("a", "b"),
    groups=np.array([f"star{i // 2}" for i in range(N)]),  # two examples per object
)


def _wrong(count: int, seed: int) -> np.ndarray:
    """The labels with ``count`` of them flipped."""
    flipped = LABELS.copy()
    picked = np.random.default_rng(seed).choice(N, size=count, replace=False)
    flipped[picked] = np.where(flipped[picked] == "a", "b", "a")
    return flipped


def _candidate(name: str, labels: np.ndarray) -> Candidate:
    rows = "".join(f"x{i:02d},{label}\n" for i, label in enumerate(labels))
    return Candidate(name, "submission", "id,label\n" + rows)


def _accuracy_draws(labels: np.ndarray) -> np.ndarray:
    """Accuracy on every bootstrap draw of objects, computed here from the draws' weights."""
    weights = intervals.Draws.of(TRUTH.groups).weights.astype(float)
    correct = (labels == LABELS).astype(float)
    return (weights @ correct) / weights.sum(axis=1)


def test_groups_are_the_paired_intervals_that_cover_zero() -> None:
    predictions = {"best": _wrong(3, 1), "close": _wrong(5, 2), "far": _wrong(25, 3)}
    ranked = rank(
        TRUTH, None, "accuracy", "maximize", [_candidate(n, p) for n, p in predictions.items()]
    )
    assert [r.candidate.name for r in ranked] == ["best", "close", "far"]
    draws = {name: _accuracy_draws(labels) for name, labels in predictions.items()}
    for found in ranked:
        assert found.value == pytest.approx(
            float(np.mean(predictions[found.candidate.name] == LABELS))
        )
        direct = np.percentile(draws[found.candidate.name], [2.5, 97.5])
        assert found.interval == pytest.approx(direct)
    close = np.percentile(draws["close"] - draws["best"], [2.5, 97.5])
    far = np.percentile(draws["far"] - draws["best"], [2.5, 97.5])
    assert close[0] <= 0 <= close[1] and far[1] < 0  # what the data say, directly
    assert [r.group for r in ranked] == [1, 1, 2]
    assert ranked[1].versus_head == pytest.approx(close)
    assert ranked[0].versus_head is None and ranked[2].versus_head is None  # heads


def test_identical_predictions_tie_and_order_follows_the_direction() -> None:
    same = _wrong(4, 5)
    ranked = rank(
        TRUTH, None, "accuracy", "maximize", [_candidate("a", same), _candidate("b", same)]
    )
    assert [r.group for r in ranked] == [1, 1] and ranked[1].versus_head == [0.0, 0.0]
    values = np.array([-0.3, 0.1, 0.2])
    assert list(merit(values, "zero")) == pytest.approx([-0.3, -0.1, -0.2])
    assert list(merit(values, "minimize")) == pytest.approx([0.3, -0.1, -0.2])
    assert list(merit(values, "maximize")) == pytest.approx(list(values))
