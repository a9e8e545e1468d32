"""The baseline runner on a small regression benchmark: predictions are written, read back with
the official parser and scored; figures are drawn; the card and lint see the result."""

from pathlib import Path
from typing import ClassVar

import numpy as np
import xarray as xr

from astrobench.catalog import metrics
from astrobench.catalog.lint import lint
from astrobench.ingest import benchmarking, card, diagnostics
from astrobench.ingest.baselines.base import Answers, Baseline


class TrainingMean(Baseline):
    """Predicts the training mean for everything: the weakest sensible regression baseline."""

    name: ClassVar[str] = "training-mean"
    kind: ClassVar[str] = "ml"
    description: ClassVar[str] = "the mean of the training targets"

    def fit(self, train: xr.Dataset, validation: xr.Dataset) -> None:
        self.mean = float(train["z"].mean())

    def predict(self, data: xr.Dataset) -> Answers:
        return Answers(labels=np.full(data.sizes["galaxy"], self.mean, dtype=object))


def split(name: str, values: np.ndarray) -> xr.Dataset:
    ids = np.array([f"{name}-{i}" for i in range(values.size)], dtype=object)
    return xr.Dataset({"z": ("galaxy", values)}, coords={"galaxy": ids})


def test_a_regression_baseline_is_scored_and_drawn(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    data = {
        "train": split("train", rng.uniform(0.0, 1.0, 200)),
        "test": split("test", rng.uniform(0.0, 1.0, 50)),
        "test-far": split("test-far", rng.uniform(1.0, 2.0, 50)),
    }
    collection = {
        "id": "photo-z",
        "version": "1.0.0",
        "title": "Photometric redshifts",
        "description": "A toy benchmark.",
        "license": "CC0-1.0",
        "bench:task": "regression",
        "bench:target": "z",
        "bench:modality": "tabular",
        "bench:provenance": "simulated",
        "bench:metrics": metrics.definitions("regression"),
        "bench:splits": [
            {"name": n, "role": r, "criteria": metrics.criteria("regression")}
            for n, r in (("train", "train"), ("test", "test"), ("test-far", "robustness"))
        ],
    }
    run = benchmarking.run(TrainingMean, collection, data)
    assert run.files["test"].splitlines()[0] == "id,prediction"
    near, far = run.scores["test"].metrics, run.scores["test-far"].metrics
    assert set(near) == {"nmad", "bias", "outlier_fraction"}
    assert abs(near["bias"]) < 0.15 and far["bias"] < -0.5  # the mean misses the shifted split
    assert far["outlier_fraction"] == 1.0
    figures = diagnostics.draw(collection, run, data, tmp_path)
    assert list(figures) == ["predicted-vs-true"]
    assert figures["predicted-vs-true"].read_bytes()[:4] == b"\x89PNG"
    collection["bench:baselines"] = [{"name": "training-mean", "kind": "ml", "scores": {}}]
    text = card.render(collection)
    assert "| training-mean (ml) |" in text and "## Lessons learned" in text
    fields = {f.field for f in lint(collection)}
    assert "bench:card" in fields and "bench:baselines" in fields  # no card, no domain reference
