"""Light curves for periodic variables: synthesis on a real cadence, a noise model, and features.

Synthesis follows the OGLE-III Fourier convention, ``m(t) = m0 + sum_k a_k cos(2 pi k phase + phi_k)``
with ``R_k1 = a_k / a_1`` and ``phi_k1 = phi_k - k phi_1``, scaled so the peak-to-peak amplitude is
the catalogue's ``A``. Features are what the domain reference computes: a Lomb-Scargle period and a
three-harmonic Fourier fit at that period, plus shape statistics that need no period.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

HJD_MINUS_MJD = 2400000.5 - 2450000.0
"""OGLE epochs are HJD - 2450000; ZTF times are MJD. (The heliocentric correction is ignored.)"""
FLOOR_MAG = 0.01
"""Systematic error floor, in magnitudes."""
HARMONICS = 3
FREQ_MIN, FREQ_MAX = 1 / 2000, 20.0
"""Frequency search range in 1/day: periods of 0.05 d (delta Scuti) to 2000 d (long-period)."""
SAMPLES_PER_PEAK = 3

FEATURES: dict[str, str] = {
    "period": "Lomb-Scargle period of the highest peak (day)",
    "ls_power": "normalised Lomb-Scargle power at that period",
    "amplitude": "peak-to-peak amplitude of the Fourier fit (mag)",
    "r21": "Fourier amplitude ratio a2/a1",
    "r31": "Fourier amplitude ratio a3/a1",
    "phi21": "Fourier phase difference phi2 - 2 phi1 (rad, 0-2pi)",
    "phi31": "Fourier phase difference phi3 - 3 phi1 (rad, 0-2pi)",
    "mean_mag": "weighted mean magnitude (mag)",
    "std": "standard deviation of the magnitudes (mag)",
    "skew": "skewness of the magnitudes",
    "range_90": "5-95 percentile range of the magnitudes (mag)",
    "eta": "von Neumann ratio: smoothness of the time-ordered magnitudes",
    "n_obs": "number of epochs",
    "timespan": "time from first to last epoch (day)",
}


@dataclass(frozen=True)
class Pulsation:
    """One periodic term: period (day), peak-to-peak amplitude (mag), epoch of maximum light (MJD),
    and the Fourier ratios and phases of its harmonics (empty for a sinusoid).

    ``mirrored`` reproduces the curves of ``ogle3-variables`` 1.0.0, which negated the series:
    the catalogue's series is already in magnitudes, so that turned every curve upside down (a
    fast fade instead of a fast rise; phi21 off by pi). It exists only to rebuild that version.
    """

    period: float
    amplitude: float
    epoch: float
    ratios: tuple[float, ...] = field(default=())
    phases: tuple[float, ...] = field(default=())
    mirrored: bool = False

    def shape(self, phase: NDArray[np.float64]) -> NDArray[np.float64]:
        """The unscaled Fourier series at ``phase`` (radians), in magnitudes."""
        total = np.cos(phase)
        for k, (ratio, phi) in enumerate(zip(self.ratios, self.phases, strict=True), start=2):
            total = total + ratio * np.cos(k * phase + phi)
        return total

    def signal(self, times: NDArray[np.float64]) -> NDArray[np.float64]:
        """Magnitude offsets at ``times`` with the catalogue's peak-to-peak amplitude, and
        maximum light (the smallest magnitude) at the epoch."""
        phase = 2 * np.pi * (times - self.epoch) / self.period
        if self.mirrored:  # exactly as 1.0.0 computed it
            span = float(np.ptp(self.shape(np.linspace(0, 2 * np.pi, 2048))))
            return -self.amplitude * self.shape(phase) / span
        grid = np.linspace(0, 2 * np.pi, 4096, endpoint=False)
        curve = self.shape(grid)
        # A shift of phase leaves phi_k1 = phi_k - k phi_1 unchanged: the shape stays the star's.
        brightest = float(grid[np.argmin(curve)])
        return self.amplitude * self.shape(phase + brightest) / float(np.ptp(curve))


def magnitudes(
    mean: float, terms: list[Pulsation], times: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Noise-free magnitudes at ``times`` (MJD)."""
    result = np.full(times.shape, mean)
    for term in terms:
        result = result + term.signal(times)
    return result


