"""Photometric-redshift baselines: template fitting as BPZ does it (the domain reference), and a
random forest on colours (the machine-learning method most photo-z comparisons include)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from astrobench.ingest import photometry
from astrobench.ingest.baselines.base import Answers, Baseline
from astrobench.ingest.pins import DESC_BPZ, SPECLITE
from astrobench.ingest.sources import PackageSource

ZGRID = np.round(np.arange(0.0, 0.6005, 0.001), 6)
"""Redshifts the templates are fitted at: beyond every Main Galaxy Sample galaxy (z < 0.33)."""
ERROR_FLOOR = 0.02
"""Magnitudes added in quadrature to every error: the templates' own mismatch, as in BPZ."""
CHUNK = 500
"""Galaxies fitted at a time: memory stays at CHUNK x templates x redshifts."""


def _magnitudes(data: xr.Dataset) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    return data["mag"].values.astype(float), data["mag_err"].values.astype(float)


class TemplateFit(Baseline):
    name: ClassVar[str] = "bpz-templates"
    kind: ClassVar[str] = "domain-reference"
    sources: ClassVar[tuple[PackageSource, ...]] = (DESC_BPZ, SPECLITE)
    description: ClassVar[str] = (
        "Template fitting in the manner of BPZ (Benitez 2000): the six CWW+SB templates and two "
        "interpolants between each pair of neighbours, redshifted through the SDSS filter "
        f"curves (Doi et al. 2010) on a grid of z = 0-{ZGRID[-1]:.1f} in steps of 0.001; "
        "chi-square with a free amplitude, SDSS magnitudes put on the AB system (u - 0.04, "
        f"z + 0.02) and a {ERROR_FLOOR} mag error floor; BPZ's prior p(z | r) fitted to the "
        "training galaxies; the answer is the mode of the posterior, templates marginalised."
    )

    def fit(self, train: xr.Dataset, validation: xr.Dataset) -> None:
        filters = photometry.sdss_filters(self.files[SPECLITE.name])
        seds = photometry.templates(self.files[DESC_BPZ.name])
        self.models = photometry.interpolated(photometry.model_fluxes(seds, filters, ZGRID))
        mag, _ = _magnitudes(train)
        r = photometry.BANDS.index("r")
        self.prior = photometry.fit_prior(train[self.target].values.astype(float), mag[:, r])

    def predict(self, data: xr.Dataset) -> Answers:
        mag, err = _magnitudes(data)
        flux, weight = photometry.fluxes(mag + photometry.SDSS_TO_AB, err, ERROR_FLOOR)
        r = photometry.BANDS.index("r")
        answers = np.empty(len(mag))
        for start in range(0, len(mag), CHUNK):
            part = slice(start, start + CHUNK)
            chi = photometry.chi2(flux[part], weight[part], self.models)
            prior = photometry.log_prior(self.prior, mag[part, r], ZGRID)
            answers[part] = ZGRID[photometry.posterior(chi, prior).argmax(axis=1)]
        return Answers(answers)


class ColourForest(Baseline):
    name: ClassVar[str] = "random-forest"
    kind: ClassVar[str] = "ml"
    description: ClassVar[str] = (
        "scikit-learn RandomForestRegressor (300 trees, at least 3 galaxies a leaf) on the colours "
        "u-g, g-r, r-i, i-z and the r magnitude."
    )

    @staticmethod
    def _inputs(data: xr.Dataset) -> NDArray[np.float64]:
        mag, _ = _magnitudes(data)
        return np.column_stack([-np.diff(mag, axis=1), mag[:, photometry.BANDS.index("r")]])

    def fit(self, train: xr.Dataset, validation: xr.Dataset) -> None:
        from sklearn.ensemble import RandomForestRegressor

        self.model = RandomForestRegressor(
            n_estimators=300, min_samples_leaf=3, random_state=self.seed, n_jobs=1
        )
        self.model.fit(self._inputs(train), train[self.target].values.astype(float))

    def predict(self, data: xr.Dataset) -> Answers:
        return Answers(self.model.predict(self._inputs(data)).astype(float))
