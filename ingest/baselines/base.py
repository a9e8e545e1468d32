"""The one interface every example implementation follows, and how a baseline is looked up."""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from astrobench.catalog.errors import InvalidParameter
from astrobench.ingest.sources import PackageSource


@dataclass(frozen=True)
class Answers:
    """A baseline's answers for one split, in the split's order."""

    labels: NDArray[np.generic]
    scores: NDArray[np.float64] | None = None
    """Shape (examples, training classes): higher means more likely; None if it gives none."""


class Baseline(ABC):
    """Fits on the train and validation splits, then answers any split of the same version."""

    name: ClassVar[str]
    kind: ClassVar[str]
    """``domain-reference`` (the field's traditional method), ``ml`` or ``trivial``."""
    description: ClassVar[str]
    seed: ClassVar[int] = 0
    reads_validation: ClassVar[bool] = False
    """Whether ``fit`` reads the validation split (to set thresholds, say): it then counts among
    the splits the baseline learnt from."""
    sources: ClassVar[tuple[PackageSource, ...]] = ()
    """Pinned packages the method itself reads (templates, filter curves), beside the data."""

    def __init__(
        self,
        classes: Sequence[str],
        unknown_label: str | None = None,
        target: str = "label",
        files: Mapping[str, Path] | None = None,
    ) -> None:
        self.files = dict(files or {})
        """Each of ``sources``, by package name: its verified local file."""
        self.classes = tuple(classes)
        """Training classes, in the order of score columns."""
        self.unknown_label = unknown_label
        self.target = target
        """The variable holding the answers (``bench:target``)."""

    @abstractmethod
    def fit(self, train: xr.Dataset, validation: xr.Dataset) -> None:
        """Learn from ``train``; choose thresholds on ``validation``."""

    @abstractmethod
    def predict(self, data: xr.Dataset) -> Answers:
        """Answers for every example of ``data``."""

    def diagnostics(self, data: xr.Dataset) -> dict[str, float]:
        """What a domain expert checks the method by on ``data``, beside its scores (for a
        template matcher, the redshifts it recovers); none by default."""
        return {}


def model_answers(model: Any, inputs: NDArray[np.float64], classes: Sequence[str]) -> Answers:
    """Answers of a fitted scikit-learn classifier, score columns in the order of ``classes``."""
    proba = model.predict_proba(inputs)
    order = [list(model.classes_).index(c) for c in classes]
    scores = np.asarray(proba[:, order], dtype=float)
    return Answers(labels=np.array(classes, dtype=object)[scores.argmax(axis=1)], scores=scores)


def load(target: str) -> type[Baseline]:
    """The Baseline class at ``module:Class``."""
    module, _, attribute = target.partition(":")
    found: type[Baseline] = getattr(importlib.import_module(module), attribute)
    return found


TRIVIAL = {
    "majority-class": "astrobench.ingest.baselines.trivial:MajorityClass",
    "class-prior": "astrobench.ingest.baselines.trivial:ClassPrior",
    "median-target": "astrobench.ingest.baselines.trivial:MedianTarget",
    "zero-shear": "astrobench.ingest.baselines.trivial:ZeroShear",
}
"""The trivial baselines every benchmark may be scored against, by name."""


def lookup(baselines: dict[str, str], name: str, dataset: str) -> type[Baseline]:
    """The baseline called ``name`` among a recipe's and the trivial ones; ``InvalidParameter``
    listing them if absent."""
    known = {**baselines, **TRIVIAL}
    if name not in known:
        raise InvalidParameter(f"{dataset} has no baseline {name!r}; baselines: {', '.join(known)}")
    return load(known[name])
