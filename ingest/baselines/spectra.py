"""Baselines for ``sn-spectra``: template cross-correlation in the SNID manner, and logistic
regression on the flux.

SNID (Blondin & Tonry 2007) bins spectra logarithmically in wavelength, so a redshift becomes a
shift, divides out a smooth pseudo-continuum, tapers the ends, and cross-correlates the input with
every template of known type and redshift (Tonry & Davis 1979). A match is rated by ``rlap``: the
peak height over the noise of the correlation (``r``) times the overlap in log wavelength
(``lap``). Here the templates are the training spectra, moved to their rest frame.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from astrobench.ingest.baselines.base import Answers, Baseline, model_answers

LOG_BINS = 1024
WAVE_MIN, WAVE_MAX = 2500.0, 10000.0
"""SNID's log-wavelength grid, in Angstrom."""
STEP = np.log(WAVE_MAX / WAVE_MIN) / LOG_BINS
LOG_GRID = np.log(WAVE_MIN) + STEP * (np.arange(LOG_BINS) + 0.5)
Z_MAX = 0.6
MAX_LAG = int(np.ceil(np.log1p(Z_MAX) / STEP))
CONTINUUM_BINS = 60
"""Width of the running-mean pseudo-continuum, in log bins (about 14% in wavelength)."""
TAPER = 0.05
"""Fraction of each end of the observed range tapered by a cosine bell."""
CLIP = 5.0


