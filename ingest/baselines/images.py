"""Image-classification baselines: the non-parametric morphology astronomers measure (the
domain reference) and a random forest on the pixels (machine learning without astronomy)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from astrobench.ingest import imaging
from astrobench.ingest.baselines.base import Answers, Baseline, model_answers


def _images(data: xr.Dataset) -> NDArray[np.uint8]:
    return np.asarray(data["image"].values, dtype=np.uint8)


class MorphologyDiscriminant(Baseline):
    name: ClassVar[str] = "morphology"
    kind: ClassVar[str] = "domain-reference"
    description: ClassVar[str] = (
        "Non-parametric morphology as astronomers measure it on images: concentration, "
        "asymmetry and smoothness (CAS; Conselice 2003), Gini and M20 (Lotz, Primack & Madau "
        "2004), ellipticity, the central R-B colour, counts of point sources (all and beyond the "
        "half-light radius), the fraction of the field the object fills and its half-light "
        "radius, measured on the luminance after subtracting the frame's background; classified "
        "by linear discriminant analysis with a shrunk covariance (scikit-learn, lsqr solver, "
        "Ledoit-Wolf shrinkage) on the standardised measures."
    )

    def fit(self, train: xr.Dataset, validation: xr.Dataset) -> None:
        from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        self.model = make_pipeline(
            StandardScaler(), LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")
        )
        self.model.fit(imaging.measured(_images(train)), train[self.target].values.astype(str))

    def predict(self, data: xr.Dataset) -> Answers:
        return model_answers(self.model, imaging.measured(_images(data)), self.classes)


class PixelForest(Baseline):
    name: ClassVar[str] = "random-forest"
    kind: ClassVar[str] = "ml"
    description: ClassVar[str] = (
        "scikit-learn RandomForestClassifier (300 trees, balanced class weights) on the first 40 "
        "principal components of the RGB pixels, averaged down to 32 x 32."
    )

    @staticmethod
    def _pixels(data: xr.Dataset) -> NDArray[np.float64]:
        images = _images(data).astype(np.float64) / 255
        n, size = images.shape[0], images.shape[1]
        step = size // 32
        small: NDArray[np.float64] = images.reshape(n, 32, step, 32, step, 3).mean(axis=(2, 4))
        return small.reshape(n, -1)

    def fit(self, train: xr.Dataset, validation: xr.Dataset) -> None:
        from sklearn.decomposition import PCA
        from sklearn.ensemble import RandomForestClassifier
        from sklearn.pipeline import make_pipeline

        self.model = make_pipeline(
            PCA(40, random_state=self.seed),
            RandomForestClassifier(
                n_estimators=300, class_weight="balanced", random_state=self.seed, n_jobs=1
            ),
        )
        self.model.fit(self._pixels(train), train[self.target].values.astype(str))

    def predict(self, data: xr.Dataset) -> Answers:
        return model_answers(self.model, self._pixels(data), self.classes)
