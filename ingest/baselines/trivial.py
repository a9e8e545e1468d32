"""Trivial baselines: what a method must beat to have learnt anything from the inputs.

Classification answers the most common training class, with the training class frequencies as
scores (so ROC-AUC is 0.5); regression answers the median training target. Every benchmark
published with extension v1.2.0 or later carries one, beside its domain reference and ML model.
"""

from __future__ import annotations

from collections import Counter
from typing import ClassVar

import numpy as np
import xarray as xr

from astrobench.ingest.baselines.base import Answers, Baseline


class MajorityClass(Baseline):
    name: ClassVar[str] = "majority-class"
    kind: ClassVar[str] = "trivial"
    description: ClassVar[str] = (
        "Answers the most common training class for every example, with the training class "
        "frequencies as scores: the floor any classifier must beat."
    )

    prior: np.ndarray

    def fit(self, train: xr.Dataset, validation: xr.Dataset) -> None:
        labels = [str(v) for v in train[self.target].values.tolist()]
        counts = Counter(labels)
        self.prior = np.array([counts[c] for c in self.classes], dtype=float) / len(labels)

    def predict(self, data: xr.Dataset) -> Answers:
        n = data.sizes[data[self.target].dims[0]]
        majority = self.classes[int(np.argmax(self.prior))]
        return Answers(np.full(n, majority, dtype=object), np.tile(self.prior, (n, 1)))


class MedianTarget(Baseline):
    name: ClassVar[str] = "median-target"
    kind: ClassVar[str] = "trivial"
    description: ClassVar[str] = (
        "Answers the median training target for every example: the floor any regression must beat."
    )

    median: float

    def fit(self, train: xr.Dataset, validation: xr.Dataset) -> None:
        self.median = float(np.nanmedian(train[self.target].values.astype(float)))

    def predict(self, data: xr.Dataset) -> Answers:
        n = data.sizes[data[self.target].dims[0]]
        return Answers(np.full(n, self.median))


def for_task(task: str) -> type[Baseline]:
    """The trivial baseline of a task."""
    return MedianTarget if task == "regression" else MajorityClass