def flatten(
    wavelength: NDArray[np.float64], flux: NDArray[np.float64]
) -> tuple[NDArray[np.float64], tuple[int, int]]:
    """A spectrum on the log grid with its pseudo-continuum divided out, tapered, zero mean and
    unit rms; and the first and last bins it covers."""
    good = np.isfinite(flux) & np.isfinite(wavelength)
    out = np.zeros(LOG_BINS)
    if good.sum() < 10:
        return out, (0, 0)
    logw = np.log(wavelength[good])
    inside = (logw.min() <= LOG_GRID) & (logw.max() >= LOG_GRID)
    first, last = int(np.argmax(inside)), int(LOG_BINS - np.argmax(inside[::-1]))
    values = np.interp(LOG_GRID[first:last], logw, flux[good])
    kernel = np.ones(CONTINUUM_BINS) / CONTINUUM_BINS
    padded = np.pad(values, CONTINUUM_BINS // 2, mode="edge")
    continuum = np.convolve(padded, kernel, mode="same")[
        CONTINUUM_BINS // 2 : -(CONTINUUM_BINS // 2)
    ]
    floor = 0.1 * np.median(np.abs(continuum))
    flat = np.where(
        np.abs(continuum) > floor, values / np.where(continuum == 0, 1, continuum) - 1, 0.0
    )
    taper = max(1, int(TAPER * flat.size))
    bell = 0.5 * (1 - np.cos(np.pi * np.arange(taper) / taper))
    flat[:taper] *= bell
    flat[-taper:] *= bell[::-1]
    flat -= flat.mean()
    rms = flat.std()
    out[first:last] = flat / rms if rms > 0 else flat
    return out, (first, last)


def _spectra(data: xr.Dataset, redshift: bool) -> tuple[NDArray[np.float64], NDArray[np.int_]]:
    """Flattened spectra of a split (in the rest frame if ``redshift``) and their bin ranges."""
    wavelength = np.asarray(data["wavelength"].values, dtype=float)
    flux = np.asarray(data["flux"].values, dtype=float)
    z = np.asarray(data["redshift"].values, dtype=float) if redshift else np.zeros(len(flux))
    pairs = [flatten(wavelength / (1 + zi), f) for zi, f in zip(z, flux, strict=True)]
    return np.stack([p[0] for p in pairs]), np.array([p[1] for p in pairs])


class TemplateCrossCorrelation(Baseline):
    """SNID-style classification: the type of the best-matching training templates."""

    name: ClassVar[str] = "snid-xcorr"
    kind: ClassVar[str] = "domain-reference"
    description: ClassVar[str] = (
        "Template cross-correlation in the manner of SNID (Blondin & Tonry 2007): log-wavelength "
        "binning, pseudo-continuum division and apodisation, correlation with every training "
        f"spectrum moved to its rest frame for redshifts 0 to {Z_MAX}; each class scores the "
        "best rlap (correlation height over noise times log-wavelength overlap) of its "
        "templates, excluding templates of the same supernova."
    )

    def fit(self, train: xr.Dataset, validation: xr.Dataset) -> None:
        known = np.isfinite(np.asarray(train["redshift"].values, dtype=float))
        chosen = train.isel(spectrum=np.flatnonzero(known))
        self.templates, self.ranges = _spectra(chosen, redshift=True)
        self.template_fft = np.conj(np.fft.rfft(self.templates, n=2 * LOG_BINS))
        self.template_class = np.asarray(chosen["label"].values).astype(str)
        self.template_object = np.asarray(chosen["object_id"].values)

    def _rlap(self, spectrum: NDArray[np.float64], span: tuple[int, int]) -> NDArray[np.float64]:
        """Best rlap of every template against one observed spectrum."""
        correlation = (
            np.fft.irfft(
                np.fft.rfft(spectrum, n=2 * LOG_BINS)[None] * self.template_fft, n=2 * LOG_BINS
            )
            / LOG_BINS
        )
        window = correlation[:, : MAX_LAG + 1]
        lag = window.argmax(axis=1)
        height = window[np.arange(len(lag)), lag]
        offsets = np.arange(1, LOG_BINS // 2)
        right = np.take_along_axis(correlation, (lag[:, None] + offsets) % (2 * LOG_BINS), axis=1)
        left = np.take_along_axis(correlation, (lag[:, None] - offsets) % (2 * LOG_BINS), axis=1)
        noise = np.sqrt(np.mean(((right - left) / 2) ** 2, axis=1))
        r = height / (np.sqrt(2) * np.where(noise > 0, noise, np.inf))
        start = np.maximum(span[0], self.ranges[:, 0] + lag)
        end = np.minimum(span[1], self.ranges[:, 1] + lag)
        lap = np.clip(end - start, 0, None) * STEP
        return np.asarray(r * lap, dtype=float)

    def predict(self, data: xr.Dataset) -> Answers:
        spectra, ranges = _spectra(data, redshift=False)
        objects = np.asarray(data["object_id"].values)
        scores = np.zeros((len(spectra), len(self.classes)))
        for i, (spectrum, span) in enumerate(zip(spectra, ranges, strict=True)):
            rlap = self._rlap(spectrum, (int(span[0]), int(span[1])))
            rlap[self.template_object == objects[i]] = -np.inf  # never match itself
            for k, name in enumerate(self.classes):
                mine = rlap[self.template_class == name]
                scores[i, k] = max(float(mine.max()), 0.0) if mine.size else 0.0
        labels = np.array(self.classes, dtype=object)[scores.argmax(axis=1)]
        return Answers(labels=labels, scores=scores)


def normalised_flux(data: xr.Dataset) -> NDArray[np.float64]:
    """Each spectrum over its median absolute flux, clipped to +-5, zero outside its range."""
    flux = np.asarray(data["flux"].values, dtype=float)
    scale = np.nanmedian(np.abs(flux), axis=1, keepdims=True)
    scaled = flux / np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
    return np.nan_to_num(np.clip(scaled, -CLIP, CLIP))


class FluxLogistic(Baseline):
    """L2-regularised logistic regression on the normalised observed-frame flux."""

    name: ClassVar[str] = "logistic-regression"
    kind: ClassVar[str] = "ml"
    description: ClassVar[str] = (
        "scikit-learn LogisticRegression (L2, C=0.01, balanced class weights) on every pixel of "
        "the observed-frame spectrum divided by its median absolute flux; chosen over PCA + "
        "logistic regression by validation macro-F1."
    )

    def fit(self, train: xr.Dataset, validation: xr.Dataset) -> None:
        from sklearn.linear_model import LogisticRegression

        self.model = LogisticRegression(class_weight="balanced", max_iter=5000, C=0.01)
        self.model.fit(normalised_flux(train), np.asarray(train["label"].values).astype(str))

    def predict(self, data: xr.Dataset) -> Answers:
        return model_answers(self.model, normalised_flux(data), self.classes)
