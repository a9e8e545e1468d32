"""Trivial baselines: what a method must beat to have learnt anything from the inputs.

Classification answers the most common training class, or guesses classes at their training
frequencies where no class dominates; both give the training class frequencies as scores (so
ROC-AUC is 0.5). Regression answers the median training target. Every benchmark
published with extension v1.2.0 or later carries one, beside its domain reference and ML model.
"""

from __future__ import annotations

from collections import Counter
from typing import ClassVar

import numpy as np
import xarray as xr

from astrobench.ingest.baselines.base import Answers, Baseline
from astrobench.ingest.splits import unit_hash


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


class ClassPrior(MajorityClass):
    name: ClassVar[str] = "class-prior"
    kind: ClassVar[str] = "trivial"
    description: ClassVar[str] = (
        "Guesses a class for every example at the training class frequencies (seeded by the "
        "example's id, so the same example gets the same guess in every split), with those "
        "frequencies as scores: the floor any classifier must beat where the classes are "
        "balanced and 'the most common class' would be an arbitrary tie-break."
    )

    def predict(self, data: xr.Dataset) -> Answers:
        (dim,) = data[self.target].dims
        ids = [str(v) for v in data[dim].values.tolist()]
        draws = np.array([unit_hash(f"{self.name}/{self.seed}/{i}") for i in ids])
        picks = np.searchsorted(np.cumsum(self.prior), draws * self.prior.sum(), side="right")
        labels = np.array(self.classes, dtype=object)[np.minimum(picks, len(self.classes) - 1)]
        return Answers(labels, np.tile(self.prior, (len(ids), 1)))


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


class ZeroShear(Baseline):
    name: ClassVar[str] = "zero-shear"
    kind: ClassVar[str] = "trivial"
    description: ClassVar[str] = (
        "Answers zero shear for every stamp: no lensing signal at all, so m = -1 and c = 0; the "
        "floor any shear estimator must beat."
    )

    def fit(self, train: xr.Dataset, validation: xr.Dataset) -> None:
        pass

    def predict(self, data: xr.Dataset) -> Answers:
        return Answers(np.zeros(data[self.target].shape))


def for_task(task: str) -> type[Baseline]:
    """The default trivial baseline of a task."""
    return MedianTarget if task == "regression" else MajorityClass
