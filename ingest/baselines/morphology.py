"""Galaxy-morphology baselines from catalogue photometry: the colour-type and surface-brightness
relations (the domain reference) and a random forest on every measurement."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from astrobench.ingest.baselines.base import Answers, Baseline, model_answers


def _values(data: xr.Dataset, name: str) -> NDArray[np.float64]:
    return data[name].values.astype(float)


class ColourTypeRelation(Baseline):
    name: ClassVar[str] = "colour-type"
    kind: ClassVar[str] = "domain-reference"
    reads_validation: ClassVar[bool] = True  # its inputs and priors were chosen on validation
    description: ClassVar[str] = (
        "The colour-type, surface-brightness-type and flattening-type relations (de Vaucouleurs "
        "1961; Roberts & Haynes 1994): each type's distribution of B-K colour, mean B surface "
        "brightness within the 25 mag isophote and axis ratio (discs seen edge-on are flat, "
        "ellipticals never very), a "
        "three-dimensional Gaussian fitted on the training galaxies (scikit-learn "
        "QuadraticDiscriminantAnalysis); a galaxy gets the type it is most probable under, with "
        "equal priors, since macro-F1 weighs the types equally."
    )

    @staticmethod
    def _inputs(data: xr.Dataset) -> NDArray[np.float64]:
        colour = _values(data, "b_mag") - _values(data, "k_mag")
        flattening = _values(data, "minor_axis") / _values(data, "major_axis")
        return np.column_stack([colour, _values(data, "surface_brightness"), flattening])

    def fit(self, train: xr.Dataset, validation: xr.Dataset) -> None:
        from sklearn.discriminant_analysis import QuadraticDiscriminantAnalysis

        labels = train[self.target].values.astype(str)
        equal = np.full(len(np.unique(labels)), 1 / len(np.unique(labels)))
        self.model = QuadraticDiscriminantAnalysis(priors=equal)
        self.model.fit(self._inputs(train), labels)

    def predict(self, data: xr.Dataset) -> Answers:
        return model_answers(self.model, self._inputs(data), self.classes)


class MorphologyForest(Baseline):
    name: ClassVar[str] = "random-forest"
    kind: ClassVar[str] = "ml"
    description: ClassVar[str] = (
        "scikit-learn RandomForestClassifier (300 trees, balanced class weights) on the colours "
        "B-J, J-H, H-K and B-K, the K magnitude, the mean surface brightness, the log of the "
        "major axis, the axis ratio and the log redshift."
    )

    @staticmethod
    def _inputs(data: xr.Dataset) -> NDArray[np.float64]:
        b, j, h, k = (_values(data, f"{band}_mag") for band in "bjhk")
        major, minor = _values(data, "major_axis"), _values(data, "minor_axis")
        return np.column_stack(
            [
                b - j,
                j - h,
                h - k,
                b - k,
                k,
                _values(data, "surface_brightness"),
                np.log10(major),
                minor / major,
                np.log10(np.maximum(_values(data, "redshift"), 1e-4)),
            ]
        )

    def fit(self, train: xr.Dataset, validation: xr.Dataset) -> None:
        from sklearn.ensemble import RandomForestClassifier

        self.model = RandomForestClassifier(
            n_estimators=300, class_weight="balanced", random_state=self.seed, n_jobs=1
        )
        self.model.fit(self._inputs(train), train[self.target].values.astype(str))

    def predict(self, data: xr.Dataset) -> Answers:
        return model_answers(self.model, self._inputs(data), self.classes)
