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


def _spectra(
    data: xr.Dataset, redshift: bool, mask: bool = False
) -> tuple[NDArray[np.float64], NDArray[np.int_]]:
    """Flattened spectra of a split (in the rest frame if ``redshift``; with telluric and sky
    bands left out if ``mask``) and their bin ranges."""
    wavelength = np.asarray(data["wavelength"].values, dtype=float)
    flux = np.asarray(data["flux"].values, dtype=float)
    if mask:
        flux = np.stack([masked(wavelength, f) for f in flux]) if len(flux) else flux
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

    def _correlate(
        self,
        spectrum: NDArray[np.float64],
        span: tuple[int, int],
        window: tuple[int, int] | None = None,
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int_]]:
        """rlap, lap (overlap in ln wavelength) and lag of every template's best match against
        one observed spectrum, its peak sought among lags 0 to ``MAX_LAG`` or in ``window``."""
        correlation = (
            np.fft.irfft(
                np.fft.rfft(spectrum, n=2 * LOG_BINS)[None] * self.template_fft, n=2 * LOG_BINS
            )
            / LOG_BINS
        )
        first, last = window or (0, MAX_LAG + 1)
        lag = first + correlation[:, first:last].argmax(axis=1)
        height = correlation[np.arange(len(lag)), lag]
        offsets = np.arange(1, LOG_BINS // 2)
        right = np.take_along_axis(correlation, (lag[:, None] + offsets) % (2 * LOG_BINS), axis=1)
        left = np.take_along_axis(correlation, (lag[:, None] - offsets) % (2 * LOG_BINS), axis=1)
        noise = np.sqrt(np.mean(((right - left) / 2) ** 2, axis=1))
        r = height / (np.sqrt(2) * np.where(noise > 0, noise, np.inf))
        start = np.maximum(span[0], self.ranges[:, 0] + lag)
        end = np.minimum(span[1], self.ranges[:, 1] + lag)
        lap = np.clip(end - start, 0, None) * STEP
        return np.asarray(r * lap, dtype=float), np.asarray(lap, dtype=float), lag

    def _rlap(self, spectrum: NDArray[np.float64], span: tuple[int, int]) -> NDArray[np.float64]:
        """Best rlap of every template against one observed spectrum."""
        return self._correlate(spectrum, span)[0]

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


TELLURIC = ((6860.0, 6930.0), (7575.0, 7700.0))
"""Observed-frame telluric O2 bands (B and A), Angstrom, masked before correlation."""
SKY = ((5570.0, 5585.0), (5885.0, 5900.0), (6295.0, 6305.0), (6358.0, 6370.0))
"""Observed-frame night-sky lines ([O I] 5577, Na D, [O I] 6300, 6364), Angstrom, masked."""
RLAP_MIN, LAP_MIN = 5.0, 0.4
"""SNID's defaults (Blondin & Tonry 2007): a match counts only with rlap >= 5 and an overlap
of at least 0.4 in ln(wavelength); a spectrum with no such match is 'no match'."""
HOST_LAG = 3
"""Bins (0.0013 in ln(1 + z) each) either side of the host redshift's lag that correlation
searches, where the redshift is known (SNID's forced redshift)."""
VOTES = 10
"""Good matches that vote on the type, best rlap first, one per template supernova."""
TEMPLATE_SNR = 1.0
"""Least signal-to-noise (``snr``) of a training spectrum used as a template: about the
median of the training spectra, so the better half are templates."""
SMOOTH_BINS = 5
RECOVERED_DZ = 0.02
"""A redshift from the best match within this of the host's counts as recovered."""


BANDPASS = (1, 4, LOG_BINS // 12, LOG_BINS // 10)
"""SNID's default Fourier bandpass (wavenumbers k1 = 1, k2 = 4, k3 = nw/12, k4 = nw/10 for nw
log bins): a cosine rise from k1 to k2 removes what continuum division left, a cosine fall from
k3 to k4 the pixel noise."""


def bandpass() -> NDArray[np.float64]:
    """SNID's bandpass on the real FFT of a zero-padded (2 x LOG_BINS) spectrum."""
    k = np.arange(LOG_BINS + 1) / 2  # rfft index -> wavenumber per LOG_BINS
    k1, k2, k3, k4 = BANDPASS
    rise = 0.5 * (1 - np.cos(np.pi * np.clip((k - k1) / (k2 - k1), 0, 1)))
    fall = 0.5 * (1 + np.cos(np.pi * np.clip((k - k3) / (k4 - k3), 0, 1)))
    return np.asarray(rise * fall, dtype=float)


def _one_per_object(order: NDArray[np.int_], objects: NDArray[np.generic]) -> NDArray[np.int_]:
    """``order`` (template indices, best first) keeping only each supernova's best template,
    so that one supernova with many spectra casts one vote."""
    _, first = np.unique(objects[order], return_index=True)
    return np.asarray(order[np.sort(first)], dtype=np.int_)


def masked(wavelength: NDArray[np.float64], flux: NDArray[np.float64]) -> NDArray[np.float64]:
    """``flux`` with telluric and sky bands (observed frame) set to NaN."""
    out = flux.copy()
    for low, high in (*TELLURIC, *SKY):
        out[(wavelength >= low) & (wavelength <= high)] = np.nan
    return out


def _smoothed(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """A running mean over ``SMOOTH_BINS`` log bins."""
    return np.convolve(values, np.ones(SMOOTH_BINS) / SMOOTH_BINS, mode="same")


def snr(flat: NDArray[np.float64], span: tuple[int, int]) -> float:
    """Signal-to-noise of a flattened spectrum: the rms of its smoothed features over the rms of
    what smoothing removes."""
    values = flat[span[0] : span[1]]
    if values.size < 4 * SMOOTH_BINS:
        return 0.0
    smooth = _smoothed(values)
    noise = float(np.std(values - smooth))
    return float(np.std(smooth)) / noise if noise > 0 else 0.0


class SnidTemplates(TemplateCrossCorrelation):
    """Template cross-correlation as spectroscopists run SNID: high-S/N smoothed templates,
    telluric and sky bands masked, the host redshift where known, rlap and lap cuts that allow
    'no match', and a vote of the best matches."""

    name: ClassVar[str] = "snid-templates"
    kind: ClassVar[str] = "domain-reference"
    description: ClassVar[str] = (
        "Template cross-correlation in the manner of SNID (Blondin & Tonry 2007): log-wavelength "
        "binning, pseudo-continuum division and apodisation; telluric O2 bands and night-sky "
        "lines masked; templates are the training spectra with S/N of at least "
        f"{TEMPLATE_SNR:g}, smoothed and moved to their rest frame; correlation at the host "
        f"redshift where it is known (else over 0 to {Z_MAX}); matches count with rlap >= "
        f"{RLAP_MIN:g} and lap >= {LAP_MIN:g}, and the best match of each of the {VOTES} "
        "best-matching training supernovae votes on the type, weighted by rlap. With no match "
        "the answer is 'unknown'. The templates are this benchmark's own training spectra, not "
        "SNID's template library."
    )
    rlap_min: ClassVar[float] = RLAP_MIN
    template_snr: ClassVar[float] = TEMPLATE_SNR
    filtered: ClassVar[bool] = True
    """Whether SNID's bandpass filter is applied (``bench/ablations.py`` turns it off)."""

    def fit(self, train: xr.Dataset, validation: xr.Dataset) -> None:
        known = np.isfinite(np.asarray(train["redshift"].values, dtype=float))
        chosen = train.isel(spectrum=np.flatnonzero(known))
        flats, ranges = _spectra(chosen, redshift=True, mask=True)
        quality = np.array(
            [snr(f, (int(a), int(b))) for f, (a, b) in zip(flats, ranges, strict=True)]
        )
        keep = quality >= self.template_snr
        self.templates = np.stack([_smoothed(f) for f in flats[keep]])
        self.ranges = ranges[keep]
        # SNID's bandpass filter on both spectrum and template: folded into the template side
        self.template_fft = np.conj(np.fft.rfft(self.templates, n=2 * LOG_BINS))
        if self.filtered:
            self.template_fft = self.template_fft * bandpass() ** 2
        self.template_class = np.asarray(chosen["label"].values).astype(str)[keep]
        self.template_object = np.asarray(chosen["object_id"].values)[keep]

    def _matches(
        self, spectrum: NDArray[np.float64], span: NDArray[np.int_], z: float, own: object
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """rlap, lap and redshift of every template's best match, at the host redshift where
        ``z`` is finite; templates of the supernova ``own`` never match (rlap -inf)."""
        window = None
        if np.isfinite(z):
            centre = round(float(np.log1p(z)) / STEP)
            window = (max(0, centre - HOST_LAG), centre + HOST_LAG + 1)
        rlap, lap, lag = self._correlate(spectrum, (int(span[0]), int(span[1])), window)
        rlap[self.template_object == own] = -np.inf
        return rlap, lap, np.expm1(lag * STEP)

    def predict(self, data: xr.Dataset) -> Answers:
        spectra, ranges = _spectra(data, redshift=False, mask=True)
        objects = np.asarray(data["object_id"].values)
        redshift = np.asarray(data["redshift"].values, dtype=float)
        unknown = self.unknown_label or "unknown"
        labels = np.full(len(spectra), unknown, dtype=object)
        scores = np.zeros((len(spectra), len(self.classes)))
        for i, (spectrum, span) in enumerate(zip(spectra, ranges, strict=True)):
            rlap, lap, _ = self._matches(spectrum, span, redshift[i], objects[i])
            good = np.flatnonzero((rlap >= self.rlap_min) & (lap >= LAP_MIN))
            best = _one_per_object(good[np.argsort(rlap[good])[::-1]], self.template_object)
            best = best[:VOTES]
            if best.size:  # the share of the votes, weighted by rlap
                weight = rlap[best]
                labels[i] = self.classes[int(self._shares(weight, best).argmax())]
            else:  # no match: the answer is 'unknown'; scores share the best rlap of each class
                best = _one_per_object(np.argsort(rlap)[::-1], self.template_object)
                best = best[np.isfinite(rlap[best])]
                weight = np.clip(rlap[best], 0.0, None)
            scores[i] = self._shares(weight, best)
        return Answers(labels=labels, scores=scores)

    def _shares(self, weight: NDArray[np.float64], chosen: NDArray[np.int_]) -> NDArray[np.float64]:
        """Each class's share of ``weight`` over the ``chosen`` templates (equal if none)."""
        totals = np.array([weight[self.template_class[chosen] == c].sum() for c in self.classes])
        if totals.sum() <= 0:
            return np.full(len(self.classes), 1 / len(self.classes))
        return np.asarray(totals / totals.sum(), dtype=float)

    def diagnostics(self, data: xr.Dataset) -> dict[str, float]:
        """How often the best match's redshift, searched freely from 0 to ``Z_MAX``, is the
        host's within ``RECOVERED_DZ``: the redshift-recovery check of a template matcher."""
        spectra, ranges = _spectra(data, redshift=False, mask=True)
        objects = np.asarray(data["object_id"].values)
        redshift = np.asarray(data["redshift"].values, dtype=float)
        known = np.flatnonzero(np.isfinite(redshift))
        right = 0
        for i in known:
            rlap, lap, z = self._matches(spectra[i], ranges[i], np.nan, objects[i])
            rlap[lap < LAP_MIN] = -np.inf
            right += bool(abs(z[int(np.argmax(rlap))] - redshift[i]) <= RECOVERED_DZ)
        return {
            "redshift_recovered": right / known.size if known.size else float("nan"),
            "redshift_known": float(known.size),
        }


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
