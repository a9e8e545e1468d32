"""The experiments behind the benchmark cards' lessons learned: variants of the published ML
baselines, scored with the official metrics on the splits of a running catalogue that are open
to model selection (never on a split kept for evaluation only: a lesson drawn there would make
its scores no longer blind).

    python bench/ablations.py --url http://127.0.0.1:8000 [--version 2.0.0]
"""

from __future__ import annotations

import argparse
from typing import Any, ClassVar

import numpy as np
import xarray as xr

from astrobench.client import Client
from astrobench.ingest import benchmarking
from astrobench.ingest.baselines import spectra, variables
from astrobench.ingest.baselines.base import Answers, Baseline


class ForestWithMagnitude(variables.FeatureForest):
    """The published forest plus the mean magnitude (which encodes the field's distance)."""

    def _raw(self, data: xr.Dataset) -> Any:  # type: ignore[override]
        mag = np.asarray(data["mean_mag"].values, dtype=float)[:, None]
        return np.hstack([variables.FeatureForest._raw(data), mag])


class ForestWithoutAbstention(variables.FeatureForest):
    """The published forest, always naming a training class."""

    def __init__(self, classes: Any, unknown_label: str | None = None, target: str = "label"):
        super().__init__(classes, None, target)


class PcaLogistic(Baseline):
    """PCA (40 components) + logistic regression on continuum-flattened spectra."""

    name: ClassVar[str] = "pca-logistic"
    kind: ClassVar[str] = "ml"
    description: ClassVar[str] = ""

    def fit(self, train: xr.Dataset, validation: xr.Dataset) -> None:
        from sklearn.decomposition import PCA
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        self.model = make_pipeline(
            PCA(n_components=40, random_state=0),
            LogisticRegression(class_weight="balanced", max_iter=5000, C=0.1),
        )
        self.model.fit(
            spectra._spectra(train, redshift=False)[0], train["label"].values.astype(str)
        )

    def predict(self, data: xr.Dataset) -> Answers:
        flat = spectra._spectra(data, redshift=False)[0]
        return Answers(labels=self.model.predict(flat).astype(object))


VARIANTS: dict[str, list[type[Baseline]]] = {
    "ogle3-variables": [variables.FeatureForest, ForestWithMagnitude, ForestWithoutAbstention],
    "sn-spectra": [spectra.FluxLogistic, PcaLogistic, spectra.TemplateCrossCorrelation],
}


def open_splits(collection: dict[str, Any]) -> list[str]:
    """The splits that may inform model selection: as each says, or train and validation in
    records older than extension v1.2.0."""
    return [
        s["name"]
        for s in collection["bench:splits"]
        if s.get("model_selection", s["role"] in ("train", "validation"))
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--version", help="a version of every dataset (default: each latest)")
    args = parser.parse_args()
    with Client(args.url) as client:
        for name, variants in VARIANTS.items():
            collection = client.collection(name, args.version)
            splits = open_splits(collection)
            data = {
                s: client.open(name, collection["version"], s, cache=True).load() for s in splits
            }
            print(f"{name} {collection['version']}: macro-F1 on the splits open to model selection")
            print("  " + " ".join(f"{s:>11}" for s in ["variant", *splits]))
            for variant in variants:
                run = benchmarking.run(variant, collection, data)
                values = [run.scores[s].metrics["macro_f1"] for s in splits]
                print(f"  {variant.__name__:>11.11} " + " ".join(f"{v:11.3f}" for v in values))


if __name__ == "__main__":
    main()