def error(mag: NDArray[np.float64], depth: NDArray[np.float64]) -> NDArray[np.float64]:
    """1-sigma magnitude error for a point source of ``mag`` observed to a 5-sigma ``depth``."""
    snr = 5.0 * 10 ** (-0.4 * (mag - depth))
    sigma: NDArray[np.float64] = np.hypot(2.5 / np.log(10) / snr, FLOOR_MAG)
    return sigma


def observe(
    truth: NDArray[np.float64], depth: NDArray[np.float64], rng: np.random.Generator
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Noisy magnitudes and their errors for true magnitudes observed at the given depths."""
    sigma = error(truth, depth)
    return truth + rng.normal(0.0, sigma), sigma


DETECTION = 5.0
"""Signal-to-noise below which an epoch is a non-detection, left out of a light curve as survey
light-curve tables leave it (the depths are 5-sigma limits)."""


def observe_flux(
    truth: NDArray[np.float64], depth: NDArray[np.float64], rng: np.random.Generator
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """Magnitudes, errors and detection flags for true magnitudes observed at the given 5-sigma
    depths, with the noise drawn in flux: sky-limited noise of a fifth of the depth's flux, the
    ``FLOOR_MAG`` systematic in quadrature. A faint star's scatter is then asymmetric in
    magnitude, as measured, and an epoch whose measured flux is under ``DETECTION`` sigma is not
    detected (its magnitude and error are NaN)."""
    flux = 10 ** (-0.4 * truth)  # in units of the zero point: only ratios matter
    sigma = np.hypot(10 ** (-0.4 * depth) / 5.0, flux * FLOOR_MAG * np.log(10) / 2.5)
    measured = flux + rng.normal(0.0, sigma)
    detected = measured >= DETECTION * sigma
    safe = np.where(detected, measured, np.nan)
    return -2.5 * np.log10(safe), 2.5 / np.log(10) * sigma / safe, detected


def _fourier_fit(
    times: NDArray[np.float64], mag: NDArray[np.float64], weight: NDArray[np.float64], period: float
) -> tuple[float, float, float, float, float]:
    """Amplitude, R21, R31, phi21, phi31 of a weighted three-harmonic fit at ``period``."""
    phase = 2 * np.pi * times / period
    columns = [np.ones_like(times)]
    for k in range(1, HARMONICS + 1):
        columns += [np.cos(k * phase), np.sin(k * phase)]
    design = np.stack(columns, axis=1)
    coef, *_ = np.linalg.lstsq(design * weight[:, None], mag * weight, rcond=None)
    amp = np.hypot(coef[1::2], coef[2::2])
    phi = np.arctan2(-coef[2::2], coef[1::2])  # a cos(x) + b sin(x) = A cos(x + phi)
    grid = np.linspace(0, 2 * np.pi, 256)
    curve = sum(amp[k] * np.cos((k + 1) * grid + phi[k]) for k in range(HARMONICS))
    a1 = amp[0] if amp[0] > 0 else np.nan
    return (
        float(np.ptp(curve)),
        float(amp[1] / a1),
        float(amp[2] / a1),
        float((phi[1] - 2 * phi[0]) % (2 * np.pi)),
        float((phi[2] - 3 * phi[0]) % (2 * np.pi)),
    )


SIDEREAL_DAY = 0.99727
"""Days: nightly sampling from one site aliases a frequency f to f +/- k / SIDEREAL_DAY."""
PEAKS = 5
"""Periodogram peaks whose daily aliases ``resolve_aliases`` compares."""


def _misfit(
    times: NDArray[np.float64], mag: NDArray[np.float64], weight: NDArray[np.float64], freq: float
) -> float:
    """Weighted squared residual of a three-harmonic fit at ``freq``."""
    phase = 2 * np.pi * times * freq
    columns = [np.ones_like(times)]
    for k in range(1, HARMONICS + 1):
        columns += [np.cos(k * phase), np.sin(k * phase)]
    design = np.stack(columns, axis=1) * weight[:, None]
    coef, *_ = np.linalg.lstsq(design, mag * weight, rcond=None)
    return float(np.sum((design @ coef - mag * weight) ** 2))


def resolve_aliases(
    times: NDArray[np.float64],
    mag: NDArray[np.float64],
    weight: NDArray[np.float64],
    freq: NDArray[np.float64],
    power: NDArray[np.float64],
) -> float:
    """The frequency, among the highest periodogram peaks and their daily aliases
    (f +/- 1, 2 cycles per sidereal day), that a three-harmonic model fits best. A single-site
    cadence makes these aliases nearly as high as the true peak; a non-sinusoidal light curve
    fits at its true frequency only."""
    inner = np.flatnonzero((power[1:-1] > power[:-2]) & (power[1:-1] >= power[2:])) + 1
    peaks = freq[inner[np.argsort(power[inner])[::-1][:PEAKS]]]
    candidates = {
        c
        for f in peaks
        for k in (-2, -1, 0, 1, 2)
        if FREQ_MIN < (c := float(f + k / SIDEREAL_DAY)) < FREQ_MAX
    }
    if not candidates:
        return float(freq[np.argmax(power)])
    return min(sorted(candidates), key=lambda f: _misfit(times, mag, weight, f))


def features(
    times: NDArray[np.float64],
    mag: NDArray[np.float64],
    err: NDArray[np.float64],
    aliases: bool = False,
) -> dict[str, float]:
    """The features of one light curve (see ``FEATURES``); NaN where a light curve is too short.
    With ``aliases``, the period is chosen among daily aliases by ``resolve_aliases`` (1.0.0 of
    ``ogle3-variables`` took the highest peak)."""
    import nifty_ls  # a compiled dependency of the ingest extra only

    keep = np.isfinite(times) & np.isfinite(mag)
    times, mag, err = times[keep], mag[keep], err[keep]
    out = dict.fromkeys(FEATURES, float("nan"))
    out["n_obs"] = float(times.size)
    if times.size < 2 * HARMONICS + 2:
        return out
    span = float(times.max() - times.min())
    weight = 1.0 / err
    n_freq = int((FREQ_MAX - FREQ_MIN) * SAMPLES_PER_PEAK * span) + 1
    result = nifty_ls.lombscargle(
        times, mag, err, fmin=FREQ_MIN, fmax=FREQ_MAX, Nf=n_freq, backend="finufft", nthreads=1
    )
    best = int(np.argmax(result.power))
    period = float(1.0 / result.freq()[best])
    if aliases:
        period = 1.0 / resolve_aliases(times, mag, weight, result.freq(), result.power)
        best = int(np.argmin(np.abs(result.freq() - 1.0 / period)))
    amplitude, r21, r31, phi21, phi31 = _fourier_fit(times, mag, weight, period)
    order = np.argsort(times)
    ordered = mag[order]
    out.update(
        period=period,
        ls_power=float(result.power[best]),
        amplitude=amplitude,
        r21=r21,
        r31=r31,
        phi21=phi21,
        phi31=phi31,
        mean_mag=float(np.average(mag, weights=weight**2)),
        std=float(np.std(mag)),
        skew=float(np.mean((mag - mag.mean()) ** 3) / np.std(mag) ** 3)
        if np.std(mag) > 0
        else np.nan,
        range_90=float(np.subtract(*np.percentile(mag, [95, 5]))),
        eta=float(np.mean(np.diff(ordered) ** 2) / np.var(mag)) if np.var(mag) > 0 else np.nan,
        timespan=span,
    )
    return out
