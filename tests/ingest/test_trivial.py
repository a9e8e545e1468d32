"""Trivial baselines: the floors every benchmark's real baselines are measured against."""

from collections import Counter

import numpy as np
import pytest
import xarray as xr

from astrobench.ingest.baselines.trivial import ClassPrior, MajorityClass, MedianTarget


def _split(labels: list[str], prefix: str = "x") -> xr.Dataset:
    ids = [f"{prefix}-{i}" for i in range(len(labels))]
    return xr.Dataset({"label": ("star", labels)}, coords={"star": ids})


def test_class_prior_guesses_at_the_training_frequencies() -> None:
    train = _split(["a"] * 600 + ["b"] * 300 + ["c"] * 100)
    floor = ClassPrior(("a", "b", "c"))
    floor.fit(train, train)
    data = _split(["a"] * 5000, prefix="y")
    answers = floor.predict(data)
    share = Counter(answers.labels.tolist())
    assert share["a"] / 5000 == pytest.approx(0.6, abs=0.03)
    assert share["c"] / 5000 == pytest.approx(0.1, abs=0.02)
    assert answers.scores is not None and np.allclose(answers.scores, [0.6, 0.3, 0.1])
    # the same example gets the same guess wherever it appears, whatever the row order
    again = floor.predict(data.isel(star=slice(None, None, -1)))
    assert (again.labels[::-1] == answers.labels).all()


def test_majority_and_median_answer_one_value() -> None:
    train = _split(["a", "b", "b"])
    majority = MajorityClass(("a", "b"))
    majority.fit(train, train)
    assert set(majority.predict(_split(["a"] * 4)).labels) == {"b"}
    target = xr.Dataset({"z": ("galaxy", [0.1, 0.2, 0.9])})
    median = MedianTarget((), target="z")
    median.fit(target, target)
    assert (median.predict(target).labels == 0.2).all()
