"""Redshifts of superluminous supernovae from their light curves: the standard candle (the
domain reference), a random forest on light-curve measures, from observed photometry only."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from astrobench.ingest import transients
from astrobench.ingest.baselines.base import Answers, Baseline

ZGRID = np.expm1(np.linspace(np.log1p(0.005), np.log1p(5.0), 4000))


def measured(data: xr.Dataset) -> NDArray[np.float64]:
    """``transients.FEATURES`` of every supernova (rows) of a split."""
    wavelength = data["band_wavelength"].values
    rows = []
    for i in range(data.sizes["sn"]):
        band = data["band"].values[i]
        seen = band >= 0
        found = transients.measures(
            data["time"].values[i][seen].astype(float),
            data["mag"].values[i][seen].astype(float),
            data["mag_err"].values[i][seen].astype(float),
            wavelength[band[seen]].astype(float),
        )
        rows.append([found[name] for name in transients.FEATURES])
    return np.array(rows)


def _dimming(z: NDArray[np.float64]) -> NDArray[np.float64]:
    """Apparent minus absolute peak magnitude at redshift z: the distance modulus, less the
    2.5 log10(1 + z) by which a band's width in frequency brightens a flat spectrum."""
    found: NDArray[np.float64] = transients.distance_modulus(z) - 2.5 * np.log10(1 + z)
    return found


class StandardCandle(Baseline):
    name: ClassVar[str] = "standard-candle"
    kind: ClassVar[str] = "domain-reference"
    description: ClassVar[str] = (
        "Superluminous supernovae as standard candles: the median peak absolute magnitude of the "
        "training supernovae in their primary optical band (M = m_peak - mu(z) + 2.5 log10(1 + z), "
        "flat Lambda-CDM with H0 = 70, Omega_m = 0.3), then the redshift at which that magnitude "
        "gives each supernova's observed peak; the median training redshift where no peak is "
        "measured."
    )

    def fit(self, train: xr.Dataset, validation: xr.Dataset) -> None:
        peak = measured(train)[:, transients.FEATURES.index("peak_mag")]
        z = train[self.target].values.astype(float)
        seen = np.isfinite(peak)
        self.absolute = float(np.median(peak[seen] - _dimming(z[seen])))
        self.fallback = float(np.median(z))
        self.dimming = _dimming(ZGRID)

    def predict(self, data: xr.Dataset) -> Answers:
        peak = measured(data)[:, transients.FEATURES.index("peak_mag")]
        z = np.interp(peak - self.absolute, self.dimming, ZGRID)  # dimming grows with z
        return Answers(np.where(np.isfinite(peak), z, self.fallback))


class MeasureForest(Baseline):
    name: ClassVar[str] = "random-forest"
    kind: ClassVar[str] = "ml"
    description: ClassVar[str] = (
        "scikit-learn RandomForestRegressor (500 trees, at least 2 supernovae a leaf, half the "
        "features at each split) on the light-curve measures (peak magnitude and time scales of "
        "the primary band, magnitude at peak in eight wavelength ranges and colours, fading, "
        "counts; missing values allowed), predicting ln(1 + z)."
    )

    def fit(self, train: xr.Dataset, validation: xr.Dataset) -> None:
        from sklearn.ensemble import RandomForestRegressor

        self.model = RandomForestRegressor(
            n_estimators=500,
            min_samples_leaf=2,
            max_features=0.5,
            random_state=self.seed,
            n_jobs=1,
        )
        self.model.fit(measured(train), np.log1p(train[self.target].values.astype(float)))

    def predict(self, data: xr.Dataset) -> Answers:
        return Answers(np.expm1(self.model.predict(measured(data))).astype(float))
